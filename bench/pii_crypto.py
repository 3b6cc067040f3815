"""Personal-data encryption and blind indexes per call: Fernet against SM4-GCM, HMAC-SHA256 against HMAC-SM3
(xinfang/core/crypto.py), on the values a registration seals. See bench/README.md.

.venv/bin/python bench/pii_crypto.py [--n 20000]
"""

from __future__ import annotations

import argparse
import secrets
import time
from collections.abc import Callable

from cryptography.fernet import Fernet
from django.conf import settings

# Throw-away keys; crypto reads nothing else of the settings.
settings.configure(
    XINFANG_PII_KEYS=[Fernet.generate_key().decode()],
    XINFANG_PII_SM4_KEYS=[secrets.token_hex(16)],
    XINFANG_PII_ALGORITHM="fernet",
    XINFANG_BLIND_INDEX_KEY=secrets.token_urlsafe(32),
    XINFANG_BLIND_INDEX_ALGORITHM="hmac-sha256",
)

from xinfang.core import crypto  # noqa: E402  (after the settings it reads)

# What one petitioner of a registration carries: ID number, mobile, address (the address is the longest).
VALUES = ["440305198001010011", "13800138000", "广东省深圳市南山区桂庙路1号某某花园3栋1201"]


def per_call_us(fn: Callable[[str], object], values: list[str], n: int) -> float:
    """Best of 5 runs of ``n`` calls, in CPU µs per call: process time leaves out the waits for a core when
    the machine is shared, and the best run is the least disturbed by the rest."""
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        for i in range(n):
            fn(values[i % len(values)])
        best = min(best, time.process_time() - t0)
    return best / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="calls per run")
    n = parser.parse_args().n
    rows = []
    for algorithm in crypto.PII_ALGORITHMS:
        settings.XINFANG_PII_ALGORITHM = algorithm
        tokens = [crypto.encrypt(v) for v in VALUES]
        enc = per_call_us(crypto.encrypt, VALUES, n)
        dec = per_call_us(crypto.decrypt, tokens, n)
        rot = per_call_us(crypto.rotate, tokens, n)
        rows.append((algorithm, enc, dec, rot))
    print(f"{'CPU µs/call':<12}{'encrypt':>12}{'decrypt':>12}{'rotate':>12}")
    for algorithm, enc, dec, rot in rows:
        print(f"{algorithm:<12}{enc:>12.1f}{dec:>12.1f}{rot:>12.1f}")
    indexes = []
    print(f"{'CPU µs/call':<12}{'blind_index':>12}")
    for algorithm in crypto.BLIND_INDEX_ALGORITHMS:
        settings.XINFANG_BLIND_INDEX_ALGORITHM = algorithm
        us = per_call_us(lambda v: crypto.blind_index("id_number", v), VALUES[:2], n)
        indexes.append((algorithm, us))
        print(f"{algorithm:<12}{us:>12.1f}")
    # A registration of one petitioner seals 3 values and computes 2 blind indexes (petitioner_sealed).
    for (algorithm, enc, _, _), (index, us) in zip(rows, indexes, strict=True):
        print(f"per petitioner sealed, {algorithm} + {index}: {3 * enc + 2 * us:.0f} CPU µs")


if __name__ == "__main__":
    main()
