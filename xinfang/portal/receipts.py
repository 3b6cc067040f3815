"""The plain query code kept for the 登记回执: in the session of whoever submitted (the citizen on the portal,
the registrar at the desk) for a short time, sealed with a key that only their browser holds.

Sessions are rows of the database (Django's ``db`` session backend), so a code put in one as it is would be
a plain code in the database — in every dump and backup, and valid until it is replaced. The session keeps
it encrypted (Fernet) under a random key that goes to the browser as an HttpOnly cookie and is never stored
by the server: the database (with all the server's keys) cannot open it, the browser alone does not have it.
Each entry ends after ``shown_seconds()`` and is then dropped; the code is not shown again — the petitioner
has a new one texted to the phone they gave (找回查询码) if it is lost.
"""

from __future__ import annotations

import binascii
import time
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.http import HttpRequest, HttpResponse

SESSION = "xinfang_receipts"  # {namespace: {number: {"sealed": Fernet token, "until": Unix seconds}}}
COOKIE = "xinfang_receipt_key"
MAX_KEPT = 5  # receipts per namespace: a desk registering all day keeps only its latest few

PORTAL = "portal"  # a citizen's own submissions
STAFF = "staff"  # codes a registrar made for walk-in, letter and phone petitioners


def shown_seconds() -> int:
    return int(getattr(settings, "XINFANG_PORTAL_CODE_SHOWN_MINUTES", 30)) * 60


@dataclass(frozen=True)
class Shelved:
    number: str
    code: str | None  # None: the entry is there but this browser no longer holds the key to open it
    until: int


def _now() -> int:
    return int(time.time())


def _fernet(key: str) -> Fernet | None:
    try:
        return Fernet(key.encode())
    except (ValueError, binascii.Error):
        return None


def _live(request: HttpRequest, namespace: str) -> dict[str, dict[str, Any]]:
    """This namespace's entries that are still in time; drops the others from the session."""
    store = request.session.get(SESSION) or {}
    entries = store.get(namespace) or {}
    now = _now()
    live = {n: e for n, e in entries.items() if isinstance(e, dict) and int(e.get("until", 0)) > now}
    if len(live) != len(entries):
        request.session[SESSION] = {**store, namespace: live}
    return live


def browser_key(request: HttpRequest) -> str:
    """The key this browser holds, or a new one (to be given with the answer: ``give_key``)."""
    key = request.COOKIES.get(COOKIE, "")
    return key if _fernet(key) is not None else Fernet.generate_key().decode()


def shelve(request: HttpRequest, *, namespace: str, number: str, code: str) -> str:
    """Keep ``code`` for ``number``'s receipt in this session; returns the browser's key, which the answer
    must carry (``give_key``). A key the browser already holds is kept, so its earlier receipts stay
    readable."""
    key = browser_key(request)
    fernet = Fernet(key.encode())
    live = _live(request, namespace)
    live.pop(number, None)
    live[number] = {
        "sealed": fernet.encrypt(code.encode()).decode(),
        "until": _now() + shown_seconds(),
    }
    kept = dict(sorted(live.items(), key=lambda item: item[1]["until"])[-MAX_KEPT:])
    request.session[SESSION] = {**(request.session.get(SESSION) or {}), namespace: kept}
    return key


# The key opens nothing by itself — only this session's entries, each of which ends after shown_seconds() —
# so it may outlive them: the portal gives it with the form, which may take a while to fill in.
KEY_SECONDS = 12 * 3600


def give_key(response: HttpResponse, key: str) -> None:
    response.set_cookie(
        COOKIE,
        key,
        max_age=max(KEY_SECONDS, shown_seconds()),
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def shelved(request: HttpRequest, *, namespace: str, number: str) -> Shelved | None:
    """The receipt kept for ``number`` in this session, with its code if this browser can still open it."""
    entry = _live(request, namespace).get(number)
    if entry is None:
        return None
    fernet = _fernet(request.COOKIES.get(COOKIE, ""))
    code = None
    if fernet is not None:
        try:
            code = fernet.decrypt(str(entry["sealed"]).encode()).decode()
        except InvalidToken:
            code = None
    return Shelved(number=number, code=code, until=int(entry["until"]))
