"""The embedded SQLite database as configured for deployments (``database_from_env``): WAL, a commit on disk
before the petitioner is acknowledged (synchronous=FULL), writers queued on the file lock."""

from pathlib import Path

from django.db.utils import ConnectionHandler

from config.settings.base import database_from_env
from xinfang.core.sqlite.base import DatabaseWrapper


def test_deployment_sqlite_is_wal_full_sync_and_queues_writers(
    monkeypatch, tmp_path: Path, django_db_blocker
):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = database_from_env(tmp_path / "x.sqlite3")
    assert settings["ENGINE"] == "xinfang.core.sqlite"
    wrapper = ConnectionHandler({"default": settings})["default"]
    assert isinstance(wrapper, DatabaseWrapper)
    try:
        with django_db_blocker.unblock():
            wrapper.ensure_connection()
        cur = wrapper.connection.cursor()
        assert cur.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cur.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert cur.execute("PRAGMA busy_timeout").fetchone()[0] == 20000
        assert wrapper._writer_queue()
    finally:
        wrapper.close()
