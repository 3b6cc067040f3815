"""信访事项检索: find matters by words, petitioner (name, phone, ID number), unit, date, status, channel and
category — always inside ``cases.selectors.visible_matters`` (jurisdiction, routing, and the Art 30 shield of
an accusation from the accused unit), newest registration first, a page at a time.

Words go through the full-text index of ``xinfang.search`` (see ``tokens.py`` for what is indexed and
``services.py`` for how it is kept current). Why the databases' own full-text and not a search engine
(Elasticsearch, Meilisearch, a Lucene/Tantivy library):
* scope is the hard part. What a user may see is a query over assignments, joint handling, review requests
  and the accused unit's lineage, which changes with every 转送; a separate engine would hold a copy of that
  scope, stale or leaking between syncs, or would hand back ids to filter here anyway — the search would
  still end in ``visible_matters``. In the database the text condition is one more subquery of the same
  statement, and a matter out of sight is never read.
* xinfang runs offline on one intranet server with SQLite or PostgreSQL; another service to run, secure and
  back up would be a price paid for every deployment, and FTS5 and GIN are in the databases already there.
* Chinese needs segmentation, which neither database does well (FTS5's trigram needs 3 characters, most
  Chinese words have 2; PostgreSQL's parsers have no Chinese, zhparser is an extension to build). So the
  words are cut in Python by the same jieba the project's text models use, stored as space-joined tokens,
  and each database only indexes whole tokens: one behaviour on both.
Figures at 1,000,000 matters: bench/README.md (``bench/search.py``).

A search by phone or ID number looks personal data up: each is one audit event ``matter.search_pii`` naming
the kind of key and its masked value (个人信息保护法第五十一条), never the value; an auditor may not run one
(三员分立, as ``party_reveal``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.cases.models import Clock, ClockState, Matter
from xinfang.cases.selectors import JURISDICTION_KINDS, sees_jurisdiction, visible_matters
from xinfang.core import crypto
from xinfang.core.errors import PermissionDenied, ValidationFailed
from xinfang.core.pii import clean_id_number, clean_phone, mask_id_number, mask_phone
from xinfang.intake.models import Contact, ContactPetitioner, Petitioner
from xinfang.org.models import Unit
from xinfang.org.selectors import lineage_sql

from .models import IndexCursor, MatterText
from .services import CONTACTS
from .tokens import PREFIX_LENGTHS, jurisdiction_token, query_tokens

PAGE_SIZE = 25
#: Matters counted at most: the count runs over every matter that passes the filters, and beyond a thousand
#: the exact figure helps nobody find one (the page says 1000+; statistics are the reports' job).
COUNT_CAP = 1000
#: The most matters a word search takes from the full-text index, newest first (``_text_sql``).
TEXT_WINDOW = 2_000
#: No OFFSET past 64 bits (a made-up ?page= was a 500 in the API once): 25 a page, 25 million matters.
MAX_PAGE = 1_000_000
# A matter number or part of one (440300-2026-000123): a look-up by number, not by words.
_NUMBER_RE = re.compile(r"[0-9A-Za-z]*\d[0-9A-Za-z]*(?:-[0-9A-Za-z]*)+")
_WHOLE_NUMBER_RE = re.compile(r"\d{2,12}-\d{4}-\d{6}")


@dataclass(frozen=True)
class SearchPage:
    items: list[Matter]
    number: int
    page_size: int
    count: int  # matters found, at most COUNT_CAP
    count_capped: bool  # there may be more: over COUNT_CAP, or the words were in more than TEXT_WINDOW
    has_next: bool
    text_window_full: bool = False  # only the newest TEXT_WINDOW matters holding the words were searched
    text_window: int = TEXT_WINDOW

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


@dataclass(frozen=True)
class _PiiKey:
    kind: str  # "phone" | "id_number"
    digest: str
    masked: str


def _pii_keys(phone: str | None, id_number: str | None) -> list[_PiiKey]:
    keys = []
    if phone and phone.strip():
        value = clean_phone(phone)
        keys.append(_PiiKey("phone", crypto.blind_index("phone", value), mask_phone(value)))
    if id_number and id_number.strip():
        value = clean_id_number(id_number)
        keys.append(_PiiKey("id_number", crypto.blind_index("id_number", value), mask_id_number(value)))
    return keys


def _matters_of_people(column: str, value: str) -> RawSQL:
    """Ids of the matters whose contacts name a petitioner whose ``column`` is ``value`` — or the record such
    a petitioner was merged into (信访人合并 moves the contacts; the duplicate's name and blind indexes still
    lead there). Written out so that both planners start from the petitioner's index: an OR of two IN lists
    made PostgreSQL scan every party."""
    qn = connection.ops.quote_name
    person, party, contact = (qn(m._meta.db_table) for m in (Petitioner, ContactPetitioner, Contact))
    if column not in {"name", "phone_hash", "id_number_hash"}:  # a column name, never a value
        raise ValueError(column)
    # Names come from the models and the set above; the value is a parameter.
    sql = (
        f"SELECT c.matter_id FROM {contact} c JOIN {party} cp ON cp.contact_id = c.id "  # noqa: S608
        f"WHERE cp.petitioner_id IN (SELECT id FROM {person} WHERE {column} = %s "
        f"UNION SELECT merged_into_id FROM {person} WHERE {column} = %s AND merged_into_id IS NOT NULL)"
    )
    return RawSQL(sql, [value, value])  # noqa: S611


def _tail_sql() -> str:
    """The contacts the indexer has not read yet (above its cursor; parameter: ``CONTACTS``)."""
    qn = connection.ops.quote_name
    cursor = f"SELECT COALESCE(MAX(last_id), 0) FROM {qn(IndexCursor._meta.db_table)} WHERE name = %s"  # noqa: S608
    return f"SELECT matter_id FROM {qn(Contact._meta.db_table)} WHERE id > ({cursor})"  # noqa: S608


@dataclass(frozen=True)
class _Window:
    """The indexed matters first received in a date range, as the range of their ids: ``lo``/``hi`` are
    scalar subqueries (None: that end is open), each taking ``params``."""

    lo: str | None
    hi: str | None
    params: list[Any]

    def between(self, column: str) -> tuple[str, list[Any]]:
        parts, params = [], []
        for bound, op in ((self.lo, ">="), (self.hi, "<=")):
            if bound:
                parts.append(f"{column} {op} {bound}")
                params += self.params
        return " AND ".join(parts), params


def _received_window(received_from: dt.date | None, received_to: dt.date | None) -> _Window | None:
    """A deployment registers what arrives in the order it arrives, so the matters received in a range lie
    between two ids: found in ``search_mattertext``'s (first_received_at, matter) index, that id range lets
    the unit indexes of cases_matter — (unit, id) on both databases — and the full-text index skip the
    other years. Exact whatever the order: the bounds are the lowest and highest id actually received in the
    range. Matters not indexed yet are not in that table; callers add the tail (``_tail_sql``)."""
    if not (received_from or received_to):
        return None
    qn = connection.ops.quote_name
    where, params = [], []
    if received_from:
        where.append("first_received_at >= %s")
        params.append(connection.ops.adapt_datetimefield_value(_day_start(received_from)))
    if received_to:
        where.append("first_received_at < %s")
        params.append(
            connection.ops.adapt_datetimefield_value(_day_start(received_to + dt.timedelta(days=1)))
        )
    # Names come from the model; the dates are parameters.
    of = f"FROM {qn(MatterText._meta.db_table)} WHERE {' AND '.join(where)}"
    # An empty range gives NULL bounds, and NULL compares false: only the tail is left. ``+ 0``: otherwise
    # both planners answer MIN/MAX by walking the primary key from one end until a row falls in the range
    # (a second for a range in the middle of five years), instead of reading the range from the date index.
    return _Window(
        lo=f"(SELECT MIN(matter_id + 0) {of})" if received_from else None,
        hi=f"(SELECT MAX(matter_id + 0) {of})" if received_to else None,
        params=params,
    )


def _text_sql(tokens: list[str], place: str | None, window: _Window | None) -> tuple[RawSQL, bool]:
    """Ids of the matters holding every token, and whether the words were in more matters than the search
    looks at.

    * The full-text index gives the newest ``TEXT_WINDOW`` matters holding every token (in the date range
      if one is asked), read once here and handed to the page and the count as a list. A common word is in
      a fifth of all matters; reading them all to keep a department's few would cost seconds at a million
      matters, and a page shows 25. The page says when the window was full (``SearchPage.text_window_full``):
      more words or a date range reach further back.
    * ``place``: a bureau's jurisdiction token (``tokens.jurisdiction_token``): the index then gives only
      the matters in the bureau's region — the rows the scope keeps anyway, and the window holds its newest.
    * Plus the contacts the indexer has not read yet, matched word by word with LIKE: a petition is found the
      moment it is registered, not one indexer run later."""
    qn = connection.ops.quote_name
    wanted = [*tokens, place] if place else tokens
    if connection.vendor == "postgresql":
        column = "matter_id"
        indexed = (
            f"FROM {qn(MatterText._meta.db_table)} "
            "WHERE search_tsvector(tokens) @@ plainto_tsquery('simple'::regconfig, %s)"
        )
        match, like = " ".join(wanted), "ILIKE"
    else:
        column = "rowid"
        indexed = "FROM search_matter_fts WHERE search_matter_fts MATCH %s"
        # Implicit AND of quoted tokens (letters, digits and CJK only: nothing FTS5 could misread).
        match, like = " ".join(f'"{t}"' for t in wanted), "LIKE"  # SQLite's LIKE ignores ASCII case
    params: list[Any] = [match]
    if window:
        between, extra = window.between(column)
        indexed, params = f"{indexed} AND {between}", params + extra
    # One more than the window: whether there were more.
    if connection.vendor == "postgresql":
        newest, newest_params = _newest_in_slices(indexed, params, limit=TEXT_WINDOW + 1)
    else:
        # FTS5 reads a term's rows newest first by itself and stops at the limit.
        newest = f"SELECT rowid {indexed} ORDER BY rowid DESC LIMIT {TEXT_WINDOW + 1}"
        newest_params = params
    with connection.cursor() as cursor:
        cursor.execute(newest, newest_params)
        ids = [row[0] for row in cursor.fetchall()]
    full = len(ids) > TEXT_WINDOW
    listed = (
        "SELECT unnest(%s::bigint[])"
        if connection.vendor == "postgresql"
        else "SELECT value FROM json_each(%s)"  # SQLite: the list as a JSON array, one parameter
    )
    ids_param: Any = ids[:TEXT_WINDOW] if connection.vendor == "postgresql" else json.dumps(ids[:TEXT_WINDOW])
    # Tokens hold no % or _ (tokens._WORD_RE): they go into the patterns as they are.
    each = " AND ".join(f"(title {like} %s OR request {like} %s OR facts {like} %s)" for _ in tokens)
    tail_params: list[Any] = [CONTACTS]
    for token in tokens:
        tail_params += [f"%{token}%"] * 3
    found = RawSQL(f"{listed} UNION ALL {_tail_sql()} AND {each}", [ids_param, *tail_params])  # noqa: S611
    return found, full


#: PostgreSQL: slices of matter ids below the newest, each five times deeper (see ``_newest_in_slices``).
_SLICES = (20_000, 100_000, 500_000)


def _newest_in_slices(indexed: str, params: list[Any], limit: int) -> tuple[str, list[Any]]:
    """The newest ``limit`` ids of ``indexed`` (a FROM … WHERE on search_mattertext) on PostgreSQL.

    GIN answers with every row holding the words, in no order, and each must be read from the table for its
    matter id: for a word in a fifth of a million matters, 200,000 rows. So the ids are taken slice by slice
    from the newest — the last 20,000 matters, the 80,000 before them, 400,000 more, the rest — each slice the
    index's rows ANDed with a primary-key range, and the outer LIMIT stops the (sequential) Append as soon as
    the window is full: a common word is done in the first slice, a rare one reads all four, which hold
    few rows. ``+ 0``: ordered by the key itself, the planner would walk the key backwards and compute the
    tsvector of every row it passes."""
    table = connection.ops.quote_name(MatterText._meta.db_table)
    top = f"(SELECT COALESCE(MAX(matter_id), 0) FROM {table})"  # noqa: S608
    bounds = [None, *_SLICES, None]
    parts, all_params = [], []
    for upper, lower in itertools.pairwise(bounds):
        cond = []
        if upper is not None:
            cond.append(f"matter_id <= {top} - {upper}")
        if lower is not None:
            cond.append(f"matter_id > {top} - {lower}")
        where = " AND ".join(cond) if cond else "TRUE"
        # Names come from the model, the slices and the limit from constants; values are parameters.
        parts.append(f"(SELECT matter_id {indexed} AND {where} ORDER BY matter_id + 0 DESC LIMIT {limit})")
        all_params += params
    return f"SELECT * FROM ({' UNION ALL '.join(parts)}) w LIMIT {limit}", all_params  # noqa: S608


def _unit_sql(unit_id: int, window: _Window) -> RawSQL:
    """Ids of the matters registered or handled by the unit in the date window, from the unit indexes with
    the window's id range (SQLite reads just that stretch of each index), plus the tail."""
    qn = connection.ops.quote_name
    matter = qn(Matter._meta.db_table)
    between, extra = window.between("id")
    sql = " UNION ALL ".join(
        f"SELECT id FROM {matter} WHERE {column} = %s AND {between}"  # noqa: S608
        for column in ("registering_unit_id", "handling_unit_id")
    )
    params = [unit_id, *extra, unit_id, *extra, CONTACTS]
    return RawSQL(f"{sql} UNION ALL {_tail_sql()}", params)  # noqa: S611


