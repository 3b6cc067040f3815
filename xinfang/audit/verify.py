"""``xinfang audit verify``: the chain recomputed against the event rows as they are now (``chain.py``).

Read-only — it runs under a role that may only SELECT — and it reports, with event ids:
- a link whose event's content no longer hashes to what was sealed (the event was edited, or deleted and
  inserted again: SQLite's ``INSERT OR REPLACE``);
- a sealed event that is gone (deleted, or the table truncated);
- a link whose own hash is wrong, a link that does not follow from the one before, a missing link;
- a recorded head (``SealAnchor``, or one kept outside and given with ``--anchor``) the chain no longer
  passes through — a rewrite of the chain from some link on;
- events older than ``unsealed_after`` without a link: written behind the sealer's back (dated before its
  window), or the sealer is not running;
- an append-only trigger that is missing or disabled, or on PostgreSQL not enabled ALWAYS (then
  ``session_replication_role = replica`` skips it). Tampering usually lifts one and may forget to restore it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from .chain import GENESIS, Head, chain_head, content_hash, event_rows, link_hash, unsealed_events
from .models import Event, EventSeal, SealAnchor

# The sealer runs with the sweeper (every few minutes); an hour without a link is not a slow sealer.
UNSEALED_AFTER = dt.timedelta(hours=1)
# Findings of one kind listed one by one; beyond that only counted (a truncated table is one fact, not a
# million lines).
SHOWN_PER_KIND = 50
_CHUNK = 500  # links per read; their events are fetched by id in one query

# The append-only triggers migrations 0002 and 0006 install. PostgreSQL: (table, trigger), each enabled
# ALWAYS; SQLite: trigger names.
POSTGRESQL_GUARDS = [
    (table, f"{table}_{what}")
    for table in ("audit_event", "audit_eventseal", "audit_sealanchor")
    for what in ("no_change", "no_truncate")
]
SQLITE_GUARDS = [
    f"{table}_{what}"
    for table in ("audit_event", "audit_eventseal", "audit_sealanchor")
    for what in ("no_update", "no_delete")
]

KIND_LABELS = {
    "guard": "防篡改触发器",
    "edited": "事件被修改",
    "deleted": "事件被删除",
    "link_altered": "封存记录被改写",
    "chain_broken": "封存链断开",
    "links_missing": "封存记录缺失",
    "duplicate": "重复封存",
    "anchor": "锚点不符",
    "unsealed": "未封存事件",
}


@dataclass
class Report:
    # (kind, message), at most SHOWN_PER_KIND of each kind; counts has them all
    findings: list[tuple[str, str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    links: int = 0
    head: Head | None = None

    @property
    def ok(self) -> bool:
        return not self.counts

    def add(self, kind: str, message: str) -> None:
        self.counts[kind] += 1
        if self.counts[kind] <= SHOWN_PER_KIND:
            self.findings.append((kind, message))


def _when(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")


def _link_of(prev: str, content: str) -> str | None:
    try:
        return link_hash(prev, content)
    except ValueError:  # not hex: written by hand
        return None


def _check_guards(report: Report) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger"
                " WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal",
                [sorted({table for table, _ in POSTGRESQL_GUARDS})],
            )
            found = {(table, name): enabled for table, name, enabled in cursor.fetchall()}
            for table, name in POSTGRESQL_GUARDS:
                enabled = found.get((table, name))
                if enabled is None:
                    report.add("guard", f"防篡改触发器 {name}（{table}）不存在：已被删除")
                elif enabled == "D":
                    report.add("guard", f"防篡改触发器 {name}（{table}）已被停用（DISABLE TRIGGER）")
                elif enabled != "A":
                    report.add(
                        "guard",
                        f"防篡改触发器 {name}（{table}）未设为 ENABLE ALWAYS："
                        "session_replication_role = replica 时不生效",
                    )
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {name for (name,) in cursor.fetchall()}
            for name in SQLITE_GUARDS:
                if name not in present:
                    report.add("guard", f"防篡改触发器 {name} 不存在：已被删除")


def _walk_chain(report: Report) -> None:
    """Every link in seq order against its predecessor and against its event as it is now, one chunk of
    links (and their events) in memory at a time."""
    prev_seq, prev_link = 0, GENESIS
    query = EventSeal.objects.order_by("seq").values_list(
        "seq", "event_id", "content_hash", "prev_hash", "link_hash"
    )
    chunk = list(query[:_CHUNK])
    while chunk:
        events = {row["id"]: row for row in event_rows(Event.objects.filter(pk__in=[c[1] for c in chunk]))}
        for seq, event_id, content, prev, link in chunk:
            report.links += 1
            if seq > prev_seq + 1:
                gap = f"第 {prev_seq + 1} 环" if seq == prev_seq + 2 else f"第 {prev_seq + 1}–{seq - 1} 环"
                report.add("links_missing", f"封存链缺少{gap}：封存记录被删除")
            elif seq <= 0:
                report.add("chain_broken", f"封存链上出现序号为 {seq} 的环：封存记录被改写")
                continue
            elif prev != prev_link:
                report.add("chain_broken", f"第 {seq} 环记录的前一环哈希与第 {prev_seq} 环不符：封存链被改写")
            if _link_of(prev, content) != link:
                report.add(
                    "link_altered",
                    f"第 {seq} 环（事件 {event_id}）的本环哈希与其内容哈希不符：封存记录被改写",
                )
            row = events.get(event_id)
            if row is None:
                report.add("deleted", f"事件 {event_id}（第 {seq} 环）已不存在：封存后被删除")
            elif content_hash(row) != content:
                report.add(
                    "edited",
                    f"事件 {event_id}（第 {seq} 环，{row['verb']}，{_when(row['occurred_at'])}）"
                    "的内容与封存时不一致：封存后被修改或替换",
                )
            prev_seq, prev_link = seq, link
        chunk = list(query.filter(seq__gt=chunk[-1][0])[:_CHUNK])


def _check_anchors(report: Report, external: Sequence[tuple[int, str]]) -> None:
    recorded = SealAnchor.objects.order_by("id").values_list("seq", "link_hash", "created_at")
    named: list[tuple[int, str, str]] = [
        (seq, link, f"锚点（{_when(at)} 记录）") for seq, link, at in recorded.iterator(chunk_size=_CHUNK)
    ]
    named += [(seq, link.lower(), "外部锚点") for seq, link in external]
    for start in range(0, len(named), _CHUNK):
        part = named[start : start + _CHUNK]
        seqs = {seq for seq, _, _ in part}
        links = dict(EventSeal.objects.filter(seq__in=seqs).values_list("seq", "link_hash"))
        for seq, link, label in part:
            actual = links.get(seq)
            if actual is None:
                report.add("anchor", f"{label}的链头为第 {seq} 环，链上已没有这一环：封存链被截短或改写")
            elif actual != link:
                report.add("anchor", f"{label}的第 {seq} 环哈希为 {link}，链上为 {actual}：封存链被改写")


def _check_duplicates(report: Report) -> None:
    twice = (
        EventSeal.objects.order_by()
        .values("event_id")
        .annotate(n=Count("seq"))
        .filter(n__gt=1)
        .values_list("event_id", "n")
    )
    for event_id, n in twice:
        report.add("duplicate", f"事件 {event_id} 被封存了 {n} 次：封存记录被改写")


def _check_unsealed(report: Report, *, before: dt.datetime, age: dt.timedelta) -> None:
    late = unsealed_events().filter(occurred_at__lte=before).order_by("pk")
    hours = age.total_seconds() / 3600
    age_text = f"{hours:g} 小时" if hours >= 1 else f"{age.total_seconds() / 60:g} 分钟"
    for event_id, at, verb in late.values_list("pk", "occurred_at", "verb")[:SHOWN_PER_KIND]:
        report.add(
            "unsealed",
            f"事件 {event_id}（{verb}，发生于 {_when(at)}）超过 {age_text}仍未封存："
            "绕过封存写入的记录，或封存程序未运行",
        )
    if report.counts["unsealed"] == SHOWN_PER_KIND:
        report.counts["unsealed"] = late.count()


def audit_verify(
    *,
    now: dt.datetime | None = None,
    unsealed_after: dt.timedelta = UNSEALED_AFTER,
    anchors: Sequence[tuple[int, str]] = (),
) -> Report:
    """Check the whole log; ``anchors`` are heads kept outside the database as (seq, link hash)."""
    report = Report()
    _check_guards(report)
    _walk_chain(report)
    _check_duplicates(report)
    _check_anchors(report, anchors)
    _check_unsealed(report, before=(now or timezone.now()) - unsealed_after, age=unsealed_after)
    report.head = chain_head()
    return report
