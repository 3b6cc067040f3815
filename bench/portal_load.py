"""Portal load test (issue 3): --clients simulated citizens submit online petitions through the public
portal (阳光信访) for --duration seconds against gunicorn on loopback, on SQLite and PostgreSQL; every
acknowledged submission must then be in the database exactly once. See bench/README.md.

Settings, throw-away keys and var dir, the gunicorn socket, the PostgreSQL database and /proc come from
bench/intake.py. The bench plays the site's reverse proxy: XINFANG_PORTAL_TRUSTED_PROXIES=127.0.0.1 and
each citizen gets its own X-Forwarded-For address, so the per-address limits keep their production values."""

from __future__ import annotations

import argparse
import html
import http.client
import itertools
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import intake  # bench/intake.py: this script's directory is first on sys.path
import portal_checks
import psycopg

from xinfang.demo import texts

ROOT = Path(__file__).resolve().parents[1]
SUBMIT, QUERY, TIMEOUT, SEED = "/portal/submit/", "/portal/query/", 60, 20260301
BENCH_DB = "xinfang_portal_bench"  # not intake's xinfang_bench: the two benches may run side by side
DROP_SQL = f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"
INJECT = (
    0.03  # share of submissions that are deliberately invalid (each kind must be refused, writing nothing)
)
EXPECTED = {
    "honeypot": "提交未通过校验",
    "markup": "内容中不能包含网页代码",
    "consent": "请阅读个人信息处理告知",
}
THROTTLED, WRONG_CODE = "提交过于频繁，请稍后再试", "事项编号或查询码不正确"
HIDDEN = {k: re.compile(rf'name="{k}" value="([^"]*)"') for k in ("csrfmiddlewaretoken", "nonce")}
REGIONS, OPTION = (
    re.compile(r'<select name="region_code"[^>]*>(.*?)</select>', re.S),
    re.compile(r'value="(\d+)"'),
)
NUMBER, CODE = re.compile(r'id="matter-number">([^<]+)<'), re.compile(r'id="query-code">([^<]+)<')
ALERT = re.compile(r'role="alert">\s*(?:<p>)?([^<]+)')
DISTRICTS = ["南山区", "福田区", "宝安区", "龙岗区", "罗湖区"]


