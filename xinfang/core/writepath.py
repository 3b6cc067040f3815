"""Which write path the registration takes: the fast one (default) or Django's stock ORM.

The fast path (``core.rows``, ``core.transactions.committed_in_pipeline``, the number drawn by the writing
statement in ``cases.numbering``) is what makes ≥ 300 registrations a second on two cores (bench/README.md);
it leans on Django's INSERT compiler and psycopg's pipeline mode in ways their documentation does not
promise, held by the contract tests in ``core/tests/test_internals_contract.py``. ``XINFANG_WRITE_PATH=stock``
takes the plain ORM instead — ``save()`` per row, one statement at a time, no pipeline, no keys drawn ahead —
for a deployment that would rather be slow than depend on those internals, or while an upgrade of Django or
psycopg is being checked. Both paths write the same rows and events; the registration tests run on both
(``.ci/run``).
"""

from __future__ import annotations

from django.conf import settings

WRITE_PATHS = ("fast", "stock")


class InternalsChanged(RuntimeError):
    """A Django or psycopg internal that the fast write path relies on no longer behaves as it did: the
    upgrade needs checking (``XINFANG_WRITE_PATH=stock`` runs without them meanwhile)."""


def fast_writes() -> bool:
    return getattr(settings, "XINFANG_WRITE_PATH", "fast") != "stock"
