"""Django's PostgreSQL backend with a health check that needs no round trip.

With ``CONN_HEALTH_CHECKS`` Django asks a kept connection ``SELECT 1`` before its first use in every request,
so that a connection the server dropped between requests (a restart, ``idle_session_timeout``,
``pg_terminate_backend``) is replaced instead of failing the request. That is one more round trip per
request — on the registration API one of what were its 15 statements, about 2 % of a worker's CPU and as
much of the server's. A server that ends a session tells the client first (a FATAL message, then it closes
the socket), so an idle connection with nothing to read is still open; only when something is waiting on
the socket — or the connection is not idle — is ``SELECT 1`` asked, exactly as Django does. A link that died
without a word from the server (a cable pulled) passes the poll and fails at the request's first statement,
as it would a moment after a successful ``SELECT 1`` as well.
"""

from __future__ import annotations

import select
import time
from collections.abc import Sequence
from typing import Any

from django.db.backends.postgresql import base
from psycopg import RawCursor
from psycopg.pq import TransactionStatus


class _RowcountInPipeline:
    """In pipeline mode (``core.transactions.committed_in_pipeline``) a statement's answer is read only
    when something needs it; psycopg's fetch methods wait for it, its ``rowcount`` does not. Django
    reads ``rowcount`` after an UPDATE or DELETE (``save(update_fields=…)`` fails on 0 rows), so here it
    waits too."""

    @property
    def rowcount(self) -> int:
        self._fetch_pipeline()  # type: ignore[attr-defined]  # a no-op outside a pipeline or once read
        return super().rowcount  # type: ignore[misc]


# Django's cursor classes (not in django-stubs).
_DjangoCursor: Any = base.Cursor  # type: ignore[attr-defined]
_DjangoServerBindingCursor: Any = base.ServerBindingCursor  # type: ignore[attr-defined]


class Cursor(_RowcountInPipeline, _DjangoCursor):
    pass


class ServerBindingCursor(_RowcountInPipeline, _DjangoServerBindingCursor):
    pass


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        # Django picked its cursor class (server-side binding or not); ours is the same with ``rowcount``.
        ours = {_DjangoCursor: Cursor, _DjangoServerBindingCursor: ServerBindingCursor}
        params["cursor_factory"] = ours.get(params.get("cursor_factory"), params.get("cursor_factory"))
        return params

    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        if conn.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if readable:  # the server said something to an idle connection: usually goodbye
            return super().is_usable()
        return True

    def execute_native(self, sql: str, params: Sequence[Any], *, keep: bool = False) -> RawCursor | None:
        """Run ``sql`` written with PostgreSQL's own ``$1, $2 …`` placeholders, as a prepared statement like
        every other. For the long multi-table INSERTs of ``core.rows``: psycopg converts ``%s`` statements
        through a cache that skips statements over 50 parameters or 4 KiB, and parsing those again on every
        call cost more than the round trips they save. Errors are Django's (``IntegrityError`` …) and the
        statement is logged where Django logs queries (``CaptureQueriesContext``, ``DEBUG``). ``keep``: the
        cursor is returned open, for the caller to read the answer later (in a pipeline: after it ends) and
        close."""
        self.validate_no_broken_transaction()
        self.ensure_connection()
        started = time.monotonic()
        cursor = RawCursor(self.connection)
        try:
            with self.wrap_database_errors:
                cursor.execute(sql, params)
        except BaseException:
            cursor.close()
            raise
        if self.queries_logged:
            self.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
        if keep:
            return cursor
        cursor.close()
        return None
