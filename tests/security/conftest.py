"""Prints what the security tests exercised at the end of the run (pytest -q shows no test output)."""

from __future__ import annotations

from typing import Any

from .stats import CELLS, REQUESTS, SERVER_ERRORS, STATUSES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if CELLS:
        terminalreporter.write_line(
            f"authorisation matrix: {sum(CELLS.values())} cells over {len(CELLS)} request shapes"
        )
    if REQUESTS:
        errors = sum(SERVER_ERRORS.values())
        terminalreporter.write_line(f"schemathesis: {sum(REQUESTS.values())} requests, {errors} answered 5xx")
        for op, n in sorted(REQUESTS.items()):
            answers = " ".join(f"{status}×{k}" for (o, status), k in sorted(STATUSES.items()) if o == op)
            terminalreporter.write_line(f"  {n:6d}  {op}  [{answers}]")
