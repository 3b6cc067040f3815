"""The bundled holiday files are consistent and match the notices (spot checks from the notice text)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from xinfang.deadlines.holidays import (
    BUNDLED_YEARS,
    bundled_holiday_paths,
    parse_holiday_data,
    parse_holiday_file,
)

D = date


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


@pytest.mark.parametrize("path", bundled_holiday_paths(), ids=lambda p: p.name)
def test_every_file_parses_and_names_its_notice(path: Path) -> None:
    parsed = parse_holiday_file(path)
    assert parsed.year == int(path.stem.rsplit("_", 1)[1])
    assert "国务院办公厅" in parsed.source and "国办发明电" in parsed.source
    assert parsed.region_prefix == ""
    for e in parsed.entries:
        if e.kind == "workday":
            assert e.date.weekday() >= 5 and e.name.endswith("调休上班")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert all(p["notice"] for p in raw["periods"])


def test_bundled_years() -> None:
    assert tuple(range(2020, 2027)) == BUNDLED_YEARS


def _holidays(year: int) -> dict[date, str]:
    return {
        e.date: e.name
        for e in parse_holiday_file(bundled_holiday_paths([year])[0]).entries
        if e.kind == "holiday"
    }


def _workdays(year: int) -> set[date]:
    return {
        e.date for e in parse_holiday_file(bundled_holiday_paths([year])[0]).entries if e.kind == "workday"
    }


def test_2025_notice() -> None:
    h = _holidays(2025)
    expected = (
        {D(2025, 1, 1)}
        | _days(D(2025, 1, 28), D(2025, 2, 4))
        | _days(D(2025, 4, 4), D(2025, 4, 6))
        | _days(D(2025, 5, 1), D(2025, 5, 5))
        | _days(D(2025, 5, 31), D(2025, 6, 2))
        | _days(D(2025, 10, 1), D(2025, 10, 8))
    )
    assert set(h) == expected
    assert _workdays(2025) == {D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)}
    assert h[D(2025, 1, 28)] == "春节" and h[D(2025, 10, 6)] == "国庆节、中秋节"


def test_2026_notice() -> None:
    h = _holidays(2026)
    expected = (
        _days(D(2026, 1, 1), D(2026, 1, 3))
        | _days(D(2026, 2, 15), D(2026, 2, 23))
        | _days(D(2026, 4, 4), D(2026, 4, 6))
        | _days(D(2026, 5, 1), D(2026, 5, 5))
        | _days(D(2026, 6, 19), D(2026, 6, 21))
        | _days(D(2026, 9, 25), D(2026, 9, 27))
        | _days(D(2026, 10, 1), D(2026, 10, 7))
    )
    assert set(h) == expected
    assert _workdays(2026) == {
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    }


def test_2020_spring_festival_extension() -> None:
    # 延长2020年春节假期至2月2日: 1-31 off, and the 2-01 (Sat) make-up day of the original notice is gone.
    h, w = _holidays(2020), _workdays(2020)
    assert D(2020, 1, 31) in h and D(2020, 2, 2) in h
    assert D(2020, 2, 1) not in w and D(2020, 1, 19) in w


def test_2023_new_year_starts_in_2022() -> None:
    assert {D(2022, 12, 31), D(2023, 1, 1), D(2023, 1, 2)} <= set(_holidays(2023))


def test_2024_eve_is_not_a_holiday() -> None:
    # The 2024 notice only "encourages" a day off on 除夕 (2-09); it is not an official day off.
    assert D(2024, 2, 9) not in _holidays(2024)


def test_parser_rejects_mistakes() -> None:
    base = {"year": 2030, "source": "测试通知", "periods": []}
    with pytest.raises(ValueError, match="periods"):
        parse_holiday_data(base)
    with pytest.raises(ValueError, match="共4天"):
        parse_holiday_data(
            {**base, "periods": [{"name": "春节", "start": "2030-02-01", "end": "2030-02-03", "days": 4}]}
        )
    with pytest.raises(ValueError, match="不是周六或周日"):
        parse_holiday_data(
            {
                **base,
                "periods": [
                    {"name": "春节", "start": "2030-02-01", "end": "2030-02-01", "workdays": ["2030-02-04"]}
                ],
            }
        )
    with pytest.raises(ValueError, match="source"):
        parse_holiday_data(
            {"year": 2030, "periods": [{"name": "x", "start": "2030-01-01", "end": "2030-01-01"}]}
        )
    with pytest.raises(ValueError, match="地区代码"):
        parse_holiday_data(
            {
                **base,
                "region_prefix": "ZJ",
                "periods": [{"name": "x", "start": "2030-01-01", "end": "2030-01-01"}],
            }
        )
    with pytest.raises(ValueError, match="冲突"):
        parse_holiday_data(
            {
                **base,
                "periods": [
                    {"name": "甲", "start": "2030-01-05", "end": "2030-01-05"},
                    {"name": "乙", "start": "2030-01-01", "end": "2030-01-01", "workdays": ["2030-01-05"]},
                ],
            }
        )
