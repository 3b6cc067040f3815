"""Fewer round trips for a short write transaction on PostgreSQL.

``committed_in_pipeline()`` is entered right inside the outermost ``transaction.atomic()`` of a service and
runs the block in psycopg's pipeline mode (https://www.psycopg.org/psycopg3/docs/advanced/pipeline.html):
a statement whose result nobody reads is sent without waiting for its answer, one whose result is read
waits only for what was sent before it, and at the end of the block the COMMIT goes out with the
statements still unanswered, in one round trip. The server runs the statements in the order sent, each
with its own snapshot (READ COMMITTED), so a look-up queued after a lock statement sees what the lock's
previous holder committed, exactly as without the pipeline.

Why: each round trip is a send, a wake-up of the server process and a wait on both sides — more so when the
database is on another machine. A registration (``intake.services.contact_register``) was 8 of them on
PostgreSQL and is 3 (BEGIN with the advisory lock on the people and their look-up; the keys; one statement
writing the rows, the SMS and the events and drawing the matter number, with the COMMIT), and the
matter-number counter row — locked from its draw until the commit (``cases.numbering``) — is held over that
last round trip only.

The commit happens at the end of the block rather than in ``atomic()``'s exit, which then finds the
transaction committed and only runs the on-commit hooks. An error from a queued statement (say the unique
index of an idempotency record) surfaces at that commit as Django's ``IntegrityError``; the block raises it
and ``atomic()`` rolls back as for any failed statement. What such a block must not do: catch a database
error and carry on behind a savepoint — after an error the pipeline refuses every statement up to its next
Sync, ``ROLLBACK TO SAVEPOINT`` included (hence ``cases.numbering`` draws with one upsert).

Elsewhere — SQLite, a block nested in a caller's transaction, where committing is the caller's business, or
the stock write path (``core.writepath``) — it does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from psycopg.pq import TransactionStatus

from .writepath import fast_writes


@contextmanager
def committed_in_pipeline(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    connection = connections[using]
    outermost = (
        connection.in_atomic_block and len(connection.atomic_blocks) == 1 and connection.commit_on_exit
    )
    if connection.vendor != "postgresql" or not outermost or connection.needs_rollback or not fast_writes():
        yield
        return
    psycopg_connection = connection.connection
    # psycopg would send its own BEGIN and wait for it (it syncs a pipeline after BEGIN to learn the
    # transaction status): with autocommit on at its level it sends nothing of its own, and the BEGIN and
    # COMMIT below travel with the statements. Django's view (autocommit off, inside atomic()) is unchanged.
    psycopg_connection.autocommit = True
    try:
        with (
            connection.wrap_database_errors,
            psycopg_connection.pipeline(),
            psycopg_connection.cursor() as cursor,
        ):
            cursor.execute("BEGIN")
            yield
            if not connection.needs_rollback:  # a caught error inside: atomic() rolls back
                cursor.execute("COMMIT")
        # Leaving the pipeline sent the last statements and the COMMIT with one Sync and read every answer.
    finally:
        if psycopg_connection.info.transaction_status == TransactionStatus.IDLE:
            psycopg_connection.autocommit = False  # atomic() finds the work committed and runs its hooks