def _words(qs: QuerySet[Matter], q: str, actor: Any, window: _Window | None) -> tuple[QuerySet[Matter], bool]:
    """``qs`` narrowed to the matters ``q`` names: a number, or words (which reads the full-text index now,
    once: see ``_text_sql``). The flag: the words were in more matters than the window."""
    if _NUMBER_RE.fullmatch(q):
        if _WHOLE_NUMBER_RE.fullmatch(q):
            return qs.filter(number=q), False
        return qs.filter(number__icontains=q), False
    tokens = query_tokens(q)
    if not tokens:
        # Only stop words or punctuation (的, ？): nothing the index holds; the title as typed, as before.
        return qs.filter(title__icontains=q), False
    # A bureau sees its jurisdiction (cases.selectors.visible_matters): the index can narrow to it as well.
    place = jurisdiction_token(actor.unit.region.prefix) if sees_jurisdiction(actor) else None
    found, full = _text_sql(tokens, place, window)
    return qs.filter(pk__in=found), full


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _found(
    actor: Any,
    *,
    q: str | None = None,
    name: str | None = None,
    pii: list[_PiiKey] | None = None,
    unit_id: int | None = None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
    status: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    matter_type: str | None = None,
    alert: str | None = None,
) -> tuple[QuerySet[Matter], bool]:
    qs = visible_matters(actor)
    window = _received_window(received_from, received_to)
    window_full = False
    if q and q.strip():
        qs, window_full = _words(qs, q.strip(), actor, window)
    if name and name.strip():
        qs = qs.filter(pk__in=_matters_of_people("name", name.strip()))
    for key in pii or []:
        qs = qs.filter(pk__in=_matters_of_people(f"{key.kind}_hash", key.digest))
    if unit_id:
        qs = qs.filter(Q(registering_unit_id=unit_id) | Q(handling_unit_id=unit_id))
        if window:
            qs = qs.filter(pk__in=_unit_sql(unit_id, window))
    elif window:
        between, params = window.between("id")
        in_window = RawSQL(f"SELECT id FROM {_matter_table()} WHERE {between}", params)  # noqa: S608, S611
        qs = qs.filter(Q(pk__in=in_window) | Q(pk__in=RawSQL(_tail_sql(), [CONTACTS])))  # noqa: S611
    # The dates themselves, exactly: the id ranges above only narrow what is read.
    if received_from:
        qs = qs.filter(first_received_at__gte=_day_start(received_from))
    if received_to:
        qs = qs.filter(first_received_at__lt=_day_start(received_to + dt.timedelta(days=1)))
    if status:
        qs = qs.filter(status=status)
    if matter_type:
        qs = qs.filter(matter_type=matter_type)
    if category and category.strip():
        # Categories are paths (城乡建设/物业管理): a first level finds everything under it.
        qs = qs.filter(category__startswith=category.strip())
    if channel:
        qs = qs.filter(Exists(Contact.objects.filter(matter=OuterRef("pk"), channel=channel)))
    if alert:
        running = Clock.objects.filter(matter=OuterRef("pk"), state=ClockState.RUNNING, alert=alert)
        qs = qs.filter(Exists(running))
    return qs.order_by("-pk"), window_full


