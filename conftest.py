import pytest


@pytest.fixture
def world(db):
    from xinfang.testing.factories import build_world

    return build_world()
