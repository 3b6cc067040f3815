"""Query codes, the anti-script check and the cache-based throttles of the public portal."""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from xinfang.core.markup import MARKUP_MESSAGE, has_markup, reject_markup  # noqa: F401  (re-exported)

# No 0/O/1/I: a code read aloud or copied by hand is not misread.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def new_query_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    return re.sub(r"[\s\-－—_]", "", raw or "").upper()


def format_code(code: str) -> str:
    """ABCD-EFGH-JKLM: easier to copy by hand. Dashes are ignored when the code is typed back."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def hash_code(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()


def submission_key(token: str) -> str:
    """What is stored of a form's one-time token (PortalAccess.submission_key): whoever reads the table
    cannot replay a form with it."""
    return hashlib.sha256(token.encode()).hexdigest()


# A decoy hash compared when the number is unknown, so both failures take the same path.
_DECOY = hashlib.sha256(b"xinfang-portal-decoy").hexdigest()


def code_matches(code: str, stored_hash: str | None) -> bool:
    computed = hash_code(code)
    ok = hmac.compare_digest(computed, stored_hash or _DECOY)
    return ok and stored_hash is not None


# --- anti-script ------------------------------------------------------------------------------------------

# The markup rule is one for the portal and the staff forms: xinfang/core/markup.py (imported above).


# --- throttles ---------------------------------------------------------------------------------------------

THROTTLED_MESSAGE = "尝试次数过多，请稍后再试"


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def submit_limit() -> Limit:
    return Limit("submit", _setting("XINFANG_PORTAL_SUBMITS_PER_HOUR", 5), 3600)


def submit_attempt_limit() -> Limit:
    return Limit("submit-try", _setting("XINFANG_PORTAL_SUBMIT_ATTEMPTS_PER_HOUR", 30), 3600)


# Query throttles. A limit on the failures per matter number alone lets anyone lock a citizen out of their
# own matter: a few wrong codes sent for the number from other addresses used to refuse the right code to
# everyone (issue 20). A query code (12 characters of 32: 60 bits) cannot be guessed in any number of tries
# these limits let through, so they are there to stop one address's brute force and to slow a distributed
# one, never to deny the holder:
# - per address, every query counts, right or wrong (query_limit): one address can neither try code after
#   code nor walk through numbers;
# - per number and address, wrong codes count (query_failure_limit): an address that keeps failing on a
#   number is stopped for that number;
# - per number, wrong codes from all addresses count (query_number_limit); past that limit the number is
#   under attack and every address gets one wrong code for it per window instead of several. That slows the
#   attack to one guess per address, but refuses no address that has not itself failed on the number: the
#   holder's right code, typed at an address that has not failed on it, is always checked and opens it.


def query_limit() -> Limit:
    return Limit("query", _setting("XINFANG_PORTAL_QUERIES_PER_10MIN", 10), 600)


def query_failure_limit() -> Limit:
    return Limit("query-fail", _setting("XINFANG_PORTAL_QUERY_FAILURES_PER_NUMBER", 5), 600)


def query_number_limit() -> Limit:
    # The per-number limit it replaces was XINFANG_PORTAL_QUERIES_PER_10MIN: the same number now marks the
    # number as under attack instead of refusing every address.
    return Limit("query-number", _setting("XINFANG_PORTAL_QUERIES_PER_10MIN", 10), 600)


def _number_and_address(number: str, ip: str) -> str:
    return f"number:{number}|ip:{ip}"


def query_admitted(*, ip: str, number: str) -> bool:
    """Whether a query may have its code checked (else 429); an admitted one is counted for its address."""
    per_address = query_limit()
    if is_exhausted(per_address, f"ip:{ip}"):
        return False
    allowed = 1 if is_exhausted(query_number_limit(), f"number:{number}") else query_failure_limit().count
    if current(query_failure_limit(), _number_and_address(number, ip)) >= allowed:
        return False
    count(per_address, f"ip:{ip}")
    return True


def query_failed(*, ip: str, number: str) -> None:
    """A wrong code (or an unknown number: the two are not told apart) for ``number`` from ``ip``."""
    count(query_failure_limit(), _number_and_address(number, ip))
    count(query_number_limit(), f"number:{number}")


# 找回查询码 (a new code texted to the phone given on the petition). Every answer is the same, matched or not,
# so the limits must not tell either:
# - per address, every request counts (recover_limit), right or wrong — the only refusal (429) anyone sees;
# - per number, the messages actually sent count (recover_sms_limit): past it a matching request is answered
#   as always and sends nothing. Counting tries per number instead would let anyone lock the holder out of
#   recovery with made-up phones (as issue 20 found for the query page), and a refusal that only matches
#   can trigger would tell a stranger which phone is on the petition. Nothing is gained by a right guess
#   either: the code goes to the phone on record, never to whoever asked.
# The answer also waits out a fixed time (answer_no_sooner_than), so the writes and the message a match
# causes do not show as a slower answer.


def recover_limit() -> Limit:
    return Limit("recover", _setting("XINFANG_PORTAL_RECOVERIES_PER_HOUR", 5), 3600)


def recover_sms_limit() -> Limit:
    return Limit("recover-sms", _setting("XINFANG_PORTAL_RECOVERY_SMS_PER_DAY", 3), 86400)


def recover_answer_seconds() -> float:
    return float(getattr(settings, "XINFANG_PORTAL_RECOVER_ANSWER_SECONDS", 0.8))


def answer_no_sooner_than(started: float, seconds: float) -> None:
    """Sleep until ``seconds`` have passed since ``started`` (``time.monotonic()``)."""
    left = started + seconds - time.monotonic()
    if left > 0:
        time.sleep(left)


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(f"XINFANG_PORTAL_TRUSTED_PROXIES: {exc}") from exc


def _address(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address the throttles count: REMOTE_ADDR, unless REMOTE_ADDR is one of the reverse proxies named
    in ``XINFANG_PORTAL_TRUSTED_PROXIES`` — then the right-most X-Forwarded-For entry that is not itself a
    trusted proxy. Entries further left were written by the client and are never believed."""
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    networks = _networks(tuple(getattr(settings, "XINFANG_PORTAL_TRUSTED_PROXIES", ())))
    peer = _address(remote)
    if not networks or peer is None or not any(peer in net for net in networks):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return remote  # a trusted proxy wrote garbage: count the proxy, never guess
        if not any(address in net for net in networks):
            return str(address)
    return remote


def _key(limit: Limit, subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"xinfang:portal:{limit.name}:{digest}"


def current(limit: Limit, subject: str) -> int:
    return int(cache.get(_key(limit, subject)) or 0)


def is_exhausted(limit: Limit, subject: str) -> bool:
    return current(limit, subject) >= limit.count


def count(limit: Limit, subject: str) -> int:
    key = _key(limit, subject)
    cache.add(key, 0, timeout=limit.seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.seconds)
        return 1
