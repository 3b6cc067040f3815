"""Search benchmark (信访事项检索): p50/p95 of ``xinfang.search.selectors.matter_search`` — one page and the
capped count, as the /matters/ page runs it — at 1,000,000 matters on SQLite and PostgreSQL, for a district
bureau (南山区信访局) and a department (南山区住房和建设局): words (full text), a petitioner's name, a phone
(blind index, audited), and unit + date range + status. Also: the full-text build time, the index sizes,
jieba's rate and the incremental indexer's. See bench/README.md.

Each database runs in its own process under ``config.settings.production`` with throw-away keys and a
throw-away ``XINFANG_VAR_DIR`` (SQLite: <var>/xinfang.sqlite3 with the production options); PostgreSQL is the
database ``helper_search_bench``, created and dropped here. Rows go in with executemany / COPY, not through
the services: matters, contacts (the texts of the real petitions in ../shared/data, each reused ~80 times —
synthetic texts when that folder is absent), petitioners (blind indexes computed, ciphertexts from a pool),
their links, 转送 assignments and the token rows, cut once per distinct text by the same
``document_tokens`` the indexer uses."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tipdm2020c"
BENCH_DB = "helper_search_bench"
DROP_SQL = f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"
TARGET_P95_MS = 200

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰玉萍红建国志海燕霞文辉"
REQUESTS = [
    "请求有关部门调查处理",
    "请求督促物业尽快维修",
    "请求依法退还费用",
    "请求协调解决拖欠问题",
    "建议尽快出台整改措施",
    "请求依法查处违法行为",
    "请求给予合理补偿",
    "请求公开处理结果",
]
# Districts of 深圳 besides those of build_world (南山 440305, 福田 440304), and the departments each has.
DISTRICTS = {"440303": "罗湖区", "440306": "宝安区", "440307": "龙岗区", "440309": "龙华区"}
DEPARTMENTS = ["住房和建设局", "人力资源局", "城市管理和综合执法局", "教育局", "交通运输局"]
# Where the matters are (region code → weight): the city itself, its districts, a street, another province.
PLACES = {"440300": 5, "440305": 15, "440305001": 3, "440304": 15, "330100": 10}
PLACES |= dict.fromkeys(DISTRICTS, 13)
STATUSES = {"registered": 5, "routed": 10, "accepted": 25, "not_accepted": 5, "replied": 10, "closed": 45}
HANDLED = {"accepted", "replied", "closed"}
CHANNELS = ["letter", "visit", "online", "phone", "hotline12345"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# --- texts ---


def real_texts() -> list[tuple[str, str]]:
    """(title, body) of the distinct real petitions; synthetic ones when ../shared/data is absent."""
    seen: dict[tuple[str, str], None] = {}
    for name in ("messages_labelled", "messages_unlabelled", "hotspot_messages", "replies"):
        path = DATA / f"{name}.csv"
        if path.exists():
            with path.open(encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    seen.setdefault((row["title"].strip()[:200], row["body"].strip()[:4000]), None)
    if seen:
        return list(seen)
    print(f"(no real texts at {DATA}: synthetic texts)")
    r = random.Random(7)
    words = "小区 物业 电梯 停车 噪音 工地 施工 拖欠 工资 学位 公交 线路 征地 补偿 违建 拆迁 排污 养老 医保"
    vocab = words.split()
    return [(" ".join(r.sample(vocab, 3)), "，".join(r.sample(vocab, 12))) for _ in range(5000)]


def cut_all(texts: list[tuple[str, str]]) -> tuple[list[list[str]], float]:
    """document_tokens of each text (title twice: the matter's and the contact's, as the indexer reads
    them), on one core; returns the token lists and the texts per second."""
    from xinfang.search.tokens import document_tokens

    t0 = time.perf_counter()
    out = [document_tokens([title, title, body]).split() for title, body in texts]
    return out, len(texts) / (time.perf_counter() - t0)


# --- loading ---


class Loader:
    """Rows straight into the tables: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self) -> None:
        from django.db import connection

        connection.ensure_connection()
        self.connection = connection
        self.raw = connection.connection
        self.pg = connection.vendor == "postgresql"

    def stamp(self, moment: dt.datetime) -> object:
        # SQLite keeps datetimes as naive UTC text, the way Django writes them.
        return moment if self.pg else moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def load(self, table: str, rows: list[dict]) -> None:
        """``rows`` (column → value) into ``table``; every other column of its model gets the field's default
        (so a column another app adds does not break the bench)."""
        if not rows:
            return
        from django.apps import apps

        model = next(m for m in apps.get_models() if m._meta.db_table == table)
        columns = list(rows[0])
        extra = [f for f in model._meta.concrete_fields if f.column not in columns]
        defaults = tuple(None if f.null else f.get_default() for f in extra)
        columns += [f.column for f in extra]
        values = [(*row.values(), *defaults) for row in rows]
        names = ", ".join(columns)
        if self.pg:
            with self.raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self.raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608

    def begin(self) -> None:
        if self.pg:
            self.raw.autocommit = False
        else:
            self.raw.execute("BEGIN")

    def commit(self) -> None:
        self.raw.commit()
        if self.pg:
            self.raw.autocommit = True


