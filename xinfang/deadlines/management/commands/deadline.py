"""Compute a due date from the command line, or load a holiday file.

manage.py deadline --start 2025-09-26 --days 5 --working [--region 440305] [--pause 2025-10-01:2025-10-03]
manage.py deadline --start 2025-09-26 --clock objection --region 440305
manage.py deadline --load-holidays FILE.json [--region-prefix 33] [--prune]
manage.py deadline --recompute      # running periods past the entered notices, against today's calendar
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.deadlines import engine
from xinfang.deadlines.models import ClockKind
from xinfang.deadlines.selectors import calendar_for
from xinfang.deadlines.services import (
    DeadlineInputError,
    clocks_recompute_past_calendar,
    compute_clock_due,
    load_holiday_file,
)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{value}") from None


def _span(value: str) -> tuple[date, date]:
    first, sep, last = value.partition(":")
    return (_date(first), _date(last)) if sep else (_date(first), _date(first))


class Command(BaseCommand):
    help = "计算信访期限届满日并给出说明，或导入节假日 JSON 文件"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--start", type=_date, help="起算日（当日不计入），YYYY-MM-DD")
        parser.add_argument("--days", type=int, help="期间天数（与 --clock 同用时覆盖规则天数）")
        parser.add_argument("--working", action="store_true", help="按工作日计算（默认自然日）")
        parser.add_argument("--no-roll", action="store_true", help="届满日遇节假日不顺延")
        parser.add_argument("--clock", choices=ClockKind.values, help="按期限规则计算，如 objection")
        parser.add_argument("--region", default="", help="行政区划代码，如 440305；默认全国")
        parser.add_argument(
            "--pause",
            type=_span,
            action="append",
            default=[],
            metavar="FROM:TO",
            help="暂停计算的区间（含首尾，如听证），可重复",
        )
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument("--load-holidays", metavar="FILE", help="导入节假日 JSON 文件")
        parser.add_argument("--region-prefix", default=None, help="导入时覆盖文件中的地区代码前缀")
        parser.add_argument("--prune", action="store_true", help="导入时删除文件日期范围内文件未列出的日期")
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="重新计算届满日超出已录入节假日安排的正在计时的期限（升级后执行一次）",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["load_holidays"]:
            self._load(opts)
            return
        if opts["recompute"]:
            moved = clocks_recompute_past_calendar()
            self.stdout.write(f"已按当前节假日安排重新计算；届满日变化的期限 {moved} 个")
            return
        if opts["start"] is None:
            raise CommandError("需要 --start（或 --load-holidays）")
        try:
            if opts["clock"]:
                result = compute_clock_due(
                    region_code=opts["region"],
                    clock=opts["clock"],
                    start=opts["start"],
                    pauses=opts["pause"],
                    days=opts["days"],
                )
            elif opts["days"] is None:
                raise CommandError("需要 --days 或 --clock")
            else:
                rule = engine.PeriodRule(
                    days=opts["days"],
                    working=opts["working"],
                    roll_forward=not opts["no_roll"],
                    label="指定期间",
                )
                result = engine.compute_due(opts["start"], rule, calendar_for(opts["region"]), opts["pause"])
        except (DeadlineInputError, TypeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if opts["json"]:
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"届满日：{result.due.isoformat()}")
        self.stdout.write(result.explain())

    def _load(self, opts: dict[str, Any]) -> None:
        try:
            counts = load_holiday_file(
                opts["load_holidays"], region_prefix=opts["region_prefix"], prune=opts["prune"]
            )
        except DeadlineInputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            "已导入 {0}：新增 {created}，更新 {updated}，未变 {unchanged}，删除 {deleted}；"
            "按新的节假日安排重新计算后届满日变化的期限 {clocks_moved} 个".format(
                opts["load_holidays"], **counts
            )
        )
