from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def portal(world, settings):
    settings.XINFANG_PORTAL_UNIT = world.units["city_bureau"].pk
    return world