class Browser:
    """One citizen's browser: its own cookie jar and its own address, which the bench (as the trusted
    reverse proxy) puts in X-Forwarded-For. A new connection per request, like nginx's default upstream.
    Cookies marked Secure are sent back too: between citizen and proxy they would travel over TLS."""

    def __init__(self, port: int, address: str) -> None:
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method: str, path: str, body: bytes = b"", ctype: str = "") -> tuple[int, dict, str]:
        headers = {"X-Forwarded-For": self.address, "User-Agent": "Mozilla/5.0 (xinfang-bench)"}
        headers |= {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        headers |= {"Content-Type": ctype} if ctype else {}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            resp = conn.getresponse()
            page = resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in resp.headers.get_all("Set-Cookie") or []:
            self.cookies |= {name: m.value for name, m in SimpleCookie(header).items()}
        return resp.status, dict(resp.headers), page


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """What a browser sends for the portal's enctype="multipart/form-data" form."""
    boundary = f"----xinfangbench{secrets.token_hex(12)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    body = "".join(parts).encode()
    for name, data in files:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="{name}"\r\n'
        body += f"{head}Content-Type: text/plain\r\n\r\n".encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Petitions:
    """Varied, realistic submissions from the demo templates; 15 % of those with an ID number come from
    someone who submitted earlier in the run (repeat-petitioner path), 30 % leave the optional ID empty."""

    known: list[str] = []  # shared by the threads (list.append / random.choice are atomic under the GIL)

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def make(self, regions: list[str], inject: str | None) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
        r = self.r
        kind = r.choices(["petition", "suggestion", "accusation"], (75, 15, 10))[0]
        if kind == "accusation":
            parts = texts.fill(
                r.choice(texts.ACCUSATIONS), r, unit=r.choice(["某街道办事处", "某区城管执法队"])
            )
        else:
            pool = [t for ts in texts.TEMPLATES.values() for t in ts] + texts.LITIGATION
            parts = texts.fill(r.choice(pool), r)
        title, request, facts, reasons = parts
        facts += r.choice(
            ["", f"此前已于{r.randint(1, 12)}月向社区反映过。", f"共有{r.randint(2, 90)}户居民联名。"]
        )
        id_number = ""
        if r.random() < 0.7:
            id_number = r.choice(self.known) if self.known and r.random() < 0.15 else texts.valid_id_number(r)
            self.known.append(id_number)
        road, estate = r.choice(texts.ROADS), r.choice(texts.ESTATES)
        address = f"广东省深圳市{r.choice(DISTRICTS)}{road}{r.randint(1, 999)}号{estate}{r.randint(1, 30)}栋"
        fields = dict(name=texts.person_name(r), phone=texts.mobile(r), address=address, id_number=id_number)
        fields |= dict(matter_type=kind, region_code=r.choice(regions), title=title[:100], request=request)
        fields |= dict(facts=facts, reasons=reasons, website="", consent="on")
        if inject == "honeypot":
            fields["website"] = "http://cheap-pills.example"
        elif inject == "markup":
            fields["facts"] += "<script>alert(document.cookie)</script>"
        elif inject == "consent":
            del fields["consent"]
        files = [("情况说明.txt", f"{title}\n{facts}\n".encode())] if r.random() < 0.1 else []
        return fields, files


@dataclass
class Outcome:
    kind: str  # ack | expected:<inject> | refused:<status> | throttled | error:<what>
    total_s: float = 0.0
    post_s: float = 0.0
    number: str = ""
    code: str = ""
    title: str = ""
    detail: str = ""


def submit_once(browser: Browser, gen: Petitions, inject: str | None = None) -> Outcome:
    """GET the form (CSRF token, one-time nonce, regions), POST a petition, read the acknowledgement."""
    t0 = time.perf_counter()
    try:
        status, _, page = browser.request("GET", SUBMIT)
        if status != 200:
            return Outcome(f"error:GET {status}", time.perf_counter() - t0)
        hidden = {k: rx.search(page) for k, rx in HIDDEN.items()}
        region_select = REGIONS.search(page)
        if not all(hidden.values()) or region_select is None:
            return Outcome("error:form without token/nonce/regions", time.perf_counter() - t0)
        fields, files = gen.make(OPTION.findall(region_select.group(1)), inject)
        body, ctype = multipart({k: m.group(1) for k, m in hidden.items() if m} | fields, files)
        t1 = time.perf_counter()
        status, _, page = browser.request("POST", SUBMIT, body, ctype)
        t2 = time.perf_counter()
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(f"error:{type(exc).__name__}", time.perf_counter() - t0)
    out = Outcome("", t2 - t0, t2 - t1, title=fields["title"])
    number, code, alert = NUMBER.search(page), CODE.search(page), ALERT.search(page)
    out.detail = html.unescape(alert.group(1).strip()) if alert else ""
    if status == 200 and number and code:
        out.kind, out.number, out.code = "ack", number.group(1), code.group(1)
    elif status == 400 and inject and EXPECTED[inject] in page:
        out.kind = f"expected:{inject}"
    elif status == 429 and THROTTLED in page:
        out.kind = "throttled"
    else:
        out.kind = f"refused:{status}" if status < 500 else f"error:{status}"
    return out


def run_clients(
    port: int, clients: int, seconds: float, addresses, inject: float
) -> tuple[list[Outcome], float]:
    """``clients`` threads submit until the deadline; every submission is a new citizen (address, cookies)."""
    results: list[Outcome] = []
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        gen = Petitions(SEED + i * 7919 + int(seconds * 1000))
        while time.perf_counter() < deadline:
            bad = gen.r.choice(list(EXPECTED)) if gen.r.random() < inject else None
            results.append(submit_once(Browser(port, next(addresses)), gen, bad))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - t0


def address_pool(first: int):
    """10.x.y.z, one per citizen (itertools.count is safe to share between threads)."""
    return (f"10.{k >> 16 & 255}.{k >> 8 & 255}.{k & 255}" for k in itertools.count(first))


def pct(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values) or [float("nan")]
    return "/".join(f"{ms[min(len(ms) - 1, round(q / 100 * (len(ms) - 1)))]:.0f}" for q in (50, 95, 99))


def burst(port: int, n: int) -> list[Outcome]:
    """``n`` submissions in a row from one address and one browser (a script hammering the form)."""
    browser, gen, out = Browser(port, "192.0.2.77"), Petitions(SEED - 1), []
    for _ in range(n):
        out.append(submit_once(browser, gen))
        if out[-1].kind.startswith("error:"):
            break  # reported as an error; the server is in trouble, do not wait n timeouts
    return out


def query_check(port: int, out: Outcome, address: str, code: str | None = None) -> tuple[int, str]:
    """Number + query code on the query page as a new visitor; the progress page it redirects to."""
    browser = Browser(port, address)
    _, _, page = browser.request("GET", QUERY)
    token = HIDDEN["csrfmiddlewaretoken"].search(page)
    form = {
        "csrfmiddlewaretoken": token.group(1) if token else "",
        "number": out.number,
        "code": code or out.code,
    }
    status, headers, page = browser.request(
        "POST", QUERY, urlencode(form).encode(), "application/x-www-form-urlencoded"
    )
    if status == 302:
        status, _, page = browser.request("GET", headers["Location"])
    return status, html.unescape(page)


def setup(args) -> dict:
    """Schema, organisation, optional preload; what the checks need to know about the state before the run."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from xinfang.cases.models import Matter, MatterSequence
    from xinfang.portal import security
    from xinfang.portal.actor import portal_unit
    from xinfang.testing.factories import build_world

    call_command("migrate", verbosity=0)
    world = build_world()
    t0 = time.perf_counter()
    if args.preload:
        intake.preload(world, intake.Gen(SEED, world.units["ns_housing"].pk), args.preload)
    preload_s = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute("select sqlite_version()" if connection.vendor == "sqlite" else "show server_version")
        version = cur.fetchone()[0].split()[0]
    unit = portal_unit()
    assert unit is not None
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
    print(
        f"\n== {name} {version}: {Matter.objects.count():,} matters preloaded in {preload_s:.1f} s; ", end=""
    )
    threads = f"×{args.threads} threads" if args.worker_class == "gthread" else ""
    print(
        f"gunicorn {args.workers}×{args.worker_class}{threads}; portal unit {unit.name} ({unit.region.code})"
    )
    limits = [security.submit_limit(), security.submit_attempt_limit(), security.query_limit()]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        "rate limits (production values): " + ", ".join(f"{x.name} {x.count}/{x.seconds} s" for x in limits)
    )
    proxies = ",".join(settings.XINFANG_PORTAL_TRUSTED_PROXIES)
    print(f"  per address, counted in {cache}; XINFANG_PORTAL_TRUSTED_PROXIES={proxies} and every citizen")
    print("  its own X-Forwarded-For address (10.x.y.z), as behind a reverse proxy")
    first_pk = Matter.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    seq_before = {(s.scope, s.year): s.last for s in MatterSequence.objects.all()}
    connection.close()
    return dict(name=name, first_pk=first_pk, seq_before=seq_before, cache=cache)


def drive(args) -> dict:
    """gunicorn up: warm-up, the measured load, the one-address burst and the query-page sample."""
    from xinfang.cases.models import Matter

    addresses, pg_url, out = address_pool(1), os.environ.get("DATABASE_URL"), {}
    with intake.gunicorn(args) as (port, master):
        wait_ready(port, master)
        warm, _ = run_clients(port, min(args.clients, 2 * args.workers), 3, addresses, 0)
        if not any(o.kind == "ack" for o in warm):
            raise SystemExit(f"warm-up failed: {Counter(o.kind for o in warm)}\n{gunicorn_log()}")
        out["load0"], sampler = os.getloadavg(), portal_checks.CpuSampler(master, pg_url)
        sampler.sample(baseline=True)
        sampler.start()
        cpu0 = time.process_time()
        out["results"], out["wall"] = run_clients(port, args.clients, args.duration, addresses, INJECT)
        out["client_cpu"], out["cpu"] = time.process_time() - cpu0, sampler.totals()
        out["load1"] = os.getloadavg()
        before = Matter.objects.count()
        out["burst"] = burst(port, args.burst)
        out["burst_written"] = Matter.objects.count() - before
        out["acked"] = acked = {o.number: o for o in warm + out["results"] + out["burst"] if o.kind == "ack"}
        numbers = sorted(o.number for o in out["results"] if o.kind == "ack")
        out["sample"] = sample = random.Random(SEED).sample(numbers, min(args.sample, len(numbers)))
        out["checks"] = [query_check(port, acked[n], f"172.16.0.{i + 1}") for i, n in enumerate(sample)]
        bad_code = "ABCD-EFGH-JKLM"
        out["wrong"] = query_check(port, acked[sample[0]], "172.16.1.1", bad_code) if sample else (0, "")
    return out


def wait_ready(port: int, master: int, seconds: float = 60) -> None:
    """Until the portal answers; a master that exits (workers failed to boot) ends the bench at once instead
    of leaving every request to time out on the socket this process still holds."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        with suppress(OSError, http.client.HTTPException):
            if Browser(port, "192.0.2.1").request("GET", "/portal/")[0] == 200:
                return
        stat = Path(f"/proc/{master}/stat")
        if not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] in "ZX":
            break
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not come up\n{gunicorn_log()}")


