"""Recompute the petitioners' look-up hashes after a change of XINFANG_BLIND_INDEX_ALGORITHM or its key.

xinfang pii_reindex            # with the service stopped (docs/deployment.md, 国密算法)
xinfang pii_reindex --check    # writes nothing; exit status 1 while any record is not up to date
"""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xinfang.core.crypto import DecryptionError
from xinfang.intake.reindex import pii_reindex


class Command(BaseCommand):
    help = (
        "按当前 XINFANG_BLIND_INDEX_ALGORITHM 和密钥重新计算全部信访人的证件号码、电话检索哈希（需停机进行）"
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="每个事务处理的记录数")
        parser.add_argument("--check", action="store_true", help="只检查，不写入；有未更新的记录时退出码为 1")

    def handle(self, *args: Any, **opts: Any) -> None:
        algorithm = settings.XINFANG_BLIND_INDEX_ALGORITHM
        try:
            done = pii_reindex(batch=opts["batch"], check=opts["check"])
        except DecryptionError as exc:  # a key missing from the lists: nothing after that batch was written
            raise CommandError(f"{exc}；已完成的批次保持更新，补齐密钥后重新运行即可") from exc
        if opts["check"]:
            if done.changed:
                raise CommandError(
                    f"{done.changed} / {done.rows} 名信访人的检索哈希不是按 {algorithm} 计算的："
                    "请在停机状态下运行 xinfang pii_reindex"
                )
            self.stdout.write(f"{done.rows} 名信访人的检索哈希均已按 {algorithm} 计算")
            return
        self.stdout.write(
            f"已按 {algorithm} 重新计算 {done.rows} 名信访人的检索哈希，其中 {done.changed} 名有变化"
        )
