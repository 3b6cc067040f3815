"""Matter numbers under concurrent registration: unique and without gaps — a registration that rolls back
gives its number back, because the counter row update rolls back with it.

The PostgreSQL test is the real acceptance check (row locks, READ COMMITTED re-evaluation of the queued
``UPDATE … SET last = last + 1``). The SQLite variant checks that serialised writers (IMMEDIATE transactions,
busy_timeout) give the same result with fewer threads; it runs in a child process, see below.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connection, transaction

from xinfang.cases.models import Matter, MatterSequence
from xinfang.intake.models import Contact
from xinfang.intake.services import contact_register
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import build_world, contact_input, id_number


class _Rollback(Exception):
    """Raised after a successful registration to roll the whole transaction back on purpose."""


@dataclass
class _Outcome:
    committed: list[str] = field(default_factory=list)  # matter numbers that were committed
    rolled_back: list[str] = field(default_factory=list)  # numbers drawn inside a rolled-back transaction
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _petitioner(thread: int, i: int) -> PetitionerInput:
    # Distinct ID number and phone per registration, so petitioner_upsert always inserts.
    serial = thread * 100 + i
    return PetitionerInput(
        name=f"并发{thread}号{i}",
        id_number=id_number(serial % 1000, birth=f"19{70 + serial // 1000:02d}0101"),
        phone=f"139{thread:02d}00{i:04d}",
        address="深圳市南山区桂庙路1号",
    )


def _worker(*, thread: int, count: int, actor, barrier: threading.Barrier, out: _Outcome) -> None:
    try:
        barrier.wait(timeout=30)
        for i in range(count):
            data = contact_input(petitioners=[_petitioner(thread, i)], title=f"并发登记 t{thread} #{i}")
            roll_back = (thread + i) % 5 == 0  # about one in five
            try:
                with transaction.atomic():
                    contact = contact_register(data=data, actor=actor)
                    number = contact.matter.number
                    if roll_back:
                        raise _Rollback
            except _Rollback:
                with out.lock:
                    out.rolled_back.append(number)
            except Exception as exc:  # a real failure: record it, keep the other threads going
                with out.lock:
                    out.errors.append(exc)
            else:
                with out.lock:
                    out.committed.append(number)
    finally:
        connection.close()  # every thread has its own connection; the test DB cannot be flushed otherwise


def _run(threads: int, per_thread: int) -> tuple[_Outcome, str]:
    world = build_world()
    actor = world.users["registrar"]
    out = _Outcome()
    barrier = threading.Barrier(threads)
    pool = [
        threading.Thread(
            target=_worker,
            kwargs={"thread": t, "count": per_thread, "actor": actor, "barrier": barrier, "out": out},
        )
        for t in range(threads)
    ]
    for th in pool:
        th.start()
    for th in pool:
        th.join(timeout=300)
    assert not any(th.is_alive() for th in pool), "worker threads did not finish"
    return out, actor.unit.region.code


def _assert_numbers(out: _Outcome, scope: str, total: int) -> None:
    """Unique numbers, exactly the committed matters, and per year the sequence 1..N with the counter at N."""
    assert not out.errors, f"{len(out.errors)} registrations failed: {out.errors[:3]!r}"
    assert len(out.committed) + len(out.rolled_back) == total
    assert out.rolled_back, "the test must roll some registrations back"

    dupes = [n for n, c in Counter(out.committed).items() if c > 1]
    assert not dupes, f"duplicate matter numbers handed out: {dupes[:5]}"
    stored = list(Matter.objects.values_list("number", flat=True))
    assert sorted(stored) == sorted(out.committed), "committed numbers and stored matters differ"
    assert Contact.objects.count() == len(out.committed)

    n = len(out.committed)
    by_year: dict[int, list[int]] = {}
    for number in stored:
        prefix, year, seq = number.rsplit("-", 2)
        assert prefix == scope
        by_year.setdefault(int(year), []).append(int(seq))
    for year, seqs in by_year.items():
        expected = list(range(1, len(seqs) + 1))
        missing = sorted(set(expected) - set(seqs))[:10]
        assert sorted(seqs) == expected, f"{year}: gaps in the sequence, e.g. {missing}"
        assert MatterSequence.objects.get(scope=scope, year=year).last == len(seqs)
    assert sum(len(s) for s in by_year.values()) == n


@pytest.mark.postgres
def test_concurrent_numbering_postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (row locks under real concurrency)")
    threads, per_thread = 8, 25
    out, scope = _run(threads, per_thread)
    _assert_numbers(out, scope, threads * per_thread)
    # A rolled-back number went back to the pool: a later registration committed it, or it was the very last.
    n = len(out.committed)
    assert all(num in out.committed or num.endswith(f"-{n + 1:06d}") for num in out.rolled_back)


# The SQLite variant runs in a child process on a file database with the settings' real options (WAL,
# BEGIN IMMEDIATE, busy_timeout). pytest-django's SQLite test database cannot be used for this: it is an
# in-memory shared-cache database, whose table locks fail at once ("database table is locked") instead of
# waiting for busy_timeout, and flushing it after a transactional test fails on the audit table's
# append-only trigger (DELETE FROM audit_event).
_SQLITE_CHILD = """
import os, shutil, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
try:
    call_command("migrate", verbosity=0)
    from xinfang.cases.tests import test_numbering_concurrency as t
    threads, per_thread = int(sys.argv[1]), int(sys.argv[2])
    out, scope = t._run(threads, per_thread)
    t._assert_numbers(out, scope, threads * per_thread)
    print(f"ok: {len(out.committed)} committed, {len(out.rolled_back)} rolled back")
finally:
    from django.db import connections
    connections.close_all()
    shutil.rmtree(settings.DATABASES["default"]["NAME"].parent, ignore_errors=True)
"""


def test_concurrent_numbering_sqlite():
    threads, per_thread = 4, 15
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, "-c", _SQLITE_CHILD, str(threads), str(per_thread)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"SQLite child failed:\n{proc.stdout}\n{proc.stderr[-4000:]}"
    assert proc.stdout.strip().startswith("ok:"), proc.stdout
