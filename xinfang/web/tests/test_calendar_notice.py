"""The inbox asks for next year's holiday notice when periods started now may run past the calendar."""

import pytest

from xinfang.deadlines.selectors import calendar_for


def _inbox(client, world) -> str:
    client.force_login(world.users["registrar"])
    return client.get("/").content.decode()


@pytest.mark.parametrize(("month", "shown"), [(12, True), (6, False)])
def test_inbox_shows_the_calendar_reminder_near_the_end_of_the_known_calendar(
    world, client, monkeypatch, month, shown
):
    known = calendar_for("").known_until
    assert known is not None
    monkeypatch.setattr("xinfang.web.views.local_today", lambda: known.replace(month=month, day=1))
    page = _inbox(client, world)
    assert ('id="calendar-notice"' in page) is shown
    if shown:
        assert f"{known.year + 1}年的放假调休安排尚未录入" in page