def organisation(world) -> dict:
    """build_world plus four more 深圳 districts, each with a bureau and five departments; 南山 gets the
    departments it lacks. Returns region code → (registering bureau id, [department ids])."""
    from xinfang.org.models import Unit
    from xinfang.org.services import region_create, unit_create

    city = world.regions["440300"]
    for code, name in DISTRICTS.items():
        world.regions[code] = region_create(code=code, name=name, level=3, parent=city)
        world.units[code] = unit_create(
            name=f"{name}信访局", kind="bureau", region=world.regions[code], parent=world.units["city_bureau"]
        )
    places: dict[str, tuple[int, list[int]]] = {}
    for code in ("440305", "440304", *DISTRICTS):
        region = world.regions[code]
        bureau = world.units.get(code) or Unit.objects.get(region=region, kind="bureau")
        departments = []
        for name in DEPARTMENTS:
            full = f"{region.name}{name}"
            unit = Unit.objects.filter(region=region, name=full).first()
            departments.append((unit or unit_create(name=full, kind="department", region=region)).pk)
        places[code] = (bureau.pk, departments)
    places["440305001"] = places["440305"]
    places["440300"] = (world.units["city_bureau"].pk, [world.units["discipline"].pk])
    places["330100"] = (world.units["hz_bureau"].pk, [world.units["hz_bureau"].pk])
    return places


def matter_row(pk: int, number: str, title: str, when: object, unit: int, code: str, **more) -> dict:
    stamps = dict.fromkeys(("first_received_at", "last_contact_at", "created_at", "updated_at"), when)
    place = {"region_id": code, "region_code": code, "registering_unit_id": unit}
    return {"id": pk, "number": number, "title": title, **place, **stamps, **more}


def contact_row(
    pk: int, matter: int, title: str, request: str, facts: str, when: object, unit: int, code: str
):
    texts = {"title": title, "request": request, "facts": facts, "reasons": ""}
    where = {"registering_unit_id": unit, "region_code": code, "received_at": when, "registered_at": when}
    return {"id": pk, "matter_id": matter, "ordinal": 1, **texts, **where}


