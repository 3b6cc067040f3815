"""Suggestions for a contact being registered, and the record of what the registrar decided.

Nothing here may stop a registration: every model failure becomes an empty suggestion plus a note."""

from __future__ import annotations

import csv
import json
import logging
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinfang.cases.models import MatterType
from xinfang.core.actors import as_user
from xinfang.intake.models import Contact
from xinfang.intake.selectors import petitioner_history
from xinfang.nlp.dedup.detector import default_verifier
from xinfang.nlp.dedup.threshold import ThresholdChoice, Verdict, tune
from xinfang.nlp.errors import NlpError
from xinfang.nlp.screening import screen
from xinfang.nlp.training import train

from . import engine
from .duplicates import contact_text, same_problem
from .models import Decision, DuplicateVerdict, Suggestion

log = logging.getLogger(__name__)

TYPE_CODES = {
    "建议意见类": MatterType.SUGGESTION,
    "检举控告类": MatterType.ACCUSATION,
    "申诉求决类": MatterType.PETITION,
}


def suggest(
    *, actor: Any, title: str = "", text: str = "", id_number: str = "", phone: str = "", name: str = ""
) -> dict[str, Any]:
    """Category top-3, type and litigation screening, and 判重 candidates (same petitioner, same problem).
    The suggestion shown is stored, and its id returned so the registration can record the decisions."""
    started = time.perf_counter()
    full = "\n".join(p for p in (title, text) if p).strip()
    out: dict[str, Any] = {
        "category": [],
        "terms": [],
        "screening": None,
        "same_petitioner": [],
        "same_problem": [],
        "possibly_related": [],
        "notes": [],
    }
    if full:
        clf = engine.classifier()
        if clf is None:
            out["notes"].append("分类模型尚未训练（xinfang smart_train），暂无分类建议")
        else:
            try:
                prediction = clf.predict_one(text or full, title or None, k=3)
                out["category"] = [
                    {"label": c.label, "probability": round(c.probability, 3)} for c in prediction.top
                ]
                out["terms"] = [term for term, _w in prediction.terms[:6]]
            except NlpError as exc:
                out["notes"].append(f"分类建议不可用：{exc}")
        try:
            s = screen(full)
            out["screening"] = {
                "type": s.type,
                "type_code": TYPE_CODES.get(s.type, ""),
                "type_probability": round(s.type_probability, 3),
                "litigation": s.litigation,
                "channel": s.channel,
                "explanation": s.explanation(),
            }
        except NlpError as exc:
            out["notes"].append(f"类型筛查不可用：{exc}")
        try:
            found = same_problem(actor, full, title=title)
            out["same_problem"] = [f for f in found if not f["near"]]
            out["possibly_related"] = [f for f in found if f["near"]]
        except NlpError as exc:
            out["notes"].append(f"内容判重不可用：{exc}")
    if id_number or phone or name:
        try:
            out["same_petitioner"] = [
                {**row, "received_at": row["received_at"].isoformat()}
                for row in petitioner_history(actor, id_number=id_number, phone=phone, name=name, limit=5)
            ]
        except Exception as exc:  # a malformed ID number while typing is not an error yet
            out["notes"].append(getattr(exc, "message", "证件号码或电话格式不完整"))
    latency = int((time.perf_counter() - started) * 1000)
    suggestion = Suggestion.objects.create(
        actor=as_user(actor), payload=out, latency_ms=latency, model_version=engine.model_version()
    )
    out["suggestion_id"] = suggestion.pk
    out["latency_ms"] = latency
    return out


def record_decisions(
    *, suggestion_id: int | None, contact: Contact, actor: Any, rejected: Sequence[str] = ()
) -> list[Decision]:
    """Compare what was suggested with what the registrar registered; store one decision per field, and one
    判重 verdict per candidate shown (confirmed by attaching, rejected explicitly, or ignored)."""
    if not suggestion_id:
        return []
    suggestion = Suggestion.objects.filter(pk=suggestion_id, contact__isnull=True).first()
    if suggestion is None or (suggestion.actor_id and suggestion.actor_id != getattr(actor, "pk", None)):
        return []
    p = suggestion.payload
    matter = contact.matter
    decisions: list[Decision] = []
    if p.get("category"):
        top = p["category"][0]["label"]
        decisions.append(
            Decision(field="category", suggested=top, chosen=matter.category, accepted=matter.category == top)
        )
    if p.get("screening"):
        s = p["screening"]
        decisions.append(
            Decision(
                field="type",
                suggested=s["type_code"],
                chosen=matter.matter_type,
                accepted=s["type_code"] == matter.matter_type,
            )
        )
        decisions.append(
            Decision(
                field="litigation",
                suggested=s["litigation"],
                chosen=matter.is_litigation,
                accepted=bool(s["litigation"]) == matter.is_litigation,
            )
        )
    chosen = matter.number if contact.is_repeat else None
    offered = [d["matter_number"] for d in p.get("same_problem", []) + p.get("same_petitioner", [])]
    if offered:
        decisions.append(
            Decision(field="duplicate", suggested=offered, chosen=chosen, accepted=chosen in offered)
        )
    verdicts = _duplicate_verdicts(p, chosen, set(rejected))
    with transaction.atomic():
        Suggestion.objects.filter(pk=suggestion.pk).update(contact=contact)
        for d in decisions:
            d.suggestion = suggestion
        for v in verdicts:
            v.suggestion = suggestion
        Decision.objects.bulk_create(decisions)
        DuplicateVerdict.objects.bulk_create(verdicts)
    return decisions