def gunicorn_log(lines: int = 15) -> str:
    log = (Path(os.environ["XINFANG_VAR_DIR"]) / "gunicorn.log").read_text(errors="replace")
    return "  gunicorn.log (tail):\n    " + "\n    ".join(log.strip().splitlines()[-lines:])


def ms(seconds: float, n: int) -> str:
    return f"{seconds * 1000 / max(1, n):.1f}"


def report(args, ctx: dict, run: dict) -> list[str]:
    """Print the figures and the checks; returns what failed."""
    from xinfang.portal import security

    results, wall, cpu = run["results"], run["wall"], run["cpu"]
    kinds, ok = Counter(o.kind for o in results), [o for o in results if o.kind == "ack"]
    expected = {k.split(":")[1]: n for k, n in kinds.items() if k.startswith("expected:")}
    errors = {k: n for k, n in kinds.items() if k.startswith("error:")}
    unexpected = {
        k: n for k, n in kinds.items() if k != "ack" and k.split(":")[0] not in ("expected", "error")
    }
    print(
        f"load: {args.clients} clients × {args.duration:g} s (all done after {wall:.1f} s): {len(results)} ",
        end="",
    )
    print(f"submissions ({len(results) / wall:.1f}/s), {len(ok)} acknowledged (number + query code shown)")
    print(f"  refused as expected (injected invalid): {sum(expected.values())} {expected}; ", end="")
    print(f"refused otherwise: {sum(unexpected.values())}{f' {unexpected}' if unexpected else ''}; ", end="")
    print(f"errors (5xx, timeouts, connection): {sum(errors.values())}{f' {errors}' if errors else ''}")
    if unexpected or errors:
        details = Counter(o.detail or o.kind for o in results if o.kind in unexpected or o.kind in errors)
        print(f"  messages: {dict(details.most_common(5))}")
        print(gunicorn_log())
    post = pct([o.post_s for o in ok])
    print(f"  acknowledged/s {len(ok) / wall:.1f}; latency ms p50/p95/p99: POST {post}, ", end="")
    print(f"GET+POST {pct([o.total_s for o in ok])}")
    db_cpu = (
        f" + PostgreSQL backends {ms(cpu.get('postgres', 0), len(ok))}"
        if "DATABASE_URL" in os.environ
        else ""
    )
    workers = ms(cpu.get("workers", 0), len(ok))
    print(f"  CPU ms per acknowledged submission: gunicorn workers {workers}{db_cpu}; ", end="")
    print(f"load generator (this process) {ms(run['client_cpu'], len(ok))}")
    load0, load1 = ("/".join(f"{x:.1f}" for x in run[k]) for k in ("load0", "load1"))
    print(f"  load average before {load0}, after {load1} ({os.cpu_count()} CPUs)")

    hammer, limit = Counter(o.kind for o in run["burst"]), security.submit_limit().count
    acks, written = hammer["ack"], run["burst_written"]
    burst_ok = hammer["throttled"] > 0 and written == acks <= limit and set(hammer) <= {"ack", "throttled"}
    print(f"throttle: {args.burst} submissions in a row from one address: {acks} acknowledged, ", end="")
    other = sum(hammer.values()) - acks - hammer["throttled"]
    print(f"{hammer['throttled']} refused (429 “{THROTTLED}”), other {other}; ", end="")
    print(f"matters written {written} — {'OK' if burst_ok else 'FAILED'}")

    acked, sample = run["acked"], run["sample"]
    pairs = zip(run["checks"], sample, strict=True)
    queried = sum(st == 200 and n in page and acked[n].title in page for (st, page), n in pairs)
    wrong_ok = run["wrong"][0] == 400 and WRONG_CODE in run["wrong"][1]
    print(f"query: {queried}/{len(sample)} sampled number + code → progress page shows the matter; ", end="")
    print(f"wrong code refused: {'yes' if wrong_ok else 'NO'}")

    facts, problems = portal_checks.verify(acked, ctx["first_pk"], ctx["seq_before"])
    for line in facts:
        print(f"exactly-once: {line}")
    for line in problems[:20]:
        print(f"  problem: {line}")
    failed = problems + [f"errors {errors}"] * bool(errors) + [f"refused {unexpected}"] * bool(unexpected)
    failed += ["throttle"] * (not burst_ok) + ["query"] * (
        not sample or queried != len(sample) or not wrong_ok
    )
    return failed


