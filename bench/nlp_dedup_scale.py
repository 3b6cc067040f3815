"""Scale benchmark of the MinHash LSH index: build rate, lookup latency, bytes per contact.

    .venv/bin/python bench/nlp_dedup_scale.py [--n 1000000]

Contacts are synthetic: signatures of real hotspot messages (when shared/data is present) with a fraction
of positions re-drawn per copy, so buckets have realistic near-duplicate structure; the rest are random.
Text → signature throughput is measured separately on real messages.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "tipdm2020c"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=2000)
    a = ap.parse_args()
    from xinfang.nlp.dedup import minhash
    from xinfang.nlp.dedup.index import MinHashIndex

    rng = np.random.default_rng(42)
    base = None
    if (DATA / "hotspot_messages.csv").exists():
        with (DATA / "hotspot_messages.csv").open(encoding="utf-8") as fh:
            texts = [f"{r['title']}\n{r['body']}" for r in csv.DictReader(fh)]
        t0 = time.perf_counter()
        base = minhash.signatures(texts)
        rate = len(texts) / (time.perf_counter() - t0)
        print(f"text → signature (normalise, shingle, 64 hashes), one core: {rate:,.0f} texts/s")
        many = texts * max(1, 40_000 // max(1, len(texts)))
        t0 = time.perf_counter()
        par = minhash.signatures_parallel(many)
        prate = len(many) / (time.perf_counter() - t0)
        assert (par[: len(texts)] == base).all()  # same signatures as the one-process path
        print(f"text → signature, all {os.cpu_count()} cores ({len(many):,} texts): {prate:,.0f} texts/s")
    else:
        print(f"(no real data at {DATA}: synthetic signatures only)")
    n = a.n
    sigs = rng.integers(0, 2**32, size=(n, 64), dtype=np.uint64).astype(np.uint32)
    if base is not None:
        # 30 % of contacts are noisy copies of real messages (reposts): 0–40 % of positions re-drawn.
        k = int(n * 0.3)
        src = base[rng.integers(0, len(base), size=k)]
        mask = rng.random((k, 64)) < rng.uniform(0, 0.4, size=(k, 1))
        sigs[:k] = np.where(mask, sigs[:k], src)
    times = rng.integers(1_500_000_000, 1_600_000_000, size=n)
    places = [f"4301{i:02d}" for i in range(20)]
    place_of = [places[i] for i in rng.integers(0, 20, size=n)]

    idx = MinHashIndex(merge_at=max(20_000, n // 10))
    t0 = time.perf_counter()
    batch = 10_000
    for s in range(0, n, batch):
        idx.add(
            np.arange(s, min(n, s + batch)),
            sigs[s : s + batch],
            times[s : s + batch],
            place_of[s : s + batch],
        )
    idx.merge()
    build = time.perf_counter() - t0
    print(
        f"build {n:,} contacts (from signatures, incl. final merge): {build:.1f} s "
        f"= {n / build:,.0f} contacts/s"
    )
    print(f"index memory: {idx.nbytes() / n:.0f} bytes/contact ({idx.nbytes() / 2**20:.0f} MiB)")

    lat = []
    cands = []
    for q in rng.integers(0, n, size=a.queries):
        qs = sigs[q].copy()
        qs[rng.random(64) < 0.2] = rng.integers(0, 2**32, dtype=np.uint64)
        t1 = time.perf_counter()
        res = idx.query(qs, time=int(times[q]), window_days=365, limit=20)
        lat.append(time.perf_counter() - t1)
        cands.append(len(res))
    lat_ms = np.array(lat) * 1000
    print(
        f"lookup (time window 365 d, top-20): p50 {np.percentile(lat_ms, 50):.2f} ms, "
        f"p95 {np.percentile(lat_ms, 95):.2f} ms, p99 {np.percentile(lat_ms, 99):.2f} ms; "
        f"mean results {np.mean(cands):.1f}"
    )

    t2 = time.perf_counter()
    removed = idx.remove(np.arange(0, n, 100))
    print(f"remove {removed:,} ids: {time.perf_counter() - t2:.2f} s")
    t3 = time.perf_counter()
    idx.add(np.arange(n, n + 1000), sigs[:1000], times[:1000])
    print(f"add 1,000 more (delta): {(time.perf_counter() - t3) * 1000:.1f} ms")
    tmpdir = tempfile.TemporaryDirectory()
    path = Path(tmpdir.name) / "dedup.index"
    t4 = time.perf_counter()
    header = idx.save(path)
    t5 = time.perf_counter()
    MinHashIndex.load(path)
    print(
        f"save {path.stat().st_size / 2**20:.0f} MiB in {t5 - t4:.1f} s, "
        f"load in {time.perf_counter() - t5:.1f} s "
        f"(format {header['format_version']}, count {header['count']:,})"
    )
    tmpdir.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
