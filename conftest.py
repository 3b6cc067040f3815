import pytest


@pytest.fixture
def world(db):
    from xinfang.testing.factories import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _fresh_deadline_cache():
    """Rule and calendar edits bump the process cache on commit; a test's rollback then leaves the cache
    holding rows that no longer exist. Start and end every test with an empty cache."""
    from xinfang.deadlines.selectors import clear_cache

    clear_cache()
    yield
    clear_cache()
