"""Pure deadline arithmetic for the statutory clocks of the 《信访工作条例》(2022).

No Django import on purpose: the arithmetic is the part a court or a supervisor may question, so it must be
testable on its own and explain itself in Chinese without a database.

Rules applied (see docs legal-rules.md §6):
- the start day is not counted, counting begins the next day (《民法典》第二百零一条);
- a period whose last day is a statutory holiday or rest day ends on the first working day after it
  (《民法典》第二百零三条) — ``PeriodRule.roll_forward``;
- a working-day period ("5个工作日", 条例第二十三条第三款) counts only working days: a make-up working day
  (调休上班, e.g. a Saturday) counts, a statutory holiday on a weekday does not;
- days inside a pause are not counted: a hearing, 条例第三十六条第二款
  "听证所需时间不计算在前款规定的期限内".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
# No statutory period comes near ten years; the cap stops a typo (6000 for 60) from looping for ages.
MAX_DAYS = 3660
PAUSE_REASON = "暂停计算（听证等）"
REST_DAY_REASON = "休息日"
HOLIDAY_REASON = "法定节假日"
ONE_DAY = timedelta(days=1)

CIVIL_CODE_201 = "《中华人民共和国民法典》第二百零一条"
CIVIL_CODE_203 = "《中华人民共和国民法典》第二百零三条"
REGULATION_36_2 = "《信访工作条例》第三十六条第二款"
STATUTORY_BASIS = "《全国年节及纪念日放假办法》第二条、第六条"


def validate_days(days: Any) -> int:
    """A period length must be a non-negative whole number of days."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"期间天数必须是整数，收到：{days!r}")
    if days < 0:
        raise ValueError(f"期间天数不能为负数：{days}")
    if days > MAX_DAYS:
        raise ValueError(f"期间天数过大：{days}（上限 {MAX_DAYS} 日）")
    return days


def _check_date(value: Any, what: str) -> date:
    # datetime is a subclass of date; a datetime here would smuggle a time zone question into day arithmetic.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{what}必须是日期（date），收到：{value!r}")
    return value


def fmt(d: date) -> str:
    return f"{d.isoformat()}（{WEEKDAY_NAMES[d.weekday()]}）"


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days.

    ``holidays``: official days off (法定节假日 and 调休放假, on weekdays or weekends);
    ``workdays``: make-up working days (调休上班, usually a Saturday or Sunday);
    everything else: Monday–Friday work, Saturday–Sunday rest.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    names: Mapping[date, str] = field(default_factory=dict, hash=False, compare=False)
    # Last day the holiday data is known for (31 Dec of the last notice year). Past it every week is plain
    # Mon–Fri, which is wrong once the next notice is out — so results that reach past it carry a warning.
    known_until: date | None = field(default=None, compare=False)
    # Past ``known_until`` the statutory holidays of the 办法 are counted provisionally (``statutory``).
    provisional: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "names", dict(self.names))
        clash = sorted(self.holidays & self.workdays)
        if clash:
            shown = "、".join(d.isoformat() for d in clash[:3])
            raise ValueError(f"同一日期不能既是放假日又是调休上班日：{shown}")

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def day_off_reason(self, d: date) -> str:
        """Why ``d`` is not a working day, for explanations: the holiday's name or 休息日."""
        if d in self.holidays:
            return self.names.get(d) or HOLIDAY_REASON
        return REST_DAY_REASON

    def overlay(self, other: WorkCalendar) -> WorkCalendar:
        """``other`` wins on every date it mentions (a province re-declaring a national day)."""
        return WorkCalendar(
            holidays=(self.holidays - other.workdays) | other.holidays,
            workdays=(self.workdays - other.holidays) | other.workdays,
            names={**self.names, **other.names},
            known_until=max((d for d in (self.known_until, other.known_until) if d), default=None),
            provisional=self.provisional or other.provisional,
        )

    @classmethod
    def from_days(cls, days: Iterable[tuple[date, str, str]]) -> WorkCalendar:
        """Build from ``(date, kind, name)`` rows, kind "holiday"/"workday"; a later row for a date wins."""
        kinds: dict[date, str] = {}
        names: dict[date, str] = {}
        for d, kind, name in days:
            if kind not in ("holiday", "workday"):
                raise ValueError(f"未知的日期类型：{kind!r}（应为 holiday 或 workday）")
            kinds[_check_date(d, "日期")] = kind
            if name:
                names[d] = name
            else:
                names.pop(d, None)
        return cls(
            holidays=frozenset(d for d, k in kinds.items() if k == "holiday"),
            workdays=frozenset(d for d, k in kinds.items() if k == "workday"),
            names=names,
            known_until=date(max(kinds).year, 12, 31) if kinds else None,
        )


