"""``xinfang serve`` picks the worker count measured for the database in use (see xinfang/core/serving.py)."""

from io import StringIO

from django.core.management import call_command
from django.db import connection

from xinfang.core.serving import recommended_workers


def test_one_worker_per_core_for_sqlite_and_postgresql():
    assert recommended_workers("sqlite", cores=2) == 2
    assert recommended_workers("postgresql", cores=2) == 2
    assert recommended_workers("sqlite", cores=0) >= 1


def test_serve_dry_run_prints_the_gunicorn_command(db, monkeypatch):
    # serve runs the deployment checks, one of which refuses what the browser tests' conftest sets.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    # The test settings' keys are published in the repository: serve takes them only when told.
    out = StringIO()
    call_command(
        "serve", "--dry-run", "--allow-dev-keys", "--bind", "127.0.0.1:9", stdout=out, stderr=StringIO()
    )
    text = out.getvalue()
    workers = recommended_workers(connection.vendor)
    assert f"--workers {workers}" in text and "config.wsgi:application" in text and "127.0.0.1:9" in text
    # History look-ups carry ID numbers in the query string: no access log writes them out in plain text.
    assert "access-log" not in text
    out = StringIO()
    call_command("serve", "--dry-run", "--allow-dev-keys", "--workers", "3", stdout=out, stderr=StringIO())
    assert "--workers 3" in out.getvalue()
