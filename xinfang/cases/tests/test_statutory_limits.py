"""Every time limit of the handling chain against the real 2025/2026 holiday notices (国办发明电), with the
expected dates worked out by hand from the notices — not from the engine:

* 2025 国庆节、中秋节: 10月1日–8日 off, 9月28日(日) and 10月11日(六) worked;
* 2026 春节: 2月15日–23日 off, 2月14日(六) and 2月28日(六) worked;
* 2026 劳动节: 5月1日–5日 off, 5月9日(六) worked.

Calendar days, the start day not counted, a period ending on a rest day or holiday rolls to the next working
day (民法典 Art 201, 203); a make-up Saturday is a working day and does not roll."""

import datetime as dt

import pytest

from xinfang.deadlines.services import compute_clock_due

pytestmark = pytest.mark.django_db  # the rules and the calendar are rows
D = dt.date.fromisoformat
NANSHAN = "440305"


@pytest.mark.parametrize(
    ("clock", "start", "days", "due", "why"),
    [
        # Art 34: 60 days from acceptance. 8月2日 + 60 = 10月1日 (国庆) → 10月9日 (Thu).
        ("handling", "2025-08-02", None, "2025-10-09", "ends in National Day, rolls past the 8-day break"),
        # Art 34: extension ≤ 30 days counted from the original due date. 10月9日 + 30 = 11月8日 (Sat) → Mon.
        ("extension", "2025-10-09", 30, "2025-11-10", "ordinary weekend rolls to Monday"),
        ("extension", "2025-10-09", 20, "2025-10-29", "a shorter approved extension keeps its own length"),
        # Art 35: 复查 request within 30 days of receipt. 1月16日 + 30 = 2月15日 (春节) → 2月24日 (Tue).
        ("review_request", "2026-01-16", None, "2026-02-24", "ends in Spring Festival, rolls to 2月24日"),
        # Art 35: 复查 opinion within 30 days of the request.
        ("review", "2026-01-16", None, "2026-02-24", "same period, same roll"),
        # Art 36¶1: 复核 request within 30 days. 4月1日 + 30 = 5月1日 (劳动节) → 5月6日 (Wed).
        ("recheck_request", "2026-04-01", None, "2026-05-06", "ends in Labour Day, rolls past 5月5日"),
        # Art 36¶1: 复核 opinion within 30 days; 1月20日 + 30 = 2月19日 (春节) → 2月24日.
        ("recheck", "2026-01-20", None, "2026-02-24", "no hearing"),
        # Evaluation window (a rule row, default 30 days from receipt of the reply).
        ("evaluation", "2025-09-01", None, "2025-10-09", "10月1日 falls in National Day → 10月9日"),
    ],
)
def test_limits_across_real_holidays(clock, start, days, due, why):
    result = compute_clock_due(region_code=NANSHAN, clock=clock, start=D(start), days=days)
    assert result.due == D(due), why
    assert result.to_dict()["explanation"]  # every due date explains itself


@pytest.mark.parametrize(
    ("hearing", "due", "why"),
    [
        # 1月21日–31日 count 11 days; 2月1日–10日 paused; 2月11日 + 18 = 3月1日 (Sun) → 3月2日 (Mon).
        (("2026-02-01", "2026-02-10"), "2026-03-02", "ten hearing days move the end onto a Sunday"),
        # With 2月1日–9日 paused the 30th counted day is 2月28日, a make-up working Saturday: no roll.
        (("2026-02-01", "2026-02-09"), "2026-02-28", "ends on the make-up Saturday, which is worked"),
    ],
)
def test_recheck_hearing_days_are_not_counted(hearing, due, why):
    """Art 36¶2: 听证所需时间不计算在前款规定的期限内."""
    start, end = (D(d) for d in hearing)
    result = compute_clock_due(
        region_code=NANSHAN, clock="recheck", start=D("2026-01-20"), pauses=[(start, end)]
    )
    assert result.due == D(due), why


def test_extension_beyond_thirty_days_is_refused():
    from xinfang.deadlines.services import DeadlineInputError

    with pytest.raises(DeadlineInputError):
        compute_clock_due(region_code=NANSHAN, clock="extension", start=D("2025-10-09"), days=31)
