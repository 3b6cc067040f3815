"""Background delivery for web processes: one sender thread per process takes the notifications its requests
committed and sends them in batches, so a registration's response does not wait for the SMS gateway and many
messages share one bookkeeping transaction.

Only rows that ``notify`` inserted already claimed by this process (``sending``, lease running) are handed
over, and only after the caller's commit. If the process dies with messages still queued here, their rows stay
claimed until the lease ends and then the ``notify_send`` worker sends them — the same at-least-once guarantee
as a worker that crashes between claim and send. On a normal exit the queue is drained first (``atexit``).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

logger = logging.getLogger("xinfang.notify")

MAX_BATCH = 50
# After the first message of a batch arrives, wait this long for more: under load a batch then carries many
# messages (one transaction, one event INSERT for all of them) for a delay nobody notices on an SMS. Each
# batch's bookkeeping takes the database's write lock (SQLite) once, in turn with the registrations: at
# 0.05 s a worker registering ~60 petitions a second added one lock-and-commit per three of them.
LINGER_SECONDS = 0.25


class Courier:
    def __init__(
        self,
        send_batch: Callable[[list[Any]], object],
        *,
        max_batch: int = MAX_BATCH,
        linger: float = LINGER_SECONDS,
    ) -> None:
        self._send_batch, self.max_batch, self.linger = send_batch, max_batch, linger
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._atexit = False

    def submit(self, item: Any) -> None:
        self._ensure_running()
        self._queue.put(item)

    def _running(self) -> bool:
        return self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()

    def _ensure_running(self) -> None:
        if self._running():
            return
        with self._lock:
            if self._running():
                return
            if self._pid != os.getpid():  # a forked child: the parent's queue and thread are not ours
                self._queue = queue.Queue()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="xinfang-notify-courier", daemon=True)
            self._thread.start()
            if not self._atexit:
                atexit.register(self.stop)
                self._atexit = True

    def _run(self) -> None:
        while True:
            batch, stop = [self._queue.get()], False
            if batch[0] is None:
                self._queue.task_done()
                return
            until = time.monotonic() + self.linger
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, until - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            try:
                self._send_batch(batch)
            except Exception:
                # The rows stay claimed; after their lease the notify_send worker sends them.
                logger.exception("notify courier: a batch of %s failed; left to notify_send", len(batch))
                connection.close()  # this thread's connection may be broken; the next batch reconnects
            finally:
                for _ in range(len(batch) + stop):
                    self._queue.task_done()
            if stop:
                return

    def flush(self) -> None:
        """Wait until everything submitted so far has been handled (tests, shutdown)."""
        if self._running():
            self._queue.join()

    def stop(self, timeout: float = 10.0) -> None:
        """Drain the queue and end the thread (registered with ``atexit``)."""
        if self._running():
            assert self._thread is not None
            self._queue.put(None)
            self._thread.join(timeout)
