"""The embedded SQLite database as configured for deployments (``database_from_env``): WAL, a commit on disk
before the petitioner is acknowledged (synchronous=FULL, or for queued writers a flush of the WAL after the
write lock is given up), writers queued on the file lock, checkpoints outside the lock."""

import fcntl
import os
import sqlite3
from pathlib import Path

import pytest
from django.db import transaction
from django.db.utils import ConnectionHandler

from config.settings.base import database_from_env
from xinfang.core.sqlite import base as sqlite_backend
from xinfang.core.sqlite.base import DatabaseWrapper, wal_frames_to_copy


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


@pytest.fixture
def deployed(monkeypatch, tmp_path: Path, django_db_blocker):
    """A connection to a file database configured as deployments have it, which ``transaction.atomic`` and
    ``on_commit`` use; one table ``t``."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    wrapper = ConnectionHandler({"default": database_from_env(tmp_path / "x.sqlite3")})["default"]
    monkeypatch.setattr(transaction, "get_connection", lambda using=None: wrapper)
    with django_db_blocker.unblock():
        wrapper.ensure_connection()
        wrapper.connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        yield wrapper
        wrapper.close()


def _pragmas(wrapper) -> tuple[int, int]:
    pragma = wrapper.connection.execute
    return pragma("PRAGMA synchronous").fetchone()[0], pragma("PRAGMA wal_autocheckpoint").fetchone()[0]


def test_a_queued_transaction_commits_without_flush_inside_and_restores_full_sync(deployed):
    assert _pragmas(deployed) == (2, 1000)  # FULL, SQLite's automatic checkpoint
    with transaction.atomic():
        deployed.connection.execute("INSERT INTO t (v) VALUES ('a')")
        assert _pragmas(deployed) == (1, 0)  # NORMAL: COMMIT only appends; no checkpoint under the lock
    assert _pragmas(deployed) == (2, 1000)
    with pytest.raises(RuntimeError), transaction.atomic():
        deployed.connection.execute("INSERT INTO t (v) VALUES ('b')")
        raise RuntimeError
    assert _pragmas(deployed) == (2, 1000)
    assert deployed.connection.execute("SELECT v FROM t").fetchall() == [("a",)]


def test_the_wal_is_flushed_after_commit_and_unlock_and_before_on_commit_effects(deployed, monkeypatch):
    name = deployed.settings_dict["NAME"]
    seen: list[tuple] = []
    real_fdatasync = os.fdatasync

    def fdatasync(fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        with sqlite3.connect(name) as other:  # another reader sees the row: COMMIT has returned
            committed = other.execute("SELECT count(*) FROM t").fetchone()[0] == 1
        probe = os.open(f"{name}.lock", os.O_RDWR)
        try:  # another writer could take the lock now: the flush is outside it
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            unlocked = True
        except BlockingIOError:
            unlocked = False
        finally:
            os.close(probe)
        seen.append(("fdatasync", path, committed, unlocked))
        real_fdatasync(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    with transaction.atomic():
        deployed.connection.execute("INSERT INTO t (v) VALUES ('a')")
        transaction.on_commit(lambda: seen.append(("on_commit",)))
    assert seen == [("fdatasync", f"{name}-wal", True, True), ("on_commit",)]


def test_the_wal_is_checkpointed_after_commit_once_it_has_grown(deployed, monkeypatch):
    shm = os.open(f"{deployed.settings_dict['NAME']}-shm", os.O_RDONLY)
    try:
        monkeypatch.setattr(sqlite_backend, "CHECKPOINT_FRAMES", 10**9)
        for i in range(20):
            with transaction.atomic():
                deployed.connection.execute("INSERT INTO t (v) VALUES (?)", ("x" * 3000 + str(i),))
        waiting = wal_frames_to_copy(shm)
        assert waiting >= 20  # nothing copied yet: the count read from the wal-index is SQLite's own
        busy, log, copied = deployed.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert (busy, log, copied) == (0, waiting, waiting)
        assert wal_frames_to_copy(shm) == 0

        for i in range(5):
            with transaction.atomic():
                deployed.connection.execute("INSERT INTO t (v) VALUES (?)", ("y" * 3000 + str(i),))
        waiting = wal_frames_to_copy(shm)
        assert waiting >= 5
        monkeypatch.setattr(sqlite_backend, "CHECKPOINT_FRAMES", waiting + 1)
        with transaction.atomic():  # grows past the threshold: checkpointed after its commit
            deployed.connection.execute("INSERT INTO t (v) VALUES ('last')")
        assert wal_frames_to_copy(shm) == 0
    finally:
        os.close(shm)
