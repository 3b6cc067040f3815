"""Holiday calendars as data: parse and check the JSON files transcribed from the 国务院办公厅 notices.

Pure Python (no Django) so the data migration, the ``deadline --load-holidays`` command and plain tests share
one parser. File format (``data/cn_holidays_YYYY.json``)::

    {"year": 2025, "region_prefix": "",
     "source": "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）",
     "periods": [{"name": "春节", "start": "2025-01-28", "end": "2025-02-04", "days": 8,
                  "workdays": ["2025-01-26", "2025-02-08"], "notice": "二、春节：…"}]}

Each period's days from ``start`` to ``end`` are days off (``holiday``) named after the period; each date in
``workdays`` is a make-up working day (``workday``) named "<period>调休上班". ``days`` is the notice's own
"共N天" and is checked against the range, which catches most transcription slips.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .engine import WorkCalendar

DATA_DIR = Path(__file__).resolve().parent / "data"
BUNDLED_YEARS = tuple(range(2020, 2027))
REGION_PREFIX_RE = re.compile(r"^\d{0,12}$")
HOLIDAY = "holiday"
WORKDAY = "workday"


@dataclass(frozen=True)
class HolidayEntry:
    date: date
    kind: str  # "holiday" | "workday"
    name: str


@dataclass(frozen=True)
class HolidayFile:
    year: int
    source: str
    region_prefix: str
    entries: tuple[HolidayEntry, ...]
    origin: str = ""

    def calendar(self) -> WorkCalendar:
        return calendar_from_entries(self.entries)


def check_region_prefix(value: str) -> str:
    """A GB/T 2260 region-code prefix: digits only, "" for national, e.g. "33" 浙江, "3301" 杭州."""
    if not isinstance(value, str) or not REGION_PREFIX_RE.match(value):
        raise ValueError(f"地区代码前缀只能是0至12位数字（全国为空）：{value!r}")
    return value


def _iso(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}：日期格式应为 YYYY-MM-DD，收到 {value!r}") from None


def parse_holiday_data(data: Mapping[str, Any], *, origin: str = "") -> HolidayFile:
    where = origin or "节假日数据"
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}：顶层必须是 JSON 对象")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"{where}：缺少整数 year 字段")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{where}：缺少 source 字段（应写明国务院办公厅通知名称和文号）")
    prefix = check_region_prefix(data.get("region_prefix", ""))
    periods = data.get("periods")
    if not isinstance(periods, list) or not periods:
        raise ValueError(f"{where}：periods 必须是非空列表")
    kinds: dict[date, tuple[str, str]] = {}

    def put(d: date, kind: str, name: str, ctx: str) -> None:
        if d in kinds and kinds[d] != (kind, name):
            raise ValueError(f"{ctx}：{d.isoformat()} 重复出现且内容冲突（{kinds[d]} / {(kind, name)}）")
        kinds[d] = (kind, name)

    for i, period in enumerate(periods, 1):
        ctx = f"{where} 第{i}段"
        name = period.get("name") if isinstance(period, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{ctx}：缺少 name")
        ctx = f"{ctx}（{name}）"
        first = _iso(period.get("start"), ctx)
        last = _iso(period.get("end"), ctx)
        if last < first:
            raise ValueError(f"{ctx}：结束日早于开始日")
        length = (last - first).days + 1
        declared = period.get("days", length)
        if declared != length:
            raise ValueError(f"{ctx}：通知写明共{declared}天，但 {first} 至 {last} 为{length}天")
        for n in range(length):
            put(first + timedelta(days=n), HOLIDAY, name, ctx)
        for raw in period.get("workdays", []):
            d = _iso(raw, ctx)
            if d.weekday() < 5:
                # Every make-up day in the notices is a Saturday or Sunday; a weekday here is a typo.
                raise ValueError(f"{ctx}：调休上班日 {d.isoformat()} 不是周六或周日")
            put(d, WORKDAY, f"{name}调休上班", ctx)
    entries = tuple(HolidayEntry(d, k, n) for d, (k, n) in sorted(kinds.items()))
    return HolidayFile(year=year, source=source.strip(), region_prefix=prefix, entries=entries, origin=origin)


def parse_holiday_file(path: str | Path) -> HolidayFile:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{p.name}：不是有效的 JSON（{exc}）") from None
    return parse_holiday_data(data, origin=p.name)


def bundled_holiday_paths(years: Iterable[int] = BUNDLED_YEARS) -> list[Path]:
    return [DATA_DIR / f"cn_holidays_{y}.json" for y in years]


def calendar_from_entries(entries: Iterable[HolidayEntry]) -> WorkCalendar:
    return WorkCalendar.from_days((e.date, e.kind, e.name) for e in entries)


def bundled_calendar(years: Iterable[int] = BUNDLED_YEARS) -> WorkCalendar:
    """The national calendar straight from the bundled files — for tests and for use without a database."""
    entries: list[HolidayEntry] = []
    for path in bundled_holiday_paths(years):
        entries.extend(parse_holiday_file(path).entries)
    return calendar_from_entries(entries)