def _duplicate_verdicts(
    payload: dict[str, Any], chosen: str | None, rejected: set[str]
) -> list[DuplicateVerdict]:
    """One verdict per same-problem candidate shown (verifier scores; same-petitioner rows have none)."""
    out: list[DuplicateVerdict] = []
    for shown_as, key in (
        (DuplicateVerdict.FLAG, "same_problem"),
        (DuplicateVerdict.NEAR, "possibly_related"),
    ):
        for c in payload.get(key, []):
            number, score = c.get("matter_number"), c.get("score")
            if not number or not isinstance(score, int | float) or "threshold" not in c:
                continue  # the exact-overlap fallback's rows are not verifier probabilities
            if number == chosen:
                verdict = DuplicateVerdict.CONFIRMED
            elif number in rejected:
                verdict = DuplicateVerdict.REJECTED
            else:
                verdict = DuplicateVerdict.IGNORED
            out.append(
                DuplicateVerdict(
                    matter_number=number,
                    score=float(score),
                    threshold=float(c["threshold"]),
                    shown_as=shown_as,
                    verdict=verdict,
                )
            )
    return out


def tune_duplicate_threshold(*, write: bool = True) -> ThresholdChoice:
    """Choose the 判重 threshold from the registrars' verdicts and (``write``) install it atomically, so
    every process picks it up (``engine.duplicate_threshold``). Too few verdicts: the shipped one stands."""
    rows = DuplicateVerdict.objects.values_list("score", "verdict")
    choice = tune(
        default_verifier().threshold,
        (Verdict(score, verdict) for score, verdict in rows.iterator()),
        target_precision=settings.XINFANG_DUPLICATE_TARGET_PRECISION,
    )
    if write:
        path = engine.dedup_threshold_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_suffix(".tmp")
        staging.write_text(
            json.dumps(
                {**choice.as_dict(), "tuned_at": timezone.now().isoformat()}, ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
        staging.replace(path)
    return choice


def accuracy_report() -> dict[str, dict[str, float]]:
    """Share of suggestions the registrars accepted, per field (the production accuracy)."""
    report: dict[str, dict[str, float]] = {}
    for field, _label in Decision.FIELDS:
        rows = Decision.objects.filter(field=field)
        total = rows.count()
        if total:
            accepted = rows.filter(accepted=True).count()
            report[field] = {"decisions": total, "accepted": accepted, "rate": round(accepted / total, 3)}
    return report


def corrections_since_model() -> int:
    """Category suggestions of the current model that registrars overrode: the retraining trigger."""
    return Decision.objects.filter(
        field="category", accepted=False, suggestion__model_version=engine.model_version()
    ).count()


def train_from_decided_matters(*, min_rows: int = 50) -> dict[str, Any]:
    """Train the category model from the deployment's own registered contacts whose matter has a category
    (what registrars decided, corrections included) and install it atomically."""
    rows = list(
        Contact.objects.exclude(matter__category="").values_list(
            "title", "request", "facts", "reasons", "matter__category"
        )
    )
    if len(rows) < min_rows:
        raise NlpError(f"已分类的信访件只有 {len(rows)} 件，至少需要 {min_rows} 件才能训练")
    path = engine.model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "decided.csv"
        with open(data, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["title", "body", "label"])
            for title, request, facts, reasons, label in rows:
                writer.writerow([title, contact_text("", request, facts, reasons), label])
        clf, report = train(data)
        staging = path.with_suffix(".tmp")
        clf.save(str(staging), fingerprint=report["fingerprint"], metrics={"rows": report["rows"]})
        staging.replace(path)  # readers never see a half-written model
    return report


def suggest_for_contact(*, contact: Contact, actor: Any) -> dict[str, Any]:
    """The suggestions for a contact already registered — from the portal, the API or a 12345 hand-over, which
    had no registrar at a form to see them: worked out once, the first time someone who routes it opens the
    matter, and kept with the contact (the same Suggestion rows as the live form's). Candidates are the
    actor's to see; the matter itself is left out. Petitioner matches come from the records the contact is
    attached to — nothing is decrypted."""
    from xinfang.cases.selectors import visible_matters
    from xinfang.intake.models import ContactPetitioner

    stored = contact.suggestions.order_by("-pk").first()
    if stored is not None:
        return {**stored.payload, "suggestion_id": stored.pk}
    out = suggest(actor=actor, title=contact.title, text=contact.text)
    own = contact.matter.number
    for key in ("same_problem", "possibly_related"):
        out[key] = [row for row in out[key] if row.get("matter_number") != own]
    people = ContactPetitioner.objects.filter(contact=contact).values("petitioner_id")
    earlier = (
        visible_matters(actor)
        .filter(contacts__parties__petitioner_id__in=people)
        .exclude(pk=contact.matter_id)
        .distinct()
        .order_by("-first_received_at")[:5]
    )
    out["same_petitioner"] = [
        {"matter_number": m.number, "title": m.title, "status": m.get_status_display()} for m in earlier
    ]
    Suggestion.objects.filter(pk=out["suggestion_id"]).update(contact=contact, payload=out)
    return out
