"""DATABASE_URL: a SQLite URL gets the same tuned backend as the default file (WAL, IMMEDIATE transactions
queued on the file lock, FULL sync) — before, ``sqlite:///…`` fell back to Django's stock backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import transaction
from django.db.utils import ConnectionHandler

from config.settings.base import database_from_env


@pytest.fixture
def no_url(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL_FILE", raising=False)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("sqlite:////srv/xinfang/db.sqlite3", "/srv/xinfang/db.sqlite3"),  # absolute path
        ("sqlite:///var/x.sqlite3", "var/x.sqlite3"),  # relative to the working directory
    ],
)
def test_a_sqlite_url_gets_the_default_engine_and_options(monkeypatch, no_url, tmp_path: Path, url, name):
    default = database_from_env(tmp_path / "default.sqlite3")
    monkeypatch.setenv("DATABASE_URL", url)
    named = database_from_env(tmp_path / "default.sqlite3")
    assert named["NAME"] == name
    assert named["ENGINE"] == default["ENGINE"] == "xinfang.core.sqlite"
    assert named["OPTIONS"] == default["OPTIONS"]
    assert named | {"NAME": None} == default | {"NAME": None}


def test_options_in_the_url_are_kept_beside_the_tuned_ones(monkeypatch, no_url, tmp_path: Path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3?timeout=7")
    options = database_from_env(tmp_path / "default.sqlite3")["OPTIONS"]
    assert options["timeout"] == 7 and options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_a_connection_opened_from_a_sqlite_url_runs_wal_and_immediate(
    monkeypatch, no_url, tmp_path: Path, django_db_blocker
):
    """Not only the dictionary: the connection Django opens from it is the project's backend in WAL mode with
    synchronous=FULL (2), and a transaction on it queues on the writer lock file beside the database."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/url.sqlite3")
    handler = ConnectionHandler({"default": database_from_env(tmp_path / "unused.sqlite3")})
    conn = handler["default"]
    # atomic() looks its connection up by alias in django.db.connections (the test database): point it here.
    monkeypatch.setattr(transaction, "get_connection", lambda using=None: conn)
    try:
        with django_db_blocker.unblock():  # pytest-django guards every connection, this one too
            assert type(conn).__module__ == "xinfang.core.sqlite.base"
            with conn.cursor() as cursor:
                assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
                assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2
                cursor.execute("CREATE TABLE t (x INTEGER)")
            with transaction.atomic(), conn.cursor() as cursor:
                cursor.execute("INSERT INTO t VALUES (1)")
        assert (tmp_path / "url.sqlite3.lock").exists()
        assert not (tmp_path / "unused.sqlite3").exists()
    finally:
        handler.close_all()
