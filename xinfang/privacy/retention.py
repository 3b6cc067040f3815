"""Retention (个人信息保护法第十九条, 第四十七条第一款第（二）项): each class of record is kept for the period
its ``RetentionRule`` row sets, then anonymised or deleted by ``retention_purge`` (``xinfang privacy purge``).

What stays: every matter, contact and party row, their categories, types, statuses and dates — the
statistics count the same before and after. What goes: the identifiers. A petitioner's record keeps its row
(contacts point at it) with its ciphertexts and blind indexes cleared, the masks and the name replaced by
已匿名化; what each contact gave for the person (its party row) likewise. Records merged into that person go
with it. The audit trail is no record class: events hold masked values and names only, and are kept
(网络安全法第二十一条: network logs at least six months; 第四十七条 allows keeping what another law
requires to keep). Nothing here deletes an event.

A matter counts as done with when its status is final (已办结, 已复核终结, 不予受理) and it has not changed
since the cut-off: ``updated_at`` moves with every save, so a matter reopened for 复查 starts its period
again and nobody is anonymised while any of their matters is still open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.cases.models import MatterStatus
from xinfang.core.errors import ValidationFailed
from xinfang.intake.models import ContactPetitioner, Petitioner
from xinfang.notify.models import Audience, Notification
from xinfang.notify.models import State as NotifyState
from xinfang.portal.models import PortalAccess

from .models import RecordClass, RetentionAction, RetentionRule
from .separation import SECURITY_OFFICER, require_role

ANONYMISED = "已匿名化"
DONE = (MatterStatus.CLOSED, MatterStatus.FINAL, MatterStatus.NOT_ACCEPTED)
#: Per run: one transaction anonymises at most this many people (and writes one event); the next run goes on.
#: On SQLite the run holds the write lock, so registrations wait for it — a bounded batch keeps that short.
DEFAULT_LIMIT = 5000

# What each class may do at the end of its period. A petitioner's record cannot be deleted: its contacts and
# their matters (the statistics) point at it. A notification row is the record that a notice was given
# (条例第二十三条), so only its recipient goes. A query code is of no use once its matter is done with.
ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    RecordClass.PERSONAL_DATA: (RetentionAction.ANONYMISE,),
    RecordClass.PORTAL_CODES: (RetentionAction.DELETE,),
    RecordClass.NOTIFY_RECIPIENTS: (RetentionAction.ANONYMISE,),
}
# A closed matter can still be reopened by a 复查 request within 30 days of the opinion's receipt
# (条例第三十五条) and a 复核 request within 30 days of the 复查意见 (第三十六条): the matter-bound
# classes wait longer than that.
MIN_MONTHS: dict[str, int] = {
    RecordClass.PERSONAL_DATA: 3,
    RecordClass.PORTAL_CODES: 3,
    RecordClass.NOTIFY_RECIPIENTS: 1,
}
MAX_MONTHS = 1200


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` minus whole calendar months, the day clamped to a shorter month (3-31 minus 1: 2-28/29)."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    first_of_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (first_of_next - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def retention_rule_set(
    *, record_class: str, months: int, action: str, actor: Any, reason: str, basis: str | None = None
) -> RetentionRule:
    """Set how long ``record_class`` is kept and what happens then (security officer only)."""
    require_role(actor, SECURITY_OFFICER, message="只有安全管理员可以设置保存期限")
    if record_class not in RecordClass.values:
        raise ValidationFailed("unknown_record_class", "未知的记录类别", field="record_class")
    if action not in ALLOWED_ACTIONS[record_class]:
        allowed = "、".join(RetentionAction(a).label for a in ALLOWED_ACTIONS[record_class])
        raise ValidationFailed("action_not_allowed", f"该类记录期满只能{allowed}", field="action")
    least = MIN_MONTHS[record_class]
    if not least <= months <= MAX_MONTHS:
        raise ValidationFailed(
            "months_out_of_range", f"保存期限应在 {least} 至 {MAX_MONTHS} 个月之间", field="months"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", "请写明调整的理由", field="reason")
    with transaction.atomic():
        rule = RetentionRule.objects.select_for_update().filter(record_class=record_class).first()
        old = {"months": rule.months, "action": rule.get_action_display()} if rule else None
        if rule is None:
            rule = RetentionRule(record_class=record_class)
        rule.months, rule.action, rule.updated_by = months, action, actor
        if basis is not None:
            rule.basis = basis.strip()
        rule.save()
        record_event(
            actor=actor,
            verb="privacy.retention_rule_set",
            subject=rule,
            old=old,
            new={
                "record_class": rule.get_record_class_display(),
                "months": months,
                "action": rule.get_action_display(),
            },
            reason=reason,
        )
    return rule


def rules() -> dict[str, RetentionRule]:
    return {r.record_class: r for r in RetentionRule.objects.all()}


def people_due(cutoff: dt.datetime) -> QuerySet[Petitioner]:
    """Petitioner records (not merged ones) that are party to at least one matter and whose every matter
    has been done with since before ``cutoff``; already anonymised ones are left out."""
    parties = ContactPetitioner.objects.filter(petitioner=OuterRef("pk"))
    live = parties.filter(Q(contact__matter__updated_at__gt=cutoff) | ~Q(contact__matter__status__in=DONE))
    return (
        Petitioner.objects.filter(Exists(parties), merged_into__isnull=True)
        .exclude(phone_masked=ANONYMISED)
        .exclude(Exists(live))
    )


def codes_due(cutoff: dt.datetime) -> QuerySet[PortalAccess]:
    return PortalAccess.objects.filter(matter__status__in=DONE, matter__updated_at__lte=cutoff)


def recipients_due(cutoff: dt.datetime) -> QuerySet[Notification]:
    """Messages to petitioners queued before ``cutoff`` that will not be sent again (sent or given up)."""
    return Notification.objects.filter(
        audience=Audience.PETITIONER,
        state__in=[NotifyState.SENT, NotifyState.GAVE_UP],
        created_at__lte=cutoff,
    ).exclude(recipient_masked=ANONYMISED)


@dataclass
class PurgeReport:
    dry_run: bool
    petitioners: int = 0
    merged_records: int = 0
    parties: int = 0
    notifications: int = 0
    portal_codes: int = 0
    # People due beyond this run's limit: the next run takes them.
    remaining: int = 0
    cutoffs: dict[str, str] = field(default_factory=dict)
    without_rule: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "petitioners": self.petitioners,
            "merged_records": self.merged_records,
            "parties": self.parties,
            "notifications": self.notifications,
            "portal_codes": self.portal_codes,
            "remaining": self.remaining,
        }


_CLEARED_PARTY = {
    "id_number_enc": "",
    "id_number_masked": ANONYMISED,
    "phone_enc": "",
    "phone_masked": ANONYMISED,
    "address_enc": "",
    "address_masked": ANONYMISED,
    "unconfirmed": "",
}


def _anonymise_people(ids: list[int]) -> tuple[int, int]:
    """Clear the identifiers of ``ids`` and of what every contact gave for them; (records, party rows)."""
    # One UPDATE each; the name becomes 已匿名化<id> so that records stay told apart in lists and exports.
    people = Petitioner.objects.filter(pk__in=ids)
    done = people.update(
        name=Concat(Value(ANONYMISED), Cast("pk", output_field=CharField())),
        id_number_hash="",
        phone_hash="",
        **{k: v for k, v in _CLEARED_PARTY.items() if k != "unconfirmed"},
    )
    parties = ContactPetitioner.objects.filter(petitioner_id__in=ids).update(**_CLEARED_PARTY)
    return done, parties


def retention_preview(*, now: dt.datetime | None = None, limit: int = DEFAULT_LIMIT) -> PurgeReport:
    """What ``retention_purge`` would do now: counts only, no transaction and no lock (the security officer's
    page shows it)."""
    return _apply(now=now or timezone.now(), limit=limit, dry_run=True)


def retention_purge(
    *, actor: Any = None, now: dt.datetime | None = None, limit: int = DEFAULT_LIMIT
) -> PurgeReport:
    """Apply every retention rule once: one transaction and one ``privacy.purged`` event with the counts (also
    when nothing was due, so the trail shows that the job runs)."""
    with transaction.atomic():
        report = _apply(now=now or timezone.now(), limit=limit, dry_run=False)
        record_event(
            actor=actor,
            verb="privacy.purged",
            # The run applies the whole rule set: no single row is its subject.
            subject=RetentionRule(pk=0),
            new={**report.counts(), "cutoffs": report.cutoffs},
        )
    return report


def _apply(*, now: dt.datetime, limit: int, dry_run: bool) -> PurgeReport:
    report = PurgeReport(dry_run=dry_run)
    by_class: Mapping[str, RetentionRule] = rules()
    report.without_rule = [RecordClass(c).label for c in RecordClass.values if c not in by_class]
    cutoff = {c: months_before(now, r.months) for c, r in by_class.items()}
    report.cutoffs = {
        RecordClass(c).label: timezone.localtime(t).strftime("%Y-%m-%d") for c, t in cutoff.items()
    }
    if RecordClass.PERSONAL_DATA in cutoff:
        due = people_due(cutoff[RecordClass.PERSONAL_DATA])
        # Locked on PostgreSQL: a merge or a 核实 of the same person waits for this run, not the reverse.
        taken = due.order_by("pk") if dry_run else due.order_by("pk").select_for_update()
        ids = list(taken.values_list("pk", flat=True)[:limit])
        merged = list(Petitioner.objects.filter(merged_into__in=ids).values_list("pk", flat=True))
        report.remaining = max(due.count() - len(ids), 0) if len(ids) == limit else 0
        if dry_run:
            report.petitioners, report.merged_records = len(ids), len(merged)
            report.parties = ContactPetitioner.objects.filter(petitioner_id__in=ids + merged).count()
        else:
            people, report.parties = _anonymise_people(ids + merged)
            report.petitioners, report.merged_records = people - len(merged), len(merged)
    if RecordClass.NOTIFY_RECIPIENTS in cutoff:
        recipients = recipients_due(cutoff[RecordClass.NOTIFY_RECIPIENTS])
        report.notifications = (
            recipients.count()
            if dry_run
            else recipients.update(recipient_encrypted="", recipient_masked=ANONYMISED)
        )
    if RecordClass.PORTAL_CODES in cutoff:
        codes = codes_due(cutoff[RecordClass.PORTAL_CODES])
        report.portal_codes = codes.count() if dry_run else codes.delete()[0]
    return report
