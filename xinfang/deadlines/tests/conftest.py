from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from xinfang.deadlines.engine import WorkCalendar
from xinfang.deadlines.holidays import bundled_calendar


@pytest.fixture(scope="session")
def cn_calendar() -> WorkCalendar:
    """The national calendar straight from the bundled JSON files (no database)."""
    return bundled_calendar()


@pytest.fixture(autouse=True)
def _fresh_deadline_cache() -> Iterator[None]:
    # Test transactions roll back without signals: a calendar cached in one test must not leak into the next.
    from xinfang.deadlines import selectors

    selectors.clear_cache()
    yield
    selectors.clear_cache()


@pytest.fixture
def actor() -> SimpleNamespace:
    # record_event only needs a label; a real user would tie these tests to the accounts app.
    return SimpleNamespace(display_label="测试管理员", unit_id=None, pk=None)
