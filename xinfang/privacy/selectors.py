"""What the auditor reads: the audit trail of their jurisdiction and, within it, the personal-data access log
(who saw or exported whose data, when, on which matter, why) with counts per person to spot misuse.

Scope, so that the auditor's pages widen nobody's sight:
* an event about a matter — only if the matter is in the auditor's sight (``visible_matters``: a
  检举控告 stays hidden from the accused unit's auditor as from everyone there, 条例第三十条);
* an event about a petitioner without a matter (an export, a correction) — only if that person is a party to
  a matter in sight;
* any other event — if its actor worked in a unit of the auditor's jurisdiction (their own unit, for an
  auditor outside a petition bureau), and the system's own events (no unit: the sweeper, sign-in failures,
  key rotation) for an auditor of a jurisdiction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from xinfang.accounts.models import User
from xinfang.audit.models import Event
from xinfang.audit.selectors import audit_trail
from xinfang.cases.models import Matter
from xinfang.cases.selectors import sees_jurisdiction, visible_matters
from xinfang.intake.models import PII_FIELDS, ContactPetitioner, Petitioner
from xinfang.org.models import Unit

from .separation import AUDITOR, require_role
from .verbs import describe

# Acts on a person's personal data: a reveal on a matter and an export of everything held show it in clear;
# a search by phone or ID number (xinfang.search) finds the matters of whoever has it.
PII_ACCESS_VERBS = ("pii.reveal", "privacy.exported", "matter.search_pii")
_PETITIONER = Petitioner._meta.label_lower
_FORBIDDEN = "只有审计员可以查阅审计日志和个人信息查阅记录"


@dataclass(frozen=True)
class AuditFilters:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    actor: str = ""
    verb: str = ""
    matter_number: str = ""

    def as_dict(self) -> dict[str, str]:
        """For the export's event: what was asked for, in words."""
        return {
            k: v.isoformat() if isinstance(v, dt.datetime) else v
            for k, v in self.__dict__.items()
            if v not in (None, "")
        }


def _units_audited(unit: Unit, *, jurisdiction: bool) -> QuerySet[Unit]:
    """The units whose staff ``unit``'s auditor audits, as a subquery: the jurisdiction's, else its own."""
    if jurisdiction:
        return Unit.objects.filter(region__prefix__startswith=unit.region.prefix).only("pk")
    return Unit.objects.filter(pk=unit.pk).only("pk")


def staff_audited(actor: Any) -> QuerySet[User]:
    """The staff whose acts ``actor`` (an auditor) audits: those of the units of their jurisdiction, and the
    accounts of no unit (system administration) for an auditor of a jurisdiction, as for the events."""
    require_role(actor, AUDITOR, message=_FORBIDDEN)
    unit = getattr(actor, "unit", None)
    if unit is None:
        return User.objects.none()
    jurisdiction = sees_jurisdiction(actor)
    scope = Q(unit__in=_units_audited(unit, jurisdiction=jurisdiction))
    if jurisdiction:
        scope |= Q(unit__isnull=True)
    return User.objects.filter(scope)


def auditable_events(actor: Any) -> QuerySet[Event]:
    """Every event ``actor`` (an auditor) may read; see the module docstring."""
    require_role(actor, AUDITOR, message=_FORBIDDEN)
    unit = getattr(actor, "unit", None)
    if unit is None:
        return Event.objects.none()
    in_sight = visible_matters(actor).values("pk")
    jurisdiction = sees_jurisdiction(actor)
    units = _units_audited(unit, jurisdiction=jurisdiction)
    # subject_id is text; the party's key is cast to text (not the reverse), so that no subject id that is
    # not a number ("None" for a sign-in with an unknown user name) is ever cast.
    person_in_sight = ContactPetitioner.objects.annotate(
        person=Cast("petitioner_id", output_field=CharField())
    ).filter(person=OuterRef("subject_id"), contact__matter__in=in_sight)
    no_matter = Q(matter_id__isnull=True)
    scope = (
        Q(matter_id__in=in_sight)
        | (no_matter & Q(subject_type=_PETITIONER) & Exists(person_in_sight))
        | (no_matter & ~Q(subject_type=_PETITIONER) & Q(actor_unit_id__in=units))
    )
    if jurisdiction:
        scope |= no_matter & ~Q(subject_type=_PETITIONER) & Q(actor_unit_id__isnull=True)
    return Event.objects.filter(scope)


