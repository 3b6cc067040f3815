"""How many web worker processes to run: the one figure a deployment has to choose, measured here.

With gunicorn's sync workers every worker handles one request at a time, and what it waits for decides how
many are worth running (``bench/intake.py``, 2 cores, 100,000 matters, registrations through the API):

- SQLite lets one transaction write at a time; a worker waiting for that lock gives its core to the writer,
  so more workers than cores only add contention: 2 workers 361–366/s, 3 workers 335–341/s, 4 workers
  288–329/s (2026-12-01).
- PostgreSQL: a worker also waits for the database's answers (10 statements per API registration), and a
  second worker per core uses that time: 2 workers 291–307/s, 3 workers 313–315/s, 4 workers 320–330/s
  (2026-12-01, 15 statements then). With 10 (2026-12-06) 2 and 4 workers are close: 321.9 against 332.1/s at
  100,000 matters, 336.0 against 297.1/s at 20,000; 2 workers halve the p95.
"""

from __future__ import annotations

import os


def recommended_workers(vendor: str, cores: int | None = None) -> int:
    """gunicorn sync workers for a database ``vendor`` (``connection.vendor``) on ``cores`` CPU cores."""
    cores = max(1, cores or os.cpu_count() or 1)
    return cores if vendor == "sqlite" else 2 * cores
