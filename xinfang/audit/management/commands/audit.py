"""The audit hash chain from the command line (xinfang/audit/chain.py).

xinfang audit seal [--all]                  # link the events not yet sealed (xinfang sweep does it each run)
xinfang audit verify [--anchor SEQ:HASH …]  # recompute everything; exit status 1 on any finding
xinfang audit head                          # the chain head, to print or send to the level above
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinfang.audit.chain import audit_seal, chain_head
from xinfang.audit.verify import KIND_LABELS, SHOWN_PER_KIND, UNSEALED_AFTER, audit_verify

_ANCHOR = re.compile(r"^(\d+):([0-9a-fA-F]{64})$")


def _anchor(value: str) -> tuple[int, str]:
    match = _ANCHOR.match(value.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"锚点应为 环序号:64位十六进制哈希（xinfang audit head 的输出）：{value}"
        )
    return int(match.group(1)), match.group(2).lower()


class Command(BaseCommand):
    help = "审计日志防篡改：封存（哈希链）、核验、打印链头"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        seal = actions.add_parser("seal", help="将尚未封存的审计事件链入哈希链")
        seal.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="在全部事件中查找未封存的（默认只查上次封存前后的时段）；核验报告未封存事件并查明后使用",
        )
        verify = actions.add_parser("verify", help="重新计算哈希链，查找修改、删除、插入的审计事件")
        verify.add_argument(
            "--anchor",
            action="append",
            type=_anchor,
            default=[],
            metavar="SEQ:HASH",
            help="库外保存的链头（xinfang audit head 的输出），可多次给出",
        )
        verify.add_argument(
            "--unsealed-after",
            type=int,
            default=int(UNSEALED_AFTER.total_seconds()),
            metavar="SECONDS",
            help="事件发生多少秒后仍未封存即报告（默认 3600）",
        )
        actions.add_parser("head", help="打印当前链头（环序号、哈希、时间），供打印留存或报送上级")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "seal":
            run = audit_seal(everything=options["everything"])
            head = f"，链头第 {run.head.seq} 环 {run.head.link_hash}" if run.head else ""
            self.stdout.write(f"封存审计事件 {run.sealed} 条{head}")
        elif action == "verify":
            self._verify(options["anchor"], dt.timedelta(seconds=options["unsealed_after"]))
        else:
            self._head()

    def _head(self) -> None:
        head = chain_head()
        if head is None:
            self.stdout.write("审计链为空：尚未封存任何事件（xinfang audit seal）")
            return
        at = timezone.localtime(head.sealed_at).strftime("%Y-%m-%d %H:%M:%S")
        self.stdout.write(f"审计链头：第 {head.seq} 环（事件 {head.event_id}），封存于 {at}")
        self.stdout.write(f"链头哈希：{head.link_hash}")
        self.stdout.write(f"核验：xinfang audit verify --anchor {head.seq}:{head.link_hash}")

    def _verify(self, anchors: list[tuple[int, str]], unsealed_after: dt.timedelta) -> None:
        report = audit_verify(anchors=anchors, unsealed_after=unsealed_after)
        for _, message in report.findings:
            self.stdout.write(message)
        for kind, count in report.counts.items():
            if count > SHOWN_PER_KIND:
                self.stdout.write(f"……另有 {count - SHOWN_PER_KIND} 处同类问题（{KIND_LABELS[kind]}）")
        head = f"，链头第 {report.head.seq} 环 {report.head.link_hash}" if report.head else ""
        if report.ok:
            self.stdout.write(f"审计日志核验通过：{report.links} 环{head}")
            return
        summary = "、".join(f"{KIND_LABELS[kind]} {count} 处" for kind, count in report.counts.items())
        self.stdout.write(f"已核验 {report.links} 环{head}")
        raise CommandError(f"审计日志核验未通过：{summary}", returncode=1)