def audit_log(actor: Any, filters: AuditFilters) -> QuerySet[Event]:
    return audit_trail(
        auditable_events(actor),
        since=filters.since,
        until=filters.until,
        actor=filters.actor,
        verbs=[filters.verb] if filters.verb else [],
        matter_number=filters.matter_number,
    )


def pii_access_log(actor: Any, filters: AuditFilters) -> QuerySet[Event]:
    verbs = [filters.verb] if filters.verb in PII_ACCESS_VERBS else list(PII_ACCESS_VERBS)
    return audit_trail(
        auditable_events(actor),
        since=filters.since,
        until=filters.until,
        actor=filters.actor,
        verbs=verbs,
        matter_number=filters.matter_number,
    )


# Out of office hours: before 8:00, from 18:00, Saturday and Sunday (week_day 7 and 1), local time.
_OFF_HOURS = Q(occurred_at__hour__lt=8) | Q(occurred_at__hour__gte=18) | Q(occurred_at__week_day__in=[1, 7])


def pii_access_counts(actor: Any, filters: AuditFilters) -> list[dict[str, Any]]:
    """Per person who looked, over the filtered period: accesses, distinct people looked at, distinct matters,
    exports, searches by phone or ID number, how many out of office hours, and the share of all accesses —
    most first. One grouped query."""
    rows = list(
        pii_access_log(actor, filters)
        .order_by()
        .values("actor_id", "actor_label")
        .annotate(
            total=Count("id"),
            people=Count("subject_id", distinct=True, filter=Q(subject_type=_PETITIONER)),
            matters=Count("matter_id", distinct=True),
            exports=Count("id", filter=Q(verb="privacy.exported")),
            searches=Count("id", filter=Q(verb="matter.search_pii")),
            off_hours=Count("id", filter=_OFF_HOURS),
        )
        .order_by("-total", "actor_label")
    )
    everything = sum(r["total"] for r in rows) or 1
    for row in rows:
        row["share"] = round(100 * row["total"] / everything)
    return rows


@dataclass
class EventRow:
    at: dt.datetime
    actor: str
    unit: str
    act: str
    subject: str
    matter_number: str
    reason: str
    person: str  # whose data (PII log)
    fields: str  # which data (PII log)


def _subject_label(subject_type: str) -> str:
    try:
        return str(apps.get_model(subject_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return "记录"


def event_rows(events: list[Event]) -> list[EventRow]:
    """The events as the pages and exports show them: acts in Chinese, unit names, matter numbers and the
    people concerned — three queries for any number of events."""
    unit_ids = {e.actor_unit_id for e in events if e.actor_unit_id}
    matter_ids = {e.matter_id for e in events if e.matter_id}
    person_ids = {
        int(e.subject_id) for e in events if e.subject_type == _PETITIONER and e.subject_id.isdigit()
    }
    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name")) if unit_ids else {}
    numbers = dict(Matter.objects.filter(pk__in=matter_ids).values_list("pk", "number")) if matter_ids else {}
    people = (
        dict(Petitioner.objects.filter(pk__in=person_ids).values_list("pk", "name")) if person_ids else {}
    )
    rows = []
    for e in events:
        new = e.new if isinstance(e.new, dict) else {}
        person = ""
        if e.subject_type == _PETITIONER and e.subject_id.isdigit() and int(e.subject_id) in people:
            person = f"{people[int(e.subject_id)]}（信访人编号 {e.subject_id}）"
        if e.verb == "pii.reveal":
            fields = "、".join(PII_FIELDS.get(f, "其他") for f in new.get("fields") or [])
        elif e.verb == "privacy.exported":
            fields = "全部个人信息（导出）"
        elif e.verb == "matter.search_pii":
            fields = describe(e.verb, e.new, e.old)
        else:
            fields = ""
        number = numbers.get(e.matter_id, "") if e.matter_id else ""
        rows.append(
            EventRow(
                at=e.occurred_at,
                actor=e.actor_label,
                unit=units.get(e.actor_unit_id, "") if e.actor_unit_id else "",
                act=describe(e.verb, e.new, e.old),
                subject=number or person or f"{_subject_label(e.subject_type)} {e.subject_id}",
                matter_number=number,
                reason=e.reason,
                person=person,
                fields=fields,
            )
        )
    return rows