@dataclass(frozen=True)
class PeriodRule:
    days: int
    working: bool
    roll_forward: bool = True
    label: str = ""
    legal_basis: str = ""

    def __post_init__(self) -> None:
        validate_days(self.days)

    def describe(self) -> str:
        length = f"{self.days}个工作日" if self.working else f"{self.days}日（自然日）"
        text = f"{self.label}：{length}" if self.label else length
        if self.legal_basis:
            text += f"，依据{self.legal_basis}"
        if not self.working:
            text += "；届满日遇节假日/休息日顺延" if self.roll_forward else "；届满日遇节假日不顺延"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "working": self.working,
            "roll_forward": self.roll_forward,
            "label": self.label,
            "legal_basis": self.legal_basis,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PeriodRule:
        return cls(
            days=data["days"],
            working=bool(data["working"]),
            roll_forward=bool(data.get("roll_forward", True)),
            label=data.get("label", ""),
            legal_basis=data.get("legal_basis", ""),
        )


def _ranges(days: Sequence[tuple[date, str]]) -> list[tuple[date, date, str]]:
    """Group consecutive days with the same reason: 10-01…10-08 国庆节 reads better than eight lines."""
    out: list[tuple[date, date, str]] = []
    for d, reason in days:
        if out and out[-1][2] == reason and out[-1][1] + ONE_DAY == d:
            out[-1] = (out[-1][0], d, reason)
        else:
            out.append((d, d, reason))
    return out


def _span_text(a: date, b: date) -> str:
    return fmt(a) if a == b else f"{fmt(a)} 至 {fmt(b)}"


