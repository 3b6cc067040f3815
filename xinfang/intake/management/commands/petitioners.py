"""信访人合并 from the command line.

xinfang petitioners --user admin                       # list records the blind indexes say are one person
xinfang petitioners --user admin --merge KEEP DUP --reason "同一人重复登记"
xinfang petitioners --user admin --merge-same-id --reason "…"   # every group with the same ID number
xinfang petitioners --user admin --unmerge DUP --reason "核实后不是同一人"   # undo a merge (拆分)
"""

from __future__ import annotations

import argparse
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from xinfang.core.errors import ServiceError
from xinfang.intake.merge import petitioner_duplicates, petitioner_merge, petitioner_unmerge


class Command(BaseCommand):
    help = "列出可能重复登记的信访人，或将重复记录合并到保留的记录（写入审计事件）"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--user", required=True, help="以该工作人员的身份和权限操作（登记员或管理员）")
        parser.add_argument("--merge", nargs=2, type=int, metavar=("KEEP", "DUP"), help="将 DUP 合并到 KEEP")
        parser.add_argument(
            "--merge-same-id",
            action="store_true",
            help="合并所有证件号码相同的记录（保留最早的记录）；电话+姓名相同的只列出，需逐一确认",
        )
        parser.add_argument("--unmerge", type=int, metavar="DUP", help="撤销 DUP 的合并（拆分）")
        parser.add_argument("--reason", default="", help="合并或撤销的理由（必填，记入审计事件）")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = get_user_model().objects.filter(username=opts["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"没有启用的工作人员账号：{opts['user']}")
        try:
            if opts["unmerge"]:
                restored = petitioner_unmerge(
                    duplicate_id=opts["unmerge"], actor=actor, reason=opts["reason"]
                )
                self.stdout.write(f"已撤销合并，恢复信访人 {restored.pk}（{restored.name}）")
                return
            if opts["merge"]:
                keep, dup = opts["merge"]
                kept = petitioner_merge(keep_id=keep, duplicate_id=dup, actor=actor, reason=opts["reason"])
                self.stdout.write(f"已将信访人 {dup} 合并到 {kept.pk}（{kept.name}）")
                return
            groups = petitioner_duplicates(actor)
            if opts["merge_same_id"]:
                merged = 0
                for group in groups:
                    keep_row, *rest = group.people
                    if not keep_row.id_number_hash:
                        continue  # phone + name only: a family may share a phone — for a person to decide
                    for dup_row in rest:
                        petitioner_merge(
                            keep_id=keep_row.pk, duplicate_id=dup_row.pk, actor=actor, reason=opts["reason"]
                        )
                        merged += 1
                self.stdout.write(f"已合并证件号码相同的重复记录 {merged} 条")
                return
        except ServiceError as exc:
            raise CommandError(f"{exc.message}（{exc.code}）") from exc
        if not groups:
            self.stdout.write("没有发现重复登记的信访人")
        for group in groups:
            rows = "；".join(
                f"{p.pk} {p.name} {p.id_number_masked or '—'} {p.phone_masked or '—'} "
                f"（{'、'.join(group.matters[p.pk][:3]) or '无'}）"
                for p in group.people
            )
            self.stdout.write(f"{group.why}：{rows}")