def run_one(args) -> int:
    import django

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]  # progress even when piped
    django.setup()
    ctx = setup(args)
    failed = report(args, ctx, drive(args))
    print(
        f"{'FAIL' if failed else 'PASS'} ({ctx['name']})" + (f": {'; '.join(failed[:5])}" if failed else "")
    )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=50, help="concurrent submitters")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--preload", type=int, default=20_000, help="matters present before the run")
    parser.add_argument("--burst", type=int, default=30, help="submissions in a row from one address")
    parser.add_argument("--sample", type=int, default=20, help="acknowledgements checked on the query page")
    parser.add_argument("--quick", action="store_true", help="10 clients, 10 s, no preload")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres", help="admin DB")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.clients, args.duration, args.preload = 10, 10, 0
    if args.child:
        return run_one(args)

    failed = 0
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        with tempfile.TemporaryDirectory(prefix=f"xinfang-portal-{db}-") as var_dir:
            (Path(var_dir) / "static").mkdir()
            try:
                if db == "postgres":
                    intake.pg_admin(args.pg_url, DROP_SQL, f"CREATE DATABASE {BENCH_DB}")
                cmd = [sys.executable, __file__, *sys.argv[1:], "--child", "--db", db]  # the last --db wins
                env = intake.child_env(db, var_dir, args.pg_url)
                env["XINFANG_PORTAL_TRUSTED_PROXIES"] = "127.0.0.1"  # the bench is the reverse proxy
                if db == "postgres":
                    env["DATABASE_URL"] = f"{args.pg_url.rsplit('/', 1)[0]}/{BENCH_DB}"
                failed += subprocess.run(cmd, env=env, cwd=ROOT).returncode > 0
            except psycopg.Error as exc:
                print(f"\n== PostgreSQL skipped: cannot create {BENCH_DB} via {args.pg_url}: {exc}")
                failed += 1
        if db == "postgres":
            with suppress(psycopg.Error):
                intake.pg_admin(args.pg_url, DROP_SQL)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
