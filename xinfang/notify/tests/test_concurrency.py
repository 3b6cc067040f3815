"""Several workers race for the same rows on real connections: every row is sent exactly once.

As in ``cases/tests/test_numbering_concurrency.py``: the PostgreSQL run uses the test database directly; the
SQLite run goes to a child process on a file database with the settings' real options, because pytest-django's
in-memory shared-cache SQLite fails table locks at once and cannot be flushed past the audit trigger.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from xinfang.notify.models import Notification, State
from xinfang.notify.services import deliver, notify

from .helpers import CONTEXT, outbox_lines


def _race(outbox: Path, workers: int = 4, rows: int = 5) -> None:
    settings.XINFANG_NOTIFY_SEND_ON_COMMIT = False  # leave every row to the racing workers
    ids = [
        notify(channel="sms", to=f"1380000{i:04d}", template="matter_registered", context=CONTEXT).pk
        for i in range(rows)
    ]
    barrier = threading.Barrier(workers)
    results: list[str | None] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            for pk in ids:
                outcome = deliver(pk)
                with lock:
                    results.append(outcome)
        except BaseException as exc:  # surfaced below; a silent thread failure would pass the test
            with lock:
                errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert results.count(State.SENT) == rows
    assert results.count(None) == rows * (workers - 1)
    assert sorted(line["id"] for line in outbox_lines(outbox)) == ids
    assert set(Notification.objects.values_list("state", "attempts")) == {(State.SENT, 1)}


@pytest.mark.postgres
def test_concurrent_workers_postgres(transactional_db, settings, outbox_dir):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")
    _race(outbox_dir)


_SQLITE_CHILD = """
import os, shutil, sys, tempfile
from pathlib import Path
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
var = Path(tempfile.mkdtemp(prefix="xinfang-notify-"))
try:
    call_command("migrate", verbosity=0)
    settings.VAR_DIR = var
    from xinfang.notify.tests import test_concurrency as t
    t._race(var / "outbox")
    print("ok")
finally:
    from django.db import connections
    connections.close_all()
    shutil.rmtree(settings.DATABASES["default"]["NAME"].parent, ignore_errors=True)
    shutil.rmtree(var, ignore_errors=True)
"""


def test_concurrent_workers_sqlite():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, "-c", _SQLITE_CHILD],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"SQLite child failed:\n{proc.stdout}\n{proc.stderr[-4000:]}"
    assert proc.stdout.strip().endswith("ok"), proc.stdout
