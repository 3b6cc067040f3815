"""Personal-data retention from the command line (xinfang/privacy/retention.py).

xinfang privacy purge [--dry-run] [--limit N]   # anonymise / delete what has outlived its retention period
xinfang privacy rules                          # the periods in force
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.privacy.retention import DEFAULT_LIMIT, PurgeReport, retention_preview, retention_purge, rules


class Command(BaseCommand):
    help = "个人信息保存期限：按规则匿名化或删除期满的个人信息"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        purge = actions.add_parser("purge", help="处理保存期限已满的个人信息（一次运行记一条审计事件）")
        purge.add_argument("--dry-run", action="store_true", help="只统计将处理的数量，不作任何修改")
        purge.add_argument(
            "--limit",
            type=int,
            default=DEFAULT_LIMIT,
            help=f"本次最多匿名化的信访人数（默认 {DEFAULT_LIMIT}），其余留待下次运行",
        )
        actions.add_parser("rules", help="列出现行保存期限")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "rules":
            for rule in rules().values():
                self.stdout.write(str(rule))
            return
        if options["limit"] < 1:
            raise CommandError("--limit 至少为 1")
        if options["dry_run"]:
            self._print(retention_preview(limit=options["limit"]))
        else:
            self._print(retention_purge(limit=options["limit"]))

    def _print(self, report: PurgeReport) -> None:
        head = "试运行（未作修改）" if report.dry_run else "已处理"
        for label, cutoff in report.cutoffs.items():
            self.stdout.write(f"{label}：{cutoff} 之前期满")
        self.stdout.write(
            f"{head}：匿名化信访人 {report.petitioners} 人（另合并档案 {report.merged_records} 条），"
            f"信访件所留信息 {report.parties} 条，清除通知接收人 {report.notifications} 条，"
            f"删除查询码 {report.portal_codes} 个"
        )
        if report.remaining:
            self.stdout.write(f"另有 {report.remaining} 人期满，超出本次上限，下次运行处理")
        if report.without_rule:
            self.stdout.write(f"未设置保存期限（不处理）：{'、'.join(report.without_rule)}")
