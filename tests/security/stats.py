"""Counters the security tests fill as they run; conftest.py prints them at the end of the run."""

from __future__ import annotations

from collections import Counter

#: Authorisation matrix: cells run per request shape (probe id).
CELLS: Counter[str] = Counter()
#: Schemathesis: requests sent per "<database> <auth> <METHOD path>", and the 5xx answers among them.
REQUESTS: Counter[str] = Counter()
SERVER_ERRORS: Counter[str] = Counter()
#: Schemathesis: answers per (label, status), to show how deep the generated requests got.
STATUSES: Counter[tuple[str, int]] = Counter()
