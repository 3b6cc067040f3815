"""``xinfang serve``: the production web server (gunicorn) with the worker count measured for the database in
use (``xinfang.core.serving``). Static files are served by the application itself (whitenoise), so a
reverse proxy is optional; run ``xinfang collectstatic`` after each upgrade."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from xinfang.core.serving import recommended_workers


class Command(BaseCommand):
    help = "生产环境 Web 服务（gunicorn）：按所用数据库选定工作进程数"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000")
        parser.add_argument(
            "--workers", type=int, help="工作进程数（默认：SQLite 为 CPU 核数，PostgreSQL 为其两倍）"
        )
        parser.add_argument("--timeout", type=int, default=60, help="单个请求的最长秒数")
        parser.add_argument("--dry-run", action="store_true", help="只打印将执行的命令")

    def handle(self, *args: Any, **opts: Any) -> None:
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
        self.stdout.write(f"{connection.vendor}，{workers} 个工作进程：{' '.join(cmd[1:])}")
        if opts["dry_run"]:
            return
        self.stdout.flush()
        os.execv(sys.executable, cmd)  # noqa: S606 -- our own interpreter and fixed arguments, no shell
