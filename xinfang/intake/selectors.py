"""Reads for registration: a petitioner's earlier and open matters, found through blind indexes and name."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from xinfang.cases.models import MatterStatus
from xinfang.cases.selectors import visible_matters
from xinfang.core import crypto
from xinfang.core.pii import clean_id_number, clean_phone

from .models import Contact, Petitioner


def petitioner_history(
    actor: Any, *, id_number: str = "", phone: str = "", name: str = "", limit: int = 20
) -> list[dict[str, Any]]:
    id_number = clean_id_number(id_number) if id_number else ""
    phone = clean_phone(phone) if phone else ""
    name = name.strip()
    conditions = Q()
    reasons: dict[str, str] = {}
    if id_number:
        h = crypto.blind_index("id_number", id_number)
        conditions |= Q(id_number_hash=h)
        reasons["id"] = h
    if phone:
        h = crypto.blind_index("phone", phone)
        conditions |= Q(phone_hash=h)
        reasons["phone"] = h
    if name:
        conditions |= Q(name=name)
    if not conditions:
        return []
    columns = ("pk", "id_number_hash", "phone_hash", "name", "merged_into_id")
    people = list(Petitioner.objects.filter(conditions).values(*columns)[:200])
    if not people:
        return []
    matched: dict[int, list[str]] = {}
    for p in people:
        why: list[str] = []
        if reasons.get("id") and p["id_number_hash"] == reasons["id"]:
            why.append("证件号码相同")
        if reasons.get("phone") and p["phone_hash"] == reasons["phone"]:
            why.append("联系电话相同")
        if name and p["name"] == name:
            why.append("姓名相同")
        # A merged record (intake.merge) has no contacts left: its match is the kept record's.
        pk = p["merged_into_id"] or p["pk"]
        matched[pk] = matched.get(pk, []) + [w for w in why if w not in matched.get(pk, [])]
    contacts = (
        Contact.objects.filter(parties__petitioner_id__in=list(matched), matter__in=visible_matters(actor))
        .select_related("matter")
        .values("matter__number", "matter__title", "matter__status", "received_at", "parties__petitioner_id")
        .order_by("-received_at")
    )
    out: dict[str, Any] = {}
    for row in contacts:
        number = row["matter__number"]
        entry = out.setdefault(
            number,
            {
                "matter_number": number,
                "title": row["matter__title"],
                "status": row["matter__status"],
                "status_label": MatterStatus(row["matter__status"]).label,
                "received_at": row["received_at"],
                "matched_by": [],
            },
        )
        for reason in matched.get(row["parties__petitioner_id"], []):
            if reason not in entry["matched_by"]:
                entry["matched_by"].append(reason)
        if len(out) >= limit:
            break
    # Open matters first: those are what a repeat petition should attach to.
    closed = {MatterStatus.CLOSED, MatterStatus.NOT_ACCEPTED}
    return sorted(out.values(), key=lambda e: (e["status"] in closed, -e["received_at"].timestamp()))
