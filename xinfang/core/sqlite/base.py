"""Django's SQLite backend with writers queued on an OS file lock.

SQLite admits one writer at a time. With ``BEGIN IMMEDIATE`` a second process that wants to write waits in
SQLite's busy handler, which polls: it sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms … between
attempts, so under steady write load a waiting request often sleeps for milliseconds after the lock is free
(and under four concurrent writers, tens of milliseconds: the p95 of the registration API). Here every
``BEGIN IMMEDIATE`` (or ``EXCLUSIVE``) transaction first takes an exclusive ``flock`` on ``<database>.lock``
and gives it up at commit, rollback or close: waiting writers sleep in the kernel and the next one is woken
the moment the previous one commits. The database lock itself is unchanged — the busy handler still guards
against writers that do not use this backend (an autocommit statement, the ``sqlite3`` shell, another
program).

Not used for in-memory databases (nothing to share) or without a transaction mode.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_fd: int | None = None
        self._writer_locked = False

    def _writer_queue(self) -> bool:
        mode = getattr(self, "transaction_mode", None)  # set by the parent from OPTIONS
        return mode in ("IMMEDIATE", "EXCLUSIVE") and not self.is_in_memory_db()

    def _start_transaction_under_autocommit(self) -> None:
        if not self._writer_queue():
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
            return
        if self._writer_fd is None:
            self._writer_fd = os.open(f"{self.settings_dict['NAME']}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._writer_fd, fcntl.LOCK_EX)  # each connection opens its own fd: threads queue too
        self._writer_locked = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._writer_locked and self._writer_fd is not None:
            self._writer_locked = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_writer()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None
