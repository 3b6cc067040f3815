"""How many web worker processes to run: the one figure a deployment has to choose, measured here.

With gunicorn's sync workers every worker handles one request at a time, and what it waits for decides how
many are worth running (``bench/intake.py``, 2 cores, 100,000 matters, registrations through the API):

- SQLite lets one transaction write at a time; a worker waiting for that lock gives its core to the writer,
  so more workers than cores only add contention: 2 workers 361–366/s, 3 workers 335–341/s, 4 workers
  288–329/s (2026-12-01).
- PostgreSQL: a worker also waits for the database's answers, and with 15 statements per API registration
  (2026-12-01) a second worker per core used that time: 2 workers 291–307/s, 3 workers 313–315/s, 4 workers
  320–330/s. With 9 (2026-12-06) there is little waiting left, and four workers on two cores contend instead:
  each registration costs them more CPU (4.5–5.0 against 3.3–4.3 ms), and the matter-number counter row of a
  jurisdiction stays locked longer while its holder waits for a core (2.8 against 2.1 ms mean from draw to
  commit). Alternating runs: 2 workers 264.5 / 351.6 / 302.4 / 303.2 per second, 4 workers 266.3 / 247.3 /
  262.5 / 276.3, and 2 workers halve the p95. So one worker per core here too.
"""

from __future__ import annotations

import os


def recommended_workers(vendor: str, cores: int | None = None) -> int:
    """gunicorn sync workers for a database ``vendor`` (``connection.vendor``) on ``cores`` CPU cores: one per
    core for both (the measurements above); ``vendor`` stays so that a database that waits more can differ."""
    cores = max(1, cores or os.cpu_count() or 1)
    return cores
