"""``xinfang serve``: the production web server (gunicorn) with the worker count measured for the database in
use (``xinfang.core.serving``). Static files are served by the application itself (whitenoise), so a
reverse proxy is optional; run ``xinfang collectstatic`` after each upgrade.

It runs production settings only: ``xinfang serve`` loads ``config.settings.production`` unless
DJANGO_SETTINGS_MODULE is set (xinfang/cli.py), and refuses DEBUG, development or test keys and keys too weak
for production whatever module is set, and a database with unapplied migrations. ``--allow-dev-keys`` lets a
developer try it with the generated keys of var/dev-keys.json, with a warning."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from config.settings.devkeys import existing_dev_keys, uses_dev_keys
from config.settings.keys import key_problems
from xinfang.core.schema import (
    UNMIGRATED_EXIT_STATUS,
    UNMIGRATED_MESSAGE,
    unapplied_migrations,
    unmigrated_details,
)
from xinfang.core.serving import recommended_workers

DEV_KEYS_WARNING = """
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  警告：正在使用开发密钥（--allow-dev-keys）。密钥以明文保存在 var/dev-keys.json，            !!
!!  任何能读取该目录或其备份的人都能伪造登录会话、解密身份证号和电话。仅供开发机试用，            !!
!!  切勿用于真实信访数据。生产部署请按 docs/deployment.md 第 2 节设置密钥。                      !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


class Command(BaseCommand):
    help = "生产环境 Web 服务（gunicorn）：按所用数据库选定工作进程数"
    # The checks run in handle(), with the deployment checks, after the settings themselves are vetted.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000")
        parser.add_argument(
            "--workers", type=int, help="工作进程数（默认：CPU 核数，SQLite 与 PostgreSQL 相同）"
        )
        parser.add_argument("--timeout", type=int, default=60, help="单个请求的最长秒数")
        parser.add_argument("--dry-run", action="store_true", help="只打印将执行的命令")
        parser.add_argument(
            "--allow-dev-keys",
            action="store_true",
            help="允许使用 var/dev-keys.json 中的开发密钥（仅供开发机试用，会打印警告）",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        dev_keys = self.vet_settings(allow_dev_keys=opts["allow_dev_keys"])
        # Errors stop here; warnings (e.g. no HSTS while XINFANG_TLS is off) are printed on every start.
        self.check(include_deployment_checks=True)
        if not opts["dry_run"]:  # a dry run prints the command and touches no database
            self.refuse_unmigrated()
        workers = opts["workers"] or recommended_workers(connection.vendor)
        if workers < 1:
            raise CommandError("--workers 至少为 1")
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            opts["bind"],
            "--workers",
            str(workers),
            "--timeout",
            str(opts["timeout"]),
        ]
        # No access log: a look-up of a petitioner's history carries the ID number or phone in its query
        # string, and a log line would keep it in plain text (the audit trail is the events table).
        self.stdout.write(
            f"{settings.SETTINGS_MODULE}，{connection.vendor}，{workers} 个工作进程：{' '.join(cmd[1:])}"
        )
        if opts["dry_run"]:
            return
        # The workers import config.wsgi, whose default is the local settings: they must load the module
        # vetted here, and with the same permission for development keys.
        os.environ["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
        if dev_keys:
            os.environ["XINFANG_ALLOW_DEV_KEYS"] = "1"
        self.stdout.flush()
        connection.close()  # opened by the migration check; the workers open their own
        os.execv(sys.executable, cmd)  # noqa: S606 -- our own interpreter and fixed arguments, no shell

    def refuse_unmigrated(self) -> None:
        """Workers started on a database without its tables would answer every request with a 500: say what to
        run instead. Asked here, once, not by each worker (xinfang/cli.py leaves serve to this)."""
        try:
            pending = unapplied_migrations()
        except DatabaseError as exc:
            # Cannot tell (the database not up yet at boot): start as before; workers connect per request.
            self.stderr.write(f"无法检查数据库迁移状态：{exc}")
            return
        if pending:
            message = f"{UNMIGRATED_MESSAGE}\n{unmigrated_details(pending)}"
            raise CommandError(message, returncode=UNMIGRATED_EXIT_STATUS)

    def vet_settings(self, *, allow_dev_keys: bool) -> bool:
        """Refuse what must never face real petitioners; return whether development keys are in use."""
        if settings.DEBUG:
            raise CommandError(
                f"DEBUG 已开启（{settings.SETTINGS_MODULE}）：出错页面会显示设置和请求内容。xinfang serve "
                "只以生产设置运行：DJANGO_SETTINGS_MODULE=config.settings.production（或不设置）。"
            )
        secret_key: str = settings.SECRET_KEY
        pii_keys = list(settings.XINFANG_PII_KEYS)
        blind_index_key: str = settings.XINFANG_BLIND_INDEX_KEY
        dev = getattr(settings, "XINFANG_DEV_KEYS_IN_USE", False) or uses_dev_keys(
            existing_dev_keys(settings.VAR_DIR),
            secret_key=secret_key,
            pii_keys=pii_keys,
            blind_index_key=blind_index_key,
        )
        if dev and not allow_dev_keys:
            raise CommandError(
                "正在使用开发或测试密钥：请设置 XINFANG_SECRET_KEY、XINFANG_PII_KEYS、XINFANG_BLIND_INDEX_KEY"
                "（docs/deployment.md 第 2 节）。仅在开发机上试用时加 --allow-dev-keys。"
            )
        if dev:
            self.stderr.write(DEV_KEYS_WARNING)
            return True
        problems = key_problems(secret_key=secret_key, pii_keys=pii_keys, blind_index_key=blind_index_key)
        if problems:
            raise CommandError("密钥不符合要求：" + "；".join(problems))
        return False