@dataclass(frozen=True)
class DueDate:
    start: date
    due: date
    rule: PeriodRule
    counted_days: list[date]
    skipped: list[tuple[date, str]]  # (date, reason): days in (start, due) that did not count
    paused: list[tuple[date, date]]  # inclusive pauses that touched the period
    rolled_from: date | None  # the period's own last day when it fell on a day off (民法典第二百零三条)
    makeup_counted: list[tuple[date, str]] = field(default_factory=list)  # 调休上班日 counted, with names
    rolled_reason: str = ""  # why rolled_from was a day off, e.g. "春节"
    calendar_known_until: date | None = None  # see WorkCalendar.known_until
    calendar_provisional: bool = False  # see WorkCalendar.provisional

    @property
    def beyond_calendar(self) -> bool:
        """True when the period runs past the loaded holiday data: recompute once the next notice is out."""
        return self.calendar_known_until is not None and self.due > self.calendar_known_until

    def explain(self) -> str:
        rule = self.rule
        lines = [f"起算日：{fmt(self.start)}，当日不计入，自次日开始计算（{CIVIL_CODE_201}）。"]
        lines.append(f"规则：{rule.describe()}。")
        if rule.days == 0:
            lines.append("期间为0日：以起算日当日为期间最后一日。")
        elif self.counted_days:
            unit = "个工作日" if rule.working else "日"
            first, last = self.counted_days[0], self.counted_days[-1]
            lines.append(f"计入期间：共{len(self.counted_days)}{unit}，自 {fmt(first)} 至 {fmt(last)}。")
        for d, name in self.makeup_counted:
            weekday = WEEKDAY_NAMES[d.weekday()]
            lines.append(f"调休上班日计入：{d.isoformat()}（{weekday}，{name}）为工作日，计入期间。")
        off = [(d, r) for d, r in self.skipped if r != PAUSE_REASON]
        if off:
            parts = [f"{_span_text(a, b)} {r}" for a, b, r in _ranges(off)]
            what = "跳过的节假日/休息日（不计入）" if rule.working else "顺延跨过的节假日/休息日"
            lines.append(f"{what}：" + "；".join(parts) + "。")
        if self.paused:
            n = sum(1 for _, r in self.skipped if r == PAUSE_REASON)
            spans = "；".join(_span_text(a, b) for a, b in self.paused)
            lines.append(f"暂停（听证）：{spans}，共{n}日不计入期间（{REGULATION_36_2}）。")
        if self.rolled_from is not None:
            why = self.rolled_reason or "节假日/休息日"
            lines.append(
                f"顺延：期间最后一日 {fmt(self.rolled_from)} 为{why}，"
                f"依{CIVIL_CODE_203}顺延至其后第一个工作日。"
            )
        lines.append(f"届满日：{fmt(self.due)}，当日24时（北京时间）届满。")
        if self.beyond_calendar and self.calendar_known_until is not None:
            known = self.calendar_known_until.isoformat()
            if self.calendar_provisional:
                lines.append(
                    f"注意：期间超出已录入的节假日安排（至 {known}），此后暂按{STATUTORY_BASIS}规定的"
                    "法定节假日及周末补假计算，调休安排以国务院办公厅通知为准；通知录入后应重新计算。"
                )
            else:
                lines.append(
                    f"注意：期间超出已录入的节假日安排（至 {known}），"
                    "此后按普通周一至周五计算；新年度放假通知公布并录入后应重新计算。"
                )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record stored next to a due date, with the explanation as computed at the time."""
        return {
            "version": 1,
            "start": self.start.isoformat(),
            "due": self.due.isoformat(),
            "rule": self.rule.to_dict(),
            "counted_days": [d.isoformat() for d in self.counted_days],
            "skipped": [[d.isoformat(), r] for d, r in self.skipped],
            "paused": [[a.isoformat(), b.isoformat()] for a, b in self.paused],
            "rolled_from": self.rolled_from.isoformat() if self.rolled_from else None,
            "makeup_counted": [[d.isoformat(), n] for d, n in self.makeup_counted],
            "rolled_reason": self.rolled_reason,
            "calendar_known_until": self.calendar_known_until.isoformat()
            if self.calendar_known_until
            else None,
            "beyond_calendar": self.beyond_calendar,
            "calendar_provisional": self.calendar_provisional,
            "explanation": self.explain(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DueDate:
        iso = date.fromisoformat
        return cls(
            start=iso(data["start"]),
            due=iso(data["due"]),
            rule=PeriodRule.from_dict(data["rule"]),
            counted_days=[iso(d) for d in data["counted_days"]],
            skipped=[(iso(d), r) for d, r in data["skipped"]],
            paused=[(iso(a), iso(b)) for a, b in data["paused"]],
            rolled_from=iso(data["rolled_from"]) if data.get("rolled_from") else None,
            makeup_counted=[(iso(d), n) for d, n in data.get("makeup_counted", [])],
            rolled_reason=data.get("rolled_reason", ""),
            calendar_known_until=iso(data["calendar_known_until"])
            if data.get("calendar_known_until")
            else None,
            calendar_provisional=bool(data.get("calendar_provisional", False)),
        )


def normalize_pauses(pauses: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """Validate inclusive ``(first, last)`` ranges, sort them and merge overlapping or touching ones."""
    spans: list[tuple[date, date]] = []
    for item in pauses:
        try:
            a, b = item
        except (TypeError, ValueError):
            raise ValueError(f"暂停区间必须是（开始日, 结束日）二元组：{item!r}") from None
        _check_date(a, "暂停开始日")
        _check_date(b, "暂停结束日")
        if b < a:
            raise ValueError(f"暂停区间结束日早于开始日：{a.isoformat()} 至 {b.isoformat()}")
        spans.append((a, b))
    spans.sort()
    merged: list[tuple[date, date]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _in_spans(d: date, spans: Sequence[tuple[date, date]]) -> bool:
    return any(a <= d <= b for a, b in spans)


def compute_due(
    start: date,
    rule: PeriodRule,
    calendar: WorkCalendar,
    pauses: Sequence[tuple[date, date]] = (),
) -> DueDate:
    """The last day of a period of ``rule.days`` starting the day after ``start``."""
    _check_date(start, "起算日")
    validate_days(rule.days)
    spans = normalize_pauses(pauses)
    counted: list[date] = []
    skipped: list[tuple[date, str]] = []
    makeup: list[tuple[date, str]] = []
    d = start
    while len(counted) < rule.days:
        d += ONE_DAY
        if _in_spans(d, spans):
            skipped.append((d, PAUSE_REASON))
        elif rule.working and not calendar.is_working_day(d):
            skipped.append((d, calendar.day_off_reason(d)))
        else:
            counted.append(d)
            if rule.working and d in calendar.workdays:
                makeup.append((d, calendar.names.get(d) or "调休上班日"))
    rolled_from: date | None = None
    rolled_reason = ""
    if rule.roll_forward and not calendar.is_working_day(d):
        # 民法典第二百零三条: the period ends on the day after the holiday. A paused day cannot be that day
        # either — the clock is stopped on it — so the roll walks past pauses too.
        rolled_from = d
        rolled_reason = calendar.day_off_reason(d)
        d += ONE_DAY
        while _in_spans(d, spans) or not calendar.is_working_day(d):
            skipped.append((d, PAUSE_REASON if _in_spans(d, spans) else calendar.day_off_reason(d)))
            d += ONE_DAY
    touched = [(a, b) for a, b in spans if b > start and a <= d]
    return DueDate(
        start=start,
        due=d,
        rule=rule,
        counted_days=counted,
        skipped=skipped,
        paused=touched,
        rolled_from=rolled_from,
        makeup_counted=makeup,
        rolled_reason=rolled_reason,
        calendar_known_until=calendar.known_until,
        calendar_provisional=calendar.provisional,
    )


def add_working_days(
    start: date, days: int, calendar: WorkCalendar, pauses: Sequence[tuple[date, date]] = ()
) -> date:
    """``start`` + ``days`` working days (start day not counted)."""
    return compute_due(start, PeriodRule(days=days, working=True), calendar, pauses).due


def add_calendar_days(
    start: date,
    days: int,
    calendar: WorkCalendar,
    *,
    roll_forward: bool = True,
    pauses: Sequence[tuple[date, date]] = (),
) -> date:
    """``start`` + ``days`` calendar days, rolled past a holiday unless ``roll_forward`` is false."""
    rule = PeriodRule(days=days, working=False, roll_forward=roll_forward)
    return compute_due(start, rule, calendar, pauses).due


def next_working_day(d: date, calendar: WorkCalendar, *, include_self: bool = False) -> date:
    _check_date(d, "日期")
    if not include_self:
        d += ONE_DAY
    while not calendar.is_working_day(d):
        d += ONE_DAY
    return d


def working_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """Working days in (start, end] — e.g. how much of an objection period has been used. 0 if end ≤ start."""
    _check_date(start, "开始日")
    _check_date(end, "结束日")
    n, d = 0, start
    while d < end:
        d += ONE_DAY
        n += calendar.is_working_day(d)
    return n
