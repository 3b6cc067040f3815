"""Django's PostgreSQL backend with a health check that needs no round trip.

With ``CONN_HEALTH_CHECKS`` Django asks a kept connection ``SELECT 1`` before its first use in every request,
so that a connection the server dropped between requests (a restart, ``idle_session_timeout``,
``pg_terminate_backend``) is replaced instead of failing the request. That is one more round trip per
request — on the registration API one of its 15 statements, about 2 % of a worker's CPU and as much of the
server's. A server that ends a session tells the client first (a FATAL message, then it closes the socket), so
an idle connection with nothing to read is still open; only when something is waiting on the socket — or the
connection is not idle — is ``SELECT 1`` asked, exactly as Django does. A link that died without a word from
the server (a cable pulled) passes the poll and fails at the request's first statement, as it would a moment
after a successful ``SELECT 1`` as well.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
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
