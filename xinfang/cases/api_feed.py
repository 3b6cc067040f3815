"""``GET /changes``: a feed of what happened to the matters a caller sees, for a 12345 centre or the system of
the level above to follow the matters it sent — without polling each matter.

**What an entry says.** Public events only (``Event.is_public``: what the petitioner may read on the
portal too — registration, 转送/交办, acceptance, extension, 意见书, service, 复查/复核, closing …), each as
the matter number, the verb's code and its Chinese label, the time and the matter's status after it. Never
the event's particulars, reasons or actors: an internal note, a name or a masked identifier does not
travel.

**Scope.** ``visible_matters`` of the caller (a token acts for its unit: a city bureau's token sees the city's
matters; 检举控告 never reach the accused unit or its sub-units). ``mine=1`` narrows it to matters with a
contact registered through this token (a session: by this user).

**Order and cursor.** Event-id order; ``next_cursor`` is opaque (today the last event id delivered, encoded)
and is sent back as ``cursor``. On SQLite writers are serialised, so ids become visible in order and every
entry is delivered once. On PostgreSQL ids are drawn from a sequence and commit out of order: an event of a
transaction still running can get a smaller id than one already visible. So the cursor only moves past
events older than ``XINFANG_FEED_SETTLE_SECONDS`` (default 10 s there, 0 on SQLite); newer ones are
delivered but come again in the next page until they settle — a reader keeps the ``id`` of what it has seen
and skips a repeat. ``has_more`` says the next page can be fetched at once; otherwise poll later."""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from ninja import Query, Router, Schema

from xinfang.audit.models import Event
from xinfang.core.errors import ValidationFailed
from xinfang.core.http import ApiRequest
from xinfang.intake.api import ErrorOut
from xinfang.intake.models import Contact

from .models import Matter, MatterStatus
from .selectors import visible_matters
from .workflow import ALLOWED

router = Router(tags=["变更订阅"])

MAX_LIMIT = 500
_PREFIX = "xf1:"
#: Every status change is written as ``matter.<action>`` (workflow.transition) with ``new.status``.
TRANSITION_VERBS = sorted({f"matter.{action}" for action in ALLOWED.values()})
#: PostgreSQL: how long after an event the cursor may pass it (see the module's docstring).
DEFAULT_SETTLE_SECONDS = 10


class ChangeOut(Schema):
    id: int
    matter_number: str
    verb: str
    verb_label: str
    occurred_at: dt.datetime
    status: str
    status_label: str


class ChangesOut(Schema):
    items: list[ChangeOut]
    next_cursor: str
    has_more: bool


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{event_id}".encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> int:
    """The event id behind ``cursor`` (0: from the start); a cursor this API did not give is refused."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    digits = text[len(_PREFIX) :] if text.startswith(_PREFIX) else ""
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise ValidationFailed(
            "cursor_invalid", "cursor 无效：请使用上次响应中的 next_cursor", field="cursor"
        )
    return int(digits)


def settle_seconds() -> float:
    configured = getattr(settings, "XINFANG_FEED_SETTLE_SECONDS", None)
    if configured is not None:
        return float(configured)
    return DEFAULT_SETTLE_SECONDS if connection.vendor == "postgresql" else 0.0


def followed_matters(actor: object, *, mine: bool) -> QuerySet[Matter]:
    matters = visible_matters(actor)
    if mine:
        # Through the contacts' (matter, ordinal) index, per candidate matter: the token and the registering
        # user carry no index of their own (each would be one more page written per registration).
        own = {"via_token": actor} if getattr(actor, "is_user", True) is False else {"registered_by": actor}
        matters = matters.filter(Exists(Contact.objects.filter(matter_id=OuterRef("pk"), **own)))
    return matters


def _statuses(page: list[Event]) -> dict[int, str]:
    """The matter's status right after each event of ``page`` (event id → status), from the status changes
    recorded up to the page's last event."""
    if not page:
        return {}
    ids = {e.matter_id for e in page}
    matters = Matter.objects.filter(pk__in=ids).only("pk", "final_matter_id")
    # Registered with a final decision on the same facts (Art 36¶3) a matter starts as 不予受理.
    initial = {
        m.pk: MatterStatus.NOT_ACCEPTED if m.final_matter_id else MatterStatus.REGISTERED for m in matters
    }
    changes: dict[int, tuple[list[int], list[str]]] = {}
    for pk, matter_id, new in (
        Event.objects.filter(matter_id__in=ids, verb__in=TRANSITION_VERBS, pk__lte=page[-1].pk)
        .order_by("pk")
        .values_list("pk", "matter_id", "new")
    ):
        if matter_id is not None and isinstance(new, dict) and new.get("status") in MatterStatus.values:
            at, status = changes.setdefault(matter_id, ([], []))
            at.append(pk)
            status.append(new["status"])
    after = {}
    for e in page:
        matter_id = e.matter_id or 0  # never None here: the feed reads events of matters only
        at, status = changes.get(matter_id, ([], []))
        i = bisect.bisect_right(at, e.pk)
        after[e.pk] = status[i - 1] if i else initial.get(matter_id, MatterStatus.REGISTERED)
    return after


@router.get(
    "/changes",
    response={200: ChangesOut, 422: ErrorOut},
    summary="变更订阅：本单位可见事项的公开办理进展（按事件顺序，游标分页）",
)
def changes(
    request: ApiRequest,
    cursor: str = Query("", max_length=200, description="上次响应的 next_cursor；缺省从头开始"),
    limit: int = Query(100, ge=1, le=MAX_LIMIT, description=f"每页条数（1–{MAX_LIMIT}）"),
    mine: bool = Query(False, description="只看经本令牌（会话：本人）登记的事项"),
):
    from xinfang.privacy.verbs import verb_label  # the labels come from every domain app (privacy/verbs.py)

    after = decode_cursor(cursor)
    matters = followed_matters(request.auth, mine=mine)
    fetched = list(
        Event.objects.filter(pk__gt=after, is_public=True, matter_id__in=matters.values("pk"))
        .order_by("pk")
        .only("pk", "matter_id", "verb", "occurred_at")[: limit + 1]
    )
    page = fetched[:limit]
    numbers = dict(Matter.objects.filter(pk__in={e.matter_id for e in page}).values_list("pk", "number"))
    status_after = _statuses(page)
    horizon = timezone.now() - dt.timedelta(seconds=settle_seconds())
    settled = after
    for e in page:
        if e.occurred_at > horizon:
            break  # this one and everything after it come again until they settle
        settled = e.pk
    items = [
        ChangeOut(
            id=e.pk,
            matter_number=numbers[e.matter_id],
            verb=e.verb,
            verb_label=verb_label(e.verb),
            occurred_at=e.occurred_at,
            status=status_after[e.pk],
            status_label=MatterStatus(status_after[e.pk]).label,
        )
        for e in page
    ]
    more = len(fetched) > limit and bool(page) and settled == page[-1].pk
    return ChangesOut(items=items, next_cursor=encode_cursor(settled), has_more=more)