def generate(args, loader: Loader, world, texts, tokens) -> dict:
    """Matters, contacts, petitioners, links, assignments and token rows, in chunks; returns samples of what
    was written for the queries (names, phones)."""
    from xinfang.core import crypto
    from xinfang.core.pii import id_check_digit, mask_id_number, mask_phone
    from xinfang.search.tokens import region_tokens

    r = random.Random(20261207)
    places = organisation(world)
    codes, weights = list(PLACES), list(PLACES.values())
    statuses, status_weights = list(STATUSES), list(STATUSES.values())
    request_tokens = [t.split() for t in map(_doc_tokens, REQUESTS)]
    places_tokens = {code: region_tokens(code) for code in PLACES}
    pool = [crypto.encrypt(f"深圳市南山区学府路{i}号") for i in range(200)]  # ciphertexts of realistic size
    now = dt.datetime.now(dt.UTC)
    registrar = world.users["registrar"].pk
    matter_id = contact_id = person_id = party_id = assignment_id = 0
    people: list[tuple[int, str, str]] = []  # (id, name, phone) of the petitioners written
    seq: dict[tuple[str, int], int] = {}
    timings = {"rows": 0.0}
    # Registered in the order they arrived, as a deployment fills up: ids follow the dates (five years, more
    # each year), so a date range is a stretch of ids, as it would be.
    years = r.choices(range(now.year - 4, now.year + 1), (10, 15, 20, 25, 30), k=args.matters)
    moments = sorted(
        dt.datetime(y, 1, 1, tzinfo=dt.UTC)
        + (
            min(now - dt.timedelta(days=1), dt.datetime(y + 1, 1, 1, tzinfo=dt.UTC))
            - dt.datetime(y, 1, 1, tzinfo=dt.UTC)
        )
        * r.random()
        for y in years
    )
    arrivals = iter(moments)
    in_sight: dict[str, list[tuple[int, str, str]]] = {"ns_registrar": [], "handler": []}
    housing = world.units["ns_housing"].pk
    for start in range(0, args.matters, args.chunk):
        matters, contacts, petitioners, parties, assignments, rows = [], [], [], [], [], []
        for _ in range(min(args.chunk, args.matters - start)):
            matter_id += 1
            code = r.choices(codes, weights)[0]
            bureau, departments = places[code]
            registering = bureau if r.random() < 0.7 else world.units["city_bureau"].pk
            received = next(arrivals)
            year = received.year
            scope = world.regions[code].code[:6] if code != "440305001" else "440305"
            seq[scope, year] = seq.get((scope, year), 0) + 1
            status = r.choices(statuses, status_weights)[0]
            local = code not in ("440300", "330100")
            accused = r.choice(departments) if local and r.random() < 0.03 else None
            kind = "accusation" if accused else r.choice(("petition", "petition", "suggestion"))
            text = r.randrange(len(texts))
            title, body = texts[text]
            request = r.randrange(len(REQUESTS))
            handler = target = None
            if status != "registered":
                target = world.units["discipline"].pk if accused else r.choice(departments)
                handler = target if status in HANDLED else None
                assignment_id += 1
                state = "accepted" if handler else "pending"
                sent = loader.stamp(received + dt.timedelta(days=3))
                assignments.append(
                    {
                        "id": assignment_id,
                        "matter_id": matter_id,
                        "unit_id": target,
                        "from_unit_id": registering,
                    }
                    | {"mode": "transfer", "state": state, "requires_report": False, "sent_at": sent}
                    | {"accepted_at": sent if handler else None}
                )
            when = loader.stamp(received)
            number = f"{scope}-{year}-{seq[scope, year]:06d}"
            more = {"matter_type": kind, "category": "城乡建设", "status": status, "created_by_id": registrar}
            more |= {"handling_unit_id": handler, "accused_unit_id": accused}
            matters.append(matter_row(matter_id, number, title or body[:30], when, registering, code, **more))
            contact_id += 1
            contact = contact_row(
                contact_id, matter_id, title or body[:30], REQUESTS[request], body, when, 0, code
            )
            contacts.append(contact | {"channel": r.choice(CHANNELS), "registering_unit_id": registering})
            named = set()
            for _ in range(r.choices((1, 2), (90, 10))[0]):
                if people and r.random() < 0.15:  # came before
                    pid = r.choice(people)[0]
                else:
                    person_id += 1
                    pid = person_id
                    name = r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2))))
                    phone = f"1{r.randrange(3 * 10**9, 10**10)}"
                    body17 = f"440305{1950 + r.randrange(60)}0101{r.randrange(1000):03d}"
                    idn = body17 + id_check_digit(body17)
                    people.append((pid, name, phone))
                    petitioners.append(
                        {"id": pid, "kind": "person", "name": name, "created_at": when}
                        | {
                            "id_number_hash": crypto.blind_index("id_number", idn),
                            "id_number_enc": r.choice(pool),
                        }
                        | {"phone_hash": crypto.blind_index("phone", phone), "phone_enc": r.choice(pool)}
                        | {"id_number_masked": mask_id_number(idn), "phone_masked": mask_phone(phone)}
                        | {"address_enc": r.choice(pool), "address_masked": "深圳市南山区****"}
                    )
                if pid in named:
                    continue
                named.add(pid)
                party_id += 1
                parties.append({"id": party_id, "contact_id": contact_id, "petitioner_id": pid})
            # Who the two measured actors can see (roughly: the search applies the real scope), to look for.
            if code.startswith("440305"):
                in_sight["ns_registrar"] += [people[pid - 1] for pid in named]
                if target == housing:
                    in_sight["handler"] += [people[pid - 1] for pid in named]
            merged = list(dict.fromkeys(tokens[text] + request_tokens[request]))  # = services.matter_tokens
            rows.append(
                {"matter_id": matter_id, "tokens": " ".join(merged + places_tokens[code]), "contacts": 1}
                | {"first_received_at": when, "indexed_at": when}
            )
        t0 = time.perf_counter()
        loader.begin()
        for table, batch in (
            ("cases_matter", matters),
            ("intake_contact", contacts),
            ("intake_petitioner", petitioners),
            ("intake_contactpetitioner", parties),
            ("routing_assignment", assignments),
            ("search_mattertext", rows),
        ):
            loader.load(table, batch)
        loader.commit()
        timings["rows"] += time.perf_counter() - t0
        print(f"  {start + len(matters):,} matters", flush=True)
    loader.begin()
    cursors = [("contacts", contact_id, now), ("events", 0, now)]  # build_world's events name no matter
    loader.load("search_indexcursor", [{"name": n, "last_id": i, "updated_at": t} for n, i, t in cursors])
    loader.commit()
    made = {"people": people, "in_sight": in_sight, "contacts": contact_id, "persons": person_id}
    return made | {"parties": party_id} | timings