def _matter_table() -> str:
    return connection.ops.quote_name(Matter._meta.db_table)


def matters_found(actor: Any, **criteria: Any) -> QuerySet[Matter]:
    """The matters in ``actor``'s sight that meet every given condition (the keyword arguments of
    ``matter_search`` but ``phone``/``id_number``, which come checked and hashed as ``pii``), newest
    registration first. The ordering is the primary key's (the registration order): both databases walk it
    backwards and stop at the page instead of sorting everything found. With words, the full-text index is
    read here, once."""
    return _found(actor, **criteria)[0]


def matter_search(
    actor: Any,
    *,
    q: str | None = None,
    name: str | None = None,
    phone: str | None = None,
    id_number: str | None = None,
    unit_id: int | None = None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
    status: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    matter_type: str | None = None,
    alert: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> SearchPage:
    """One page of ``matters_found``, with the count up to ``COUNT_CAP``: two statements (three with words:
    the full-text index first) whatever is asked. A phone or ID number is checked (format, check
    digit) before anything is read, and the search is then recorded as one ``matter.search_pii`` event."""
    pii = _pii_keys(phone, id_number)
    if pii and getattr(actor, "has_role", None) and actor.has_role("auditor"):
        raise PermissionDenied(
            "auditor_read_only", "审计员只能查阅审计日志，不能按证件号码或电话检索信访事项（三员分立）"
        )
    if received_from and received_to and received_from > received_to:
        raise ValidationFailed("date_range", "起始日期不能晚于截止日期", field="received_from")
    number = min(max(page, 1), MAX_PAGE)
    start = (number - 1) * page_size
    # PostgreSQL settings for a word search (``_WORD_SEARCH_SETTINGS``), for its own transaction. Never a
    # transaction on SQLite: this backend's BEGIN takes the write lock (registrations would wait).
    tuned = bool(q and q.strip()) and connection.vendor == "postgresql"
    with transaction.atomic() if tuned else nullcontext():
        if tuned:
            _index_only_for_words()
        qs, window_full = _found(
            actor,
            q=q,
            name=name,
            pii=pii,
            unit_id=unit_id,
            received_from=received_from,
            received_to=received_to,
            status=status,
            channel=channel,
            category=category,
            matter_type=matter_type,
            alert=alert,
        )
        rows = list(qs.select_related("registering_unit", "handling_unit")[start : start + page_size + 1])
        count = qs.order_by()[: COUNT_CAP + 1].count()
    if pii:
        with transaction.atomic():
            record_event(
                actor=actor,
                verb="matter.search_pii",
                subject=actor,
                new={
                    "keys": [{"kind": key.kind, "value": key.masked} for key in pii],
                    "found": min(count, COUNT_CAP),
                    "more": count > COUNT_CAP or window_full,
                },
                reason="按证件号码或电话检索信访事项",
            )
    return SearchPage(
        items=rows[:page_size],
        number=number,
        page_size=page_size,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP or window_full,
        has_next=len(rows) > page_size,
        text_window_full=window_full,
        text_window=TEXT_WINDOW,
    )


#: For a word search's transaction on PostgreSQL (``_index_only_for_words``).
_WORD_SEARCH_SETTINGS = {
    # A word in nine matters in ten makes a sequential scan look as good as the index to the planner, which
    # then computes the tsvector of every row: a minute at a million matters.
    "enable_seqscan": "off",
    # The costs that keep it from that cross the JIT threshold; compiling takes longer than these run.
    "jit": "off",
    # The index's bitmap of a common word's rows must stay exact: a lossy one has every row of its pages
    # parsed again (the default 4 MB went lossy at 200,000 rows).
    "work_mem": "64MB",
    # The slices of ``_newest_in_slices`` are read in order, newest first; a parallel Append would mix them.
    "max_parallel_workers_per_gather": "0",
}


def _index_only_for_words() -> None:
    """The settings above, for this transaction only (PostgreSQL)."""
    pairs = ", ".join("set_config(%s, %s, true)" for _ in _WORD_SEARCH_SETTINGS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pairs}", [x for pair in _WORD_SEARCH_SETTINGS.items() for x in pair])


def search_units(actor: Any) -> QuerySet[Unit]:
    """The units offered in the search form: those in the actor's region and below it, its own parent units,
    and the bureaus and governments over its region (who register and route what it handles) — every unit
    that registers or handles what it sees in the usual course. Any unit id still filters correctly; this is
    only the list, read in one statement."""
    unit = getattr(actor, "unit", None)
    if unit is None:
        return Unit.objects.none()
    prefix = unit.region.prefix
    above = [prefix[:n] for n in PREFIX_LENGTHS if n < len(prefix)]
    around = (
        Q(region__prefix__startswith=prefix)
        | Q(pk__in=lineage_sql(unit.pk))
        | Q(kind__in=JURISDICTION_KINDS, region__prefix__in=above)
    )
    return Unit.objects.filter(around, is_active=True).order_by("region_id", "kind", "name")
