"""Durability under kill -9 (issue 20): the real server (`xinfang serve`, production settings, throw-away
keys) is killed — the whole process group, master and workers, SIGKILL — at random moments while clients
post registrations with an ``Idempotency-Key``, then started again, N times; every request not answered is
sent again with the same key and the same body. At the end every acknowledged registration must be stored
(by matter number), each key exactly once, the matter numbers unique and gap-free per jurisdiction and year
(cases/numbering.py: a registration that does not commit gives its number back), and the database sound.

```sh
.venv/bin/python bench/durability.py                        # both databases, 20 rounds each
.venv/bin/python bench/durability.py --db sqlite --rounds 5
```

Loopback only (server and clients on 127.0.0.1). PostgreSQL: the database ``helper_dura`` is created through
``--pg-url`` (an admin URL, default ``postgres://postgres@127.0.0.1:5432/postgres``) and dropped at the end.
Every loop is bounded by a count and a time limit. Exit status 1 when a check fails. See bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

# bench/ is this script's directory, hence on sys.path: intake.py's registration generator, its one-request
# HTTP client and its environment for a production-settings child process are reused as they are.
from intake import API_PATH, ROOT, Gen, _exchange, child_env, pg_admin, python_loop_seconds

DURA_DB = "helper_dura"
LEASE_SECONDS = 20  # how long a claimed SMS stays with its (killed) worker; production: 600
DROP_SQL = f"DROP DATABASE IF EXISTS {DURA_DB} WITH (FORCE)"
HOST = "127.0.0.1"


@dataclass
class Job:
    """One registration: its key and body never change, however often it is sent."""

    key: str
    ref: str
    body: bytes
    attempts: int = 0
    answer: dict | None = None  # the first 2xx answer
    statuses: list[int] = field(default_factory=list)
    busy: bool = False


@dataclass
class Ledger:
    jobs: list[Job] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0
    retries: int = 0
    created: int = 0
    answers: Counter = field(default_factory=Counter)  # status (0: no answer, -1: cut off) → count
    errors: Counter = field(default_factory=Counter)
    kills: list[int] = field(default_factory=list)  # requests in flight at each kill
    starts: list[float] = field(default_factory=list)  # seconds from start to first answer

    def take(self, gen: Gen, new_allowed: bool) -> Job | None:
        """The oldest unanswered job nobody is sending (a retry), else a new one if allowed."""
        with self.lock:
            for job in self.jobs:
                if job.answer is None and not job.busy:
                    job.busy = True
                    return job
            if not new_allowed:
                return None
            self.created += 1
            ref = f"dura-{self.created:06d}"
            body = json.dumps(gen.contact(ref), default=lambda d: d.isoformat(), ensure_ascii=False)
            job = Job(key=secrets.token_hex(16), ref=ref, body=body.encode(), busy=True)
            self.jobs.append(job)
            return job

    def in_flight(self) -> int:
        with self.lock:
            return sum(job.busy for job in self.jobs)


class Server:
    """`xinfang serve` in a process group of its own (gunicorn's master replaces the command by exec; the
    workers are its children), so that one killpg reaches every process of it."""

    def __init__(self, workers: int, log: Path) -> None:
        self.workers, self.log, self.proc = workers, log, None
        self.port = _free_port()

    def start(self, timeout: float, tries: int = 3) -> float:
        """Start and wait for the first answer; a start that fails is tried again (``tries`` in all)."""
        for attempt in range(1, tries + 1):
            try:
                return self._start(timeout)
            except RuntimeError as exc:
                if attempt == tries:
                    raise
                print(f"server start {attempt} failed, trying again: {exc}", file=sys.stderr)
        raise AssertionError("unreachable")

    def _start(self, timeout: float) -> float:
        cmd = [str(Path(sys.executable).with_name("xinfang")), "serve", "--bind", f"{HOST}:{self.port}"]
        cmd += ["--workers", str(self.workers)]
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
        t0 = time.monotonic()
        probe = f"GET /api/v1/openapi.json HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                tail = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"xinfang serve exited with {self.proc.returncode}:\n{tail}")
            with suppress(OSError, ValueError, IndexError):
                if _exchange(self.port, probe)[0] == 200:
                    return time.monotonic() - t0
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"xinfang serve did not answer within {timeout:.0f} s; see {self.log}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=30)
        self.proc = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _request(port: int, job: Job, token: str) -> bytes:
    head = [f"POST {API_PATH} HTTP/1.1", f"Host: {HOST}:{port}", f"Content-Length: {len(job.body)}"]
    head += ["Content-Type: application/json", f"Authorization: Bearer {token}"]
    head += [f"Idempotency-Key: {job.key}", "Connection: close", "", ""]
    return "\r\n".join(head).encode() + job.body


def run_round(
    args, server: Server, ledger: Ledger, gen: Gen, token: str, *, kill: bool, rng: random.Random
) -> None:
    """Start the server, let ``args.clients`` threads send (retries first), and either kill the server at a
    random moment or, in the last round, wait until every job is answered (bounded)."""
    ledger.starts.append(server.start(args.start_timeout))
    stop = threading.Event()
    deadline = time.monotonic() + args.round_seconds
    new_budget = [args.new_per_round]

    def client() -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            with ledger.lock:
                allowed = kill and new_budget[0] > 0 and ledger.created < args.max_jobs
                if allowed:
                    new_budget[0] -= 1
            job = ledger.take(gen, allowed)
            if job is None:
                if not kill:
                    return  # last round: nothing left to send
                time.sleep(0.05)
                continue
            try:
                status, body = _exchange(server.port, _request(server.port, job, token))
            except (OSError, ValueError, IndexError) as exc:
                status, body = 0, b""
                ledger.errors[type(exc).__name__] += 1
            answer = None
            if status in (200, 201):
                try:
                    answer = json.loads(body)
                except ValueError:  # the status line came, the body was cut by the kill: no answer
                    status = -1
            with ledger.lock:
                ledger.sent += 1
                ledger.retries += job.attempts > 0
                job.attempts += 1
                job.statuses.append(status)
                ledger.answers[status] += 1
                if answer is not None and job.answer is None:
                    job.answer = answer
                job.busy = False
            if not kill and job.answer is None and job.attempts >= args.max_attempts:
                return

    threads = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    if kill:
        time.sleep(rng.uniform(args.kill_after[0], args.kill_after[1]))
        stop.set()  # no request starts after the kill; the ones on the wire die with the server
        ledger.kills.append(ledger.in_flight())
        server.kill()
    for thread in threads:
        thread.join(timeout=args.round_seconds + 70)
    stop.set()
    if not kill:
        server.kill(signal.SIGTERM)


def verify(ledger: Ledger) -> dict:
    """What the database holds against what the clients were told."""
    from django.db import connection
    from django.db.models import Count

    from xinfang.cases.models import Matter, MatterSequence
    from xinfang.intake.models import Contact, IdempotencyRecord

    acked = {job.ref: job.answer for job in ledger.jobs if job.answer}
    rows = dict(
        Contact.objects.filter(external_ref__startswith="dura-")
        .values_list("external_ref")
        .annotate(n=Count("id"))
    )
    by_ref = dict(
        Contact.objects.filter(external_ref__startswith="dura-").values_list("external_ref", "matter__number")
    )
    records = Counter(
        IdempotencyRecord.objects.filter(key__in=[j.key for j in ledger.jobs]).values_list("key", flat=True)
    )
    numbers = list(Matter.objects.values_list("number", flat=True))
    gaps = {}
    for seq in MatterSequence.objects.exclude(scope__startswith="D"):  # D…: document numbers
        prefix = f"{seq.scope}-{seq.year}-"
        taken = sorted(int(n.removeprefix(prefix)) for n in numbers if n.startswith(prefix))
        if taken != list(range(1, seq.last + 1)):
            missing = sorted(set(range(1, seq.last + 1)) - set(taken))
            gaps[prefix] = {"last": seq.last, "stored": len(taken), "missing": missing[:10]}
    out = {
        "jobs": len(ledger.jobs),
        "acknowledged": len(acked),
        "stored": sum(rows.values()),
        "duplicates": sum(n - 1 for n in rows.values() if n > 1),
        "lost": sum(ref not in rows for ref in acked),
        "wrong_number": sum(by_ref.get(ref) != answer["matter_number"] for ref, answer in acked.items()),
        "stored_without_ack": sum(ref not in acked for ref in rows),
        "idempotency_records_not_one": sum(records[j.key] != 1 for j in ledger.jobs if j.answer),
        "numbers_unique": len(numbers) == len(set(numbers)),
        "gaps": gaps,
        "counters": {
            f"{s.scope}-{s.year}": s.last for s in MatterSequence.objects.exclude(scope__startswith="D")
        },
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM cases_matter m WHERE m.contact_count <> "
            "(SELECT count(*) FROM intake_contact c WHERE c.matter_id = m.id)"
        )
        out["contact_count_mismatch"] = cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA integrity_check")
            out["integrity"] = ", ".join(r[0] for r in cursor.fetchall())
            cursor.execute("PRAGMA foreign_key_check")
            out["foreign_key_violations"] = len(cursor.fetchall())
        else:
            out["integrity"] = _pg_amcheck(cursor)
            out["foreign_key_violations"] = _pg_orphans(cursor)
    out["audit_chain"] = _audit_chain()
    return out


def _pg_amcheck(cursor) -> str:
    """amcheck's bt_index_check on every B-tree index of the application's tables (PostgreSQL's own check of
    index structure against the heap is bt_index_parent_check; this one takes only AccessShareLock)."""
    try:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
    except Exception as exc:  # not installed: say so, the other checks still run
        return f"amcheck unavailable ({exc.__class__.__name__})"
    cursor.execute(
        "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.amname = 'btree' AND n.nspname = 'public' AND c.relpersistence = 'p'"
    )
    indexes = [r[0] for r in cursor.fetchall()]
    for name in indexes:
        cursor.execute("SELECT bt_index_check(%s::regclass, true)", [name])
    return f"ok (amcheck bt_index_check with heapallindexed on {len(indexes)} indexes)"


def _pg_orphans(cursor) -> int:
    """Rows whose parent is missing, for the registration's tables (the constraints say there are none;
    this asks the data)."""
    checks = [
        "SELECT count(*) FROM intake_contact c LEFT JOIN cases_matter m ON m.id = c.matter_id "
        "WHERE m.id IS NULL",
        "SELECT count(*) FROM intake_contactpetitioner p LEFT JOIN intake_contact c ON c.id = p.contact_id "
        "WHERE c.id IS NULL",
    ]
    total = 0
    for sql in checks:
        cursor.execute(sql)
        total += cursor.fetchone()[0]
    return total


def _audit_chain() -> str:
    """Seal what the killed workers left unsealed, then verify the whole hash chain (xinfang audit)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("audit", "seal", "--all", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("audit", "verify", stdout=open(os.devnull, "w"))  # noqa: SIM115
    except LookupError:
        return "no audit command in this version"
    except (CommandError, SystemExit) as exc:
        return f"FAILED: {exc}"
    return "ok (sealed, verified)"


def run_child(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from xinfang.notify.models import Notification
    from xinfang.testing.factories import build_world

    call_command("migrate", verbosity=0)
    world = build_world()
    _token, raw = world.token("city_bureau")
    gen = Gen(seed=args.seed, accused_unit_id=world.units["ns_housing"].pk)
    connection.close()  # the server processes write from here on

    rng = random.Random(args.seed)
    ledger = Ledger()
    server = Server(args.workers, Path(os.environ["XINFANG_VAR_DIR"]) / "serve.log")
    t0 = time.monotonic()
    rounds = 0
    try:
        for _ in range(args.rounds):
            if time.monotonic() - t0 > args.time_limit:
                break
            run_round(args, server, ledger, gen, raw, kill=True, rng=rng)
            rounds += 1
        run_round(args, server, ledger, gen, raw, kill=False, rng=rng)  # retries until answered
    finally:
        server.kill()
    wall = time.monotonic() - t0
    checks = verify(ledger)
    sms = {"at the end": Counter(Notification.objects.values_list("state", flat=True))}
    # A killed worker leaves the SMS it had claimed in `sending` until the lease runs out (shortened for the
    # bench, XINFANG_NOTIFY_LEASE_SECONDS); then `xinfang notify_send` sends them: at least once, none lost.
    time.sleep(LEASE_SECONDS + 1)
    for _ in range(20):  # bounded: --limit rows a pass
        call_command("notify_send", limit=500, stdout=open(os.devnull, "w"))  # noqa: SIM115
        if not Notification.objects.exclude(state="sent").exists():
            break
    sms["after notify_send"] = Counter(Notification.objects.values_list("state", flat=True))
    checks["sms_unsent"] = Notification.objects.exclude(state="sent").count()
    report(args, connection.vendor, rounds, wall, ledger, checks, sms)
    failed = (
        checks["duplicates"]
        or checks["lost"]
        or checks["wrong_number"]
        or checks["stored_without_ack"]
        or checks["idempotency_records_not_one"]
        or not checks["numbers_unique"]
        or checks["gaps"]
        or checks["contact_count_mismatch"]
        or checks["foreign_key_violations"]
        or not checks["integrity"].startswith("ok")
        or checks["audit_chain"].startswith("FAILED")
        or checks["acknowledged"] != checks["jobs"]
        or checks["sms_unsent"]
    )
    return 1 if failed else 0


def report(args, vendor: str, rounds: int, wall: float, ledger: Ledger, checks: dict, sms: dict) -> None:
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[vendor]
    replays = sum(job.statuses.count(200) for job in ledger.jobs)
    kills = ledger.kills
    print(
        f"\n== {name}: {rounds} rounds of kill -9, {args.clients} clients, {args.workers} workers, "
        f"{wall:.0f} s"
    )
    print(
        f"requests sent {ledger.sent}, of which retries {ledger.retries}; registrations (keys) "
        f"{checks['jobs']}, acknowledged {checks['acknowledged']}, stored {checks['stored']}, "
        f"duplicates {checks['duplicates']}, lost {checks['lost']}"
    )
    labels = {0: "no answer", -1: "answer cut off"}
    answers = ", ".join(f"{labels.get(s, s)}×{n}" for s, n in sorted(ledger.answers.items()))
    print(f"answers: {answers}; replays of a registration committed before its answer was lost: {replays}")
    if ledger.errors:
        print(f"client-side errors: {dict(ledger.errors)}")
    if kills:
        print(
            f"requests in flight at the kills: {sum(kills)} over {len(kills)} kills (max {max(kills)}); "
            f"server up again in {sum(ledger.starts) / len(ledger.starts):.1f} s on average"
        )
    print(
        f"acknowledged with another number than stored: {checks['wrong_number']}; stored without an "
        f"acknowledgement at the end: {checks['stored_without_ack']}; keys without exactly one idempotency "
        f"record: {checks['idempotency_records_not_one']}"
    )
    gaps = "none" if not checks["gaps"] else json.dumps(checks["gaps"], ensure_ascii=False)
    print(f"matter numbers unique: {checks['numbers_unique']}; gaps: {gaps}; counters {checks['counters']}")
    print(
        f"integrity: {checks['integrity']}; foreign-key orphans {checks['foreign_key_violations']}; matters "
        f"whose contact count disagrees {checks['contact_count_mismatch']}; "
        f"audit chain: {checks['audit_chain']}"
    )
    print(
        f"SMS by state: {dict(sms['at the end'])} after the last round; {dict(sms['after notify_send'])} "
        f"after the lease ({LEASE_SECONDS} s) and `xinfang notify_send`"
    )
    print(
        f"host: load avg {'/'.join(f'{x:.1f}' for x in os.getloadavg())}; "
        f"loop probe {python_loop_seconds():.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=20, help="kill -9 rounds per database")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (xinfang serve --workers)")
    parser.add_argument(
        "--kill-after",
        type=float,
        nargs=2,
        default=(0.3, 2.5),
        metavar=("MIN", "MAX"),
        help="seconds after the server answers before it is killed (uniform)",
    )
    parser.add_argument("--new-per-round", type=int, default=1000, help="new registrations a round at most")
    parser.add_argument("--max-jobs", type=int, default=6000, help="registrations in all at most")
    parser.add_argument("--max-attempts", type=int, default=6, help="sends of one request in the last round")
    parser.add_argument("--round-seconds", type=float, default=30, help="time limit of a round")
    parser.add_argument("--start-timeout", type=float, default=90, help="seconds for the server to answer")
    parser.add_argument("--time-limit", type=float, default=900, help="seconds for all rounds of a database")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres", help="admin DB")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args)

    failed = 0
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        with tempfile.TemporaryDirectory(prefix=f"xinfang-dura-{db}-") as var_dir:
            (Path(var_dir) / "static").mkdir()
            env = child_env(db, var_dir, args.pg_url)
            env |= {"XINFANG_ALLOWED_HOSTS": HOST, "XINFANG_SECURE_COOKIES": "false"}
            env["XINFANG_NOTIFY_LEASE_SECONDS"] = str(LEASE_SECONDS)
            env["XINFANG_SECRET_KEY"] = secrets.token_urlsafe(50)
            try:
                if db == "postgres":
                    pg_admin(args.pg_url, DROP_SQL, f"CREATE DATABASE {DURA_DB}")
                    env["DATABASE_URL"] = f"{args.pg_url.rsplit('/', 1)[0]}/{DURA_DB}"
                cmd = [sys.executable, __file__, *sys.argv[1:], "--child", "--db", db]
                failed += subprocess.run(cmd, env=env, cwd=ROOT).returncode != 0
            except psycopg.Error as exc:
                print(f"\n== PostgreSQL skipped: cannot create {DURA_DB} via {args.pg_url}: {exc}")
                failed += 1
            finally:
                if db == "postgres":
                    with suppress(psycopg.Error):
                        pg_admin(args.pg_url, DROP_SQL)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