def _doc_tokens(text: str) -> str:
    from xinfang.search.tokens import document_tokens

    return document_tokens([text])


# --- the full-text structure: dropped for the load, built after it ---


def fulltext_drop(loader: Loader) -> None:
    if loader.pg:
        loader.raw.execute("DROP INDEX search_mattertext_tokens_gin")
    else:
        for name in ("insert", "delete", "update"):
            loader.raw.execute(f"DROP TRIGGER search_mattertext_fts_{name}")


def fulltext_build(loader: Loader) -> float:
    """The FTS5 index rebuilt from search_mattertext (then the triggers again) / the GIN index created."""
    import importlib

    fulltext = importlib.import_module("xinfang.search.migrations.0002_fulltext")
    t0 = time.perf_counter()
    if loader.pg:
        loader.raw.execute("SET maintenance_work_mem = '1GB'")
        loader.raw.execute(next(sql for sql in fulltext.POSTGRESQL if sql.startswith("CREATE INDEX")))
    else:
        loader.raw.execute("INSERT INTO search_matter_fts(search_matter_fts) VALUES ('rebuild')")
        for statement in fulltext.SQLITE[1:]:
            loader.raw.execute(statement)
    return time.perf_counter() - t0


def sizes(loader: Loader, var_dir: str) -> dict:
    out = {}
    cur = loader.connection.cursor()
    if loader.pg:
        for label, sql in (
            ("database", "pg_database_size(current_database())"),
            ("search_mattertext table (tokens)", "pg_table_size('search_mattertext')"),
            ("GIN index", "pg_relation_size('search_mattertext_tokens_gin')"),
            ("cases_matter + indexes", "pg_total_relation_size('cases_matter')"),
        ):
            cur.execute(f"SELECT {sql}")
            out[label] = cur.fetchone()[0]
    else:
        out["database file"] = (Path(var_dir) / "xinfang.sqlite3").stat().st_size
        for label, pattern in (
            ("search_mattertext table (tokens)", "search_mattertext"),
            ("FTS5 index", "search_matter_fts%"),
            ("cases_matter + indexes", "cases_matter%"),
        ):
            cur.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s", [pattern])
            out[label] = cur.fetchone()[0]
    return out


