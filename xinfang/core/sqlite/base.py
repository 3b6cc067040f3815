"""Django's SQLite backend with writers queued on an OS file lock, and the commit's disk flush and WAL
checkpoints done after the lock is given up.

**Writers queue on a file lock.** SQLite admits one writer at a time. With ``BEGIN IMMEDIATE`` a second
process that wants to write waits in SQLite's busy handler, which polls: it sleeps 1, 2, 5, 10, 15, 20, 25,
25, 25, 50, 50, 100 ms … between attempts, so under steady write load a waiting request often sleeps for
milliseconds after the lock is free (and under four concurrent writers, tens of milliseconds: the p95 of the
registration API). Here every ``BEGIN IMMEDIATE`` (or ``EXCLUSIVE``) transaction first takes an exclusive
``flock`` on ``<database>.lock`` and gives it up at commit, rollback or close: waiting writers sleep in the
kernel and the next one is woken the moment the previous one commits. The database lock itself is unchanged —
the busy handler still guards against writers that do not use this backend (an autocommit statement, the
``sqlite3`` shell, another program).

**Durable before it returns, flushed outside the lock.** Under ``synchronous=FULL`` SQLite flushes the WAL to
disk inside ``COMMIT`` (0.4–0.6 ms on the benchmark machine), and every thousandth WAL page the committing
connection also copies the WAL into the database file and flushes that (a checkpoint, ~4 ms) — all while every
other writer waits: with both, a registration held the write lock ~2.4 ms, a third of it for the disk. So for
the span of a queued transaction the connection runs ``synchronous=NORMAL`` with no automatic checkpoint, and
after ``COMMIT`` has returned and the file lock is given up, ``_commit`` flushes the WAL itself
(``fdatasync``) before it returns. ``atomic()`` returns, ``on_commit`` side effects run and the caller answers
only after that flush, so an acknowledged petition is on disk exactly as under FULL. The WAL is a log:
flushing it makes every transaction committed before ours durable too, and a transaction committed but not yet
flushed when the power fails is one nobody was told about (the API's Idempotency-Key makes the retry safe).
Writers that commit close together share one flush. Then, if the WAL has grown past ``CHECKPOINT_FRAMES``, a
PASSIVE checkpoint copies it into the database file, beside the next writer instead of in front of it. Outside
these transactions the connection keeps ``synchronous=FULL`` and SQLite's automatic checkpoint, so autocommit
writes and other programs see the stock behaviour.

Not used for in-memory databases (nothing to share) or without a transaction mode.
"""

from __future__ import annotations

import fcntl
import os
import sys
from typing import Any

from django.db.backends.sqlite3 import base

# SQLite's own automatic checkpoint runs once 1000 WAL frames (pages) are not yet copied back; the same here.
CHECKPOINT_FRAMES = 1000


def wal_frames_to_copy(shm_fd: int) -> int:
    """WAL frames not yet checkpointed, read from the wal-index (``<database>-shm``) as SQLite's own WAL
    format document lays it out (https://www.sqlite.org/walformat.html §2.2, native byte order): the header's
    ``mxFrame`` (last valid frame, byte 16) less the checkpoint info's ``nBackfill`` (frames copied, byte 96).
    Read without SQLite's locks, so possibly a moment stale: it only decides whether to checkpoint now."""
    head = os.pread(shm_fd, 100, 0)
    if len(head) < 100:
        return 0
    return max(0, int.from_bytes(head[16:20], sys.byteorder) - int.from_bytes(head[96:100], sys.byteorder))


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_fd: int | None = None
        self._writer_locked = False
        self._wal = False  # the connection is in WAL mode
        self._shm_fd: int | None = None  # the wal-index, read to decide when to checkpoint
        self._flush_wal = False  # this transaction commits under synchronous=NORMAL: flush the WAL after it

    def _writer_queue(self) -> bool:
        mode = getattr(self, "transaction_mode", None)  # set by the parent from OPTIONS
        return mode in ("IMMEDIATE", "EXCLUSIVE") and not self.is_in_memory_db()

    def _wal_path(self) -> str:
        return f"{self.settings_dict['NAME']}-wal"

    def get_new_connection(self, conn_params: Any) -> Any:
        conn = super().get_new_connection(conn_params)
        self._wal = self._writer_queue() and conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        return conn

    def _start_transaction_under_autocommit(self) -> None:
        if not self._writer_queue():
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
            return
        if self._writer_fd is None:
            self._writer_fd = os.open(f"{self.settings_dict['NAME']}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        # Before the lock: no commit-time flush or checkpoint inside it (the module's docstring). Only in WAL
        # mode, where a commit is one append to the log that _commit can flush afterwards.
        if self._wal:
            self.connection.execute("PRAGMA synchronous=NORMAL")
            self.connection.execute("PRAGMA wal_autocheckpoint=0")
            self._flush_wal = True
        fcntl.flock(self._writer_fd, fcntl.LOCK_EX)  # each connection opens its own fd: threads queue too
        self._writer_locked = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer()
            self._restore_stock()
            raise

    def _release_writer(self) -> None:
        if self._writer_locked and self._writer_fd is not None:
            self._writer_locked = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def _restore_stock(self) -> None:
        if self._flush_wal:
            self._flush_wal = False
            if self.connection is not None:
                self.connection.execute("PRAGMA synchronous=FULL")
                self.connection.execute("PRAGMA wal_autocheckpoint=1000")

    def _flush_and_checkpoint(self) -> None:
        """After COMMIT, outside the write lock: the WAL to disk, then a checkpoint if it has grown."""
        fd = os.open(self._wal_path(), os.O_RDONLY)
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)
        self._restore_stock()
        if self._shm_fd is None:
            self._shm_fd = os.open(f"{self.settings_dict['NAME']}-shm", os.O_RDONLY)
        if wal_frames_to_copy(self._shm_fd) >= CHECKPOINT_FRAMES:
            # PASSIVE: copies what no reader still needs, never waits for a lock; whatever it cannot copy now
            # the next commit's checkpoint takes. Concurrent writers keep appending meanwhile.
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        except BaseException:
            self._release_writer()  # Django rolls back next (Atomic.__exit__): _rollback restores the PRAGMAs
            raise
        self._release_writer()
        if self._flush_wal:
            self._flush_and_checkpoint()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()
            self._restore_stock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._flush_wal = False
            self._release_writer()
            for fd in (self._writer_fd, self._shm_fd):
                if fd is not None:
                    os.close(fd)
            self._writer_fd = self._shm_fd = None
