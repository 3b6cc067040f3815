"""manage.py deadline."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from xinfang.deadlines.models import CalendarDay

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("deadline", *args, stdout=out)
    return out.getvalue()


def test_working_days_from_the_command_line() -> None:
    out = run("--start", "2025-09-26", "--days", "5", "--working")
    assert out.splitlines()[0] == "届满日：2025-10-10"
    assert "起算日：2025-09-26" in out and "国庆节、中秋节" in out and "调休上班日计入" in out


def test_clock_and_region() -> None:
    out = run("--start", "2025-09-26", "--clock", "objection", "--region", "440305")
    assert "届满日：2025-10-10" in out and "第二十三条第三款" in out
    zj = run("--start", "2025-09-26", "--clock", "routing", "--region", "330106")
    assert "届满日：2025-10-10" in zj and "浙江省信访条例" in zj


def test_pause_and_json() -> None:
    out = run(
        "--start", "2025-09-26", "--days", "5", "--working", "--pause", "2025-09-29:2025-09-30", "--json"
    )
    data = json.loads(out)
    # Counted: 9-28 (make-up Sun), 10-09, 10-10, 10-11 (make-up Sat), 10-13.
    assert data["due"] == "2025-10-13"
    assert data["paused"] == [["2025-09-29", "2025-09-30"]]


def test_calendar_days_roll() -> None:
    out = run("--start", "2025-01-15", "--days", "15")
    assert "届满日：2025-02-05" in out and "顺延" in out
    assert "届满日：2025-01-30" in run("--start", "2025-01-15", "--days", "15", "--no-roll")


def test_errors() -> None:
    with pytest.raises(CommandError, match="不能为负数"):
        run("--start", "2025-09-26", "--days", "-1")
    with pytest.raises(CommandError, match="--days"):
        run("--start", "2025-09-26")
    with pytest.raises(CommandError, match="--start"):
        run("--days", "3")


def test_load_holidays(tmp_path: Path) -> None:
    path = tmp_path / "cn_holidays_2030.json"
    path.write_text(
        json.dumps(
            {
                "year": 2030,
                "source": "测试通知",
                "periods": [{"name": "元旦", "start": "2030-01-01", "end": "2030-01-01", "days": 1}],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    out = run("--load-holidays", str(path))
    assert "新增 1" in out
    assert CalendarDay.objects.get(date="2030-01-01", region_prefix="").name == "元旦"
    assert "届满日：2030-01-02" in run("--start", "2029-12-31", "--days", "1", "--working")