# --- the queries ---


def query_sets(r: random.Random, tokens, people, in_sight, n: int) -> dict[str, list[dict]]:
    """``n`` searches of each kind, as staff would type them."""
    from xinfang.cases.models import MatterStatus

    words = []
    while len(words) < n:
        # A word seen in a petition (2+ characters: what people type), so most searches find something.
        candidates = [t for t in tokens[r.randrange(len(tokens))] if len(t) >= 2 and not t.isascii()]
        if candidates:
            words.append({"q": r.choice(candidates)})
    pairs = []
    while len(pairs) < n:
        candidates = [t for t in tokens[r.randrange(len(tokens))] if len(t) >= 2 and not t.isascii()]
        if len(candidates) >= 2:
            pairs.append({"q": " ".join(r.sample(candidates, 2))})
    today = dt.date.today()
    statuses = [MatterStatus.ACCEPTED, MatterStatus.CLOSED, MatterStatus.ROUTED, MatterStatus.REPLIED]

    def unit_date_status(units: list[int]) -> dict:
        start = today - dt.timedelta(days=r.randrange(90, 5 * 365))
        return {
            "unit_id": r.choice(units),
            "received_from": start,
            "received_to": start + dt.timedelta(days=90),
        }

    return {
        "words (1)": words,
        "words (2)": pairs,
        # Three in four look for someone in the actor's sight, one in four for anyone.
        "name": [{"name": r.choice(in_sight if r.random() < 0.75 else people)[1]} for _ in range(n)],
        "phone": [{"phone": r.choice(in_sight if r.random() < 0.75 else people)[2]} for _ in range(n)],
        "unit+dates+status": [unit_date_status([0]) | {"status": r.choice(statuses)} for _ in range(n)],
    }


def measure(actor, units: list[int], queries: dict[str, list[dict]], warm: int) -> dict[str, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.search.selectors import matter_search

    out = {}
    for kind, items in queries.items():
        times, found, statements, full = [], [], 0, 0
        for i, criteria in enumerate(items):
            if "unit_id" in criteria:
                criteria = criteria | {"unit_id": units[i % len(units)]}
            t0 = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                page = matter_search(actor, **criteria)
            elapsed = (time.perf_counter() - t0) * 1000
            statements = max(statements, len(captured))
            if i >= warm:
                times.append(elapsed)
                found.append(page.count)
                full += page.text_window_full
        out[kind] = {
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "max": max(times),
            "found": statistics.median(found),
            "capped": sum(f >= 1000 for f in found),
            "full": full,
            "statements": statements,
            "n": len(times),
        }
    return out


def incremental(loader: Loader, world, texts, n: int) -> dict:
    """``n`` contacts registered after the load (rows written directly), then the indexer until caught up:
    contacts per second and how long each run's write transaction held the database."""
    from django.db import transaction

    from xinfang.search import services

    r = random.Random(3)
    cur = loader.connection.cursor()
    cur.execute("SELECT MAX(id) FROM cases_matter")
    base = cur.fetchone()[0]
    cur.execute("SELECT MAX(id) FROM intake_contact")
    cbase = cur.fetchone()[0]
    now = dt.datetime.now(dt.UTC)
    unit = world.units["city_bureau"].pk
    when = loader.stamp(now)
    matters, contacts = [], []
    for i in range(1, n + 1):
        title, body = texts[r.randrange(len(texts))]
        more = {"matter_type": "petition", "status": "registered"}
        matters.append(
            matter_row(base + i, f"BENCH-{base + i:08d}", title or body[:30], when, unit, "440305", **more)
        )
        row = contact_row(cbase + i, base + i, title or body[:30], REQUESTS[0], body, when, unit, "440305")
        contacts.append(row | {"channel": "letter"})
    loader.begin()
    loader.load("cases_matter", matters)
    loader.load("intake_contact", contacts)
    loader.commit()
    holds: list[float] = []
    original = transaction.atomic

    class Timed:  # the run's one write transaction, timed from BEGIN to COMMIT
        def __init__(self, *a, **k):
            self.inner = original(*a, **k)

        def __enter__(self):
            self.t0 = time.perf_counter()
            return self.inner.__enter__()

        def __exit__(self, *exc):
            try:
                return self.inner.__exit__(*exc)
            finally:
                holds.append((time.perf_counter() - self.t0) * 1000)

    services.transaction.atomic = Timed  # type: ignore[attr-defined]
    try:
        t0, done, look_back = time.perf_counter(), 0, True
        while True:  # as `xinfang search_index` does
            run = services.search_index_catch_up(look_back=look_back)
            done, look_back = done + run.contacts, False
            if run.caught_up:
                break
        wall = time.perf_counter() - t0
    finally:
        services.transaction.atomic = original  # type: ignore[attr-defined]
    out = {"contacts": done, "rate": done / wall, "batch": services.BATCH}
    return out | {"hold_p95": percentile(holds, 95), "hold_max": max(holds)}


def run_one(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from xinfang.testing.factories import build_world

    call_command("migrate", verbosity=0)
    world = build_world()
    loader = Loader()
    if not loader.pg:
        # Bulk load: a large page cache; the production PRAGMAs stay for the queries.
        loader.raw.execute("PRAGMA cache_size = -2000000")
    texts = real_texts()
    t0 = time.perf_counter()
    tokens, jieba_rate = cut_all(texts)
    cut_s = time.perf_counter() - t0
    fulltext_drop(loader)
    t0 = time.perf_counter()
    made = generate(args, loader, world, texts, tokens)
    load_s = time.perf_counter() - t0
    build_s = fulltext_build(loader)
    t0 = time.perf_counter()
    cur = loader.connection.cursor()
    if loader.pg:
        loader.raw.execute("VACUUM ANALYZE")  # as autovacuum leaves it: statistics and the visibility map
    else:
        cur.execute("ANALYZE")
        cur.execute("PRAGMA cache_size = -64000")
    analyze_s = time.perf_counter() - t0
    cur.execute("select sqlite_version()" if not loader.pg else "show server_version")
    version = cur.fetchone()[0].split()[0]
    name = "PostgreSQL" if loader.pg else "SQLite"
    print(
        f"\n== {name} {version}: {args.matters:,} matters, {made['contacts']:,} contacts, "
        f"{made['persons']:,} petitioners, {len(texts):,} distinct texts"
    )
    minutes = args.matters / jieba_rate / 60
    print(
        f"jieba (document_tokens, one core): {jieba_rate:,.0f} texts/s ({len(texts):,} texts in "
        f"{cut_s:.1f} s) — for {args.matters:,} distinct contacts that is {minutes:.0f} min"
    )
    print(f"rows written in {load_s:.0f} s ({made['rows']:.0f} s in the database); ANALYZE {analyze_s:.0f} s")
    print(f"full-text build from the token rows: {build_s:.1f} s")
    for label, value in sizes(loader, os.environ["XINFANG_VAR_DIR"]).items():
        print(f"  {label}: {value / 2**20:,.0f} MiB ({value / args.matters:,.0f} bytes/matter)")

    from xinfang.search.selectors import search_units

    print(
        f"\n{'actor':30}{'kind':20}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'found (median)':>16}"
        f"{'≥1000':>7}{'window':>7}{'stmts':>6}"
    )
    worst = 0.0
    for persona, label in (
        ("ns_registrar", "南山区信访局 (district bureau)"),
        ("handler", "南山住建局 (department)"),
    ):
        actor = world.users[persona]
        n = args.queries + args.warm
        queries = query_sets(random.Random(11), tokens, made["people"], made["in_sight"][persona], n)
        units = [u.pk for u in search_units(actor) if u.region.code.startswith("440305")]
        if persona == "handler":
            units = [actor.unit_id]
        for kind, s in measure(actor, units, queries, args.warm).items():
            worst = max(worst, s["p95"])
            print(
                f"{label:30}{kind:20}{s['p50']:8.1f}{s['p95']:8.1f}{s['max']:8.1f}{s['found']:16,.0f}"
                f"{s['capped']:7d}{s['full']:7d}{s['statements']:6d}"
            )
    verdict = "MET" if worst <= TARGET_P95_MS else "NOT MET"
    print(
        f"target p95 ≤ {TARGET_P95_MS} ms for every kind and actor: {verdict} (worst p95 {worst:.1f} ms; "
        f"load avg {'/'.join(f'{x:.1f}' for x in os.getloadavg())})"
    )
    inc = incremental(loader, world, texts, args.incremental)
    print(
        f"indexer (search_index_catch_up, batches of {inc['batch']}): {inc['contacts']:,} new contacts at "
        f"{inc['rate']:,.0f}/s; write transaction p95 {inc['hold_p95']:.1f} ms, max {inc['hold_max']:.1f} ms"
    )


def child_env(db: str, var_dir: str, pg_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.production", "XINFANG_VAR_DIR": var_dir}
    env |= {"XINFANG_ALLOWED_HOSTS": "127.0.0.1,localhost", "XINFANG_LOG_LEVEL": "WARNING"}
    env["XINFANG_PII_KEYS"], env["XINFANG_SECRET_KEY"] = Fernet.generate_key().decode(), secrets.token_hex(32)
    env["XINFANG_BLIND_INDEX_KEY"] = secrets.token_hex(32)  # throw-away keys
    if db == "postgres":
        env["DATABASE_URL"] = f"{pg_url.rsplit('/', 1)[0]}/{BENCH_DB}"
    return env


def pg_admin(pg_url: str, *statements: str) -> None:
    with psycopg.connect(pg_url, autocommit=True, connect_timeout=5) as conn:
        for sql in statements:
            conn.execute(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--matters", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=50, help="measured searches per kind and actor")
    parser.add_argument("--warm", type=int, default=5, help="searches per kind run first, not measured")
    parser.add_argument("--chunk", type=int, default=50_000, help="matters per load transaction")
    parser.add_argument("--incremental", type=int, default=2000, help="new contacts for the indexer's rate")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres", help="admin DB")
    parser.add_argument(
        "--keep", metavar="DIR", help="keep the data (SQLite file in DIR, the PostgreSQL database)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args)
        return 0
    failed = 0
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        with tempfile.TemporaryDirectory(prefix=f"xinfang-search-bench-{db}-") as scratch:
            var_dir = args.keep or scratch
            (Path(var_dir) / "static").mkdir(parents=True, exist_ok=True)
            try:
                if db == "postgres":
                    pg_admin(args.pg_url, DROP_SQL, f"CREATE DATABASE {BENCH_DB}")
                cmd = [sys.executable, __file__, *sys.argv[1:], "--child", "--db", db]
                env = child_env(db, var_dir, args.pg_url)
                if args.keep:  # to look at the kept data later with the same keys
                    kept = {
                        k: v for k, v in env.items() if k.startswith(("XINFANG_", "DJANGO_", "DATABASE_"))
                    }
                    (Path(var_dir) / f"env-{db}.json").write_text(json.dumps(kept))
                failed += subprocess.run(cmd, env=env, cwd=ROOT).returncode > 0
            except psycopg.Error as exc:
                print(f"\n== PostgreSQL skipped: cannot create {BENCH_DB} via {args.pg_url}: {exc}")
                failed += 1
        if db == "postgres" and not args.keep:
            with suppress(psycopg.Error):
                pg_admin(args.pg_url, DROP_SQL)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
