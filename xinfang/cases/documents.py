"""Issue the lifecycle's documents (xinfang.documents renders them): number, render, store by hash, record.

Runs inside the service's transaction, so an opinion and its 意见书 exist together or not at all. Files are
content-addressed: a rolled-back transaction can leave an unreferenced file, never a changed one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.core.actors import as_user
from xinfang.core.errors import ValidationFailed
from xinfang.documents import kinds
from xinfang.documents.errors import DocumentError
from xinfang.documents.store import RenderedDocument, render
from xinfang.intake.models import ContactPetitioner
from xinfang.org.models import Unit

from .models import IssuedDocument, Matter
from .numbering import next_in_sequence

# kind → (code in the 文号, sequence letter)
NUMBERING = {
    "notice_of_acceptance": ("信受", "A"),
    "legal_channel_notice": ("信导", "L"),
    "extension_notice": ("信延", "E"),
    "opinion_letter": ("信意", "O"),
    "review_opinion": ("信复查", "R"),
    "recheck_opinion": ("信复核", "C"),
    "completion_report": ("信办结", "B"),
}
CHANNEL_NAMES = {
    "letter": "来信",
    "visit": "来访",
    "online": "网上信访",
    "phone": "来电",
    "hotline12345": "来电",
    "assigned": "来信",
}
COMPETENT_BODY = {
    "诉讼": "有管辖权的人民法院",
    "仲裁": "有管辖权的仲裁机构",
    "行政复议": "有管辖权的行政复议机关",
    "党员申诉": "有关党组织",
    "申请复审": "有关党组织",
}


def doc_number(unit: Unit, kind: str, year: int) -> str:
    code, letter = NUMBERING[kind]
    serial = next_in_sequence(scope=f"D{unit.pk}{letter}"[:12], year=year)
    short = (unit.short_name or unit.name)[:14]
    return f"{short}{code}〔{year}〕{serial}号"


def _path(sha: str, ext: str) -> Path:
    return Path(settings.DOCUMENT_ROOT) / sha[:2] / f"{sha}.{ext}"


def _store(rendered: RenderedDocument) -> None:
    for data, sha, ext in (
        (rendered.docx_bytes, rendered.sha256_docx, "docx"),
        (rendered.pdf_bytes, rendered.sha256_pdf, "pdf"),
    ):
        path = _path(sha, ext)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)


def document_path(document: IssuedDocument, ext: str) -> Path:
    return _path(document.sha256_pdf if ext == "pdf" else document.sha256_docx, ext)


def _first_contact(matter: Matter) -> Any:
    return matter.contacts.order_by("ordinal").first()


def petitioner_names(matter: Matter) -> list[str]:
    """Every petitioner named on the matter's contacts, in the order they came, each once: a document is
    addressed to all of them, not to the first."""
    names = ContactPetitioner.objects.filter(contact__matter=matter).order_by("contact__ordinal", "pk")
    return list(dict.fromkeys(n for n in names.values_list("petitioner__name", flat=True) if n))


def _petitioner_name(matter: Matter) -> str:
    return "、".join(petitioner_names(matter)) or "信访人"


def _common(matter: Matter, unit: Unit, kind: str, actor: Any, role: str) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "organ": unit.name,
        "doc_number": doc_number(unit, kind, today.year),
        "issued_on": today,
        "signer": getattr(actor, "display_label", "") or "负责人",
        "signer_role": role,
        "petitioner_name": _petitioner_name(matter),
        "matter_number": matter.number,
    }


def issue(
    *,
    matter: Matter,
    unit: Unit,
    document: kinds.DocumentInput,
    actor: Any,
    role: str,
    is_public: bool = True,
) -> IssuedDocument:
    rendered = render(document)  # inputs were validated when ``document`` was built (DocumentError)
    _store(rendered)
    row = IssuedDocument.objects.create(
        matter=matter,
        kind=rendered.kind,
        title=rendered.title,
        doc_number=rendered.doc_number,
        unit=unit,
        signed_by=as_user(actor),
        signer_role=role,
        sha256_docx=rendered.sha256_docx,
        sha256_pdf=rendered.sha256_pdf,
        is_public=is_public,
    )
    record_event(
        actor=actor,
        verb="document.issued",
        subject=row,
        matter_id=matter.pk,
        is_public=is_public,
        new={"title": rendered.title, "doc_number": rendered.doc_number, "sha256_pdf": rendered.sha256_pdf},
    )
    return row


def build(cls: type[kinds.DocumentInput], **values: Any) -> kinds.DocumentInput:
    """Build a document input; a missing statutory part becomes a Chinese service error (nothing written)."""
    try:
        return cls(**values)
    except DocumentError as exc:
        raise ValidationFailed(
            exc.code, f"文书缺少法定内容或内容有误：{exc.message}", field=exc.field
        ) from exc


def role_label(actor: Any) -> str:
    return "领导" if getattr(actor, "has_role", lambda *_: False)("leader") else "单位负责人"


def issue_opinion(
    *, opinion: Any, actor: Any, review_organ: Unit | None, recheck_organ: Unit | None
) -> IssuedDocument:
    matter, level = opinion.matter, opinion.level
    contact = _first_contact(matter)
    received = timezone.localtime(contact.received_at).date() if contact else timezone.localdate()
    accepted = timezone.localtime(matter.accepted_at).date() if matter.accepted_at else received
    role = role_label(actor)
    if level == "opinion":
        doc: kinds.DocumentInput = build(
            kinds.OpinionLetter,
            **_common(matter, opinion.unit, "opinion_letter", actor, role),
            received_on=received,
            accepted_on=accepted,
            request=opinion.request,
            facts=opinion.facts,
            reasons=opinion.reasons,
            findings=opinion.findings,
            decision=opinion.decision_word,
            decision_text=opinion.decision_text,
            legal_basis=list(opinion.legal_basis),
            review_organ=review_organ.name if review_organ else "上一级机关",
        )
    else:
        prior = matter.opinions.filter(level="opinion" if level == "review" else "review").first()
        prior_doc = matter.documents.filter(
            kind="opinion_letter" if level == "review" else "review_opinion"
        ).first()
        request = matter.review_requests.filter(level=level).first()
        base = dict(
            **_common(matter, opinion.unit, f"{level}_opinion", actor, role),
            prior_organ=prior.unit.name if prior else "",
            prior_doc_number=prior_doc.doc_number if prior_doc else "",
            prior_issued_on=timezone.localtime(prior.signed_at).date() if prior else received,
            reply_received_on=prior.served_on if prior else None,
            request_received_on=request.received_on if request else timezone.localdate(),
            request=opinion.request,
            findings=opinion.findings,
            outcome=opinion.decision_word,
            outcome_text=opinion.decision_text,
            legal_basis=list(opinion.legal_basis),
        )
        if level == "review":
            doc = build(
                kinds.ReviewOpinion,
                **base,
                recheck_organ=recheck_organ.name if recheck_organ else "上一级机关",
            )
        else:
            hearing = matter.hearings.order_by("-held_to").first()
            doc = build(
                kinds.RecheckOpinion,
                **base,
                hearing_held=hearing is not None,
                hearing_summary=hearing.outcome if hearing else "",
            )
    return issue(matter=matter, unit=opinion.unit, document=doc, actor=actor, role=role)


def issue_extension(*, extension: Any, actor: Any) -> IssuedDocument:
    matter = extension.matter
    accepted = timezone.localtime(matter.accepted_at).date() if matter.accepted_at else timezone.localdate()
    doc = build(
        kinds.ExtensionNotice,
        **_common(matter, matter.handling_unit, "extension_notice", actor, role_label(actor)),
        accepted_on=accepted,
        original_due=extension.original_due,
        new_due=extension.new_due,
        days=extension.days,
        reason=extension.reason,
        approver=getattr(actor, "display_label", ""),
    )
    return issue(matter=matter, unit=matter.handling_unit, document=doc, actor=actor, role=role_label(actor))


def issue_legal_channel(
    *, matter: Matter, item: int, channel: str, why: str, actor: Any, competent_body: str = ""
) -> IssuedDocument:
    unit = matter.handling_unit
    assert unit is not None  # only accepted matters are led into a channel
    contact = _first_contact(matter)
    received = timezone.localtime(contact.received_at).date() if contact else timezone.localdate()
    doc = build(
        kinds.LegalChannelNotice,
        **_common(matter, unit, "legal_channel_notice", actor, "承办人"),
        received_on=received,
        summary=contact.request if contact else matter.title,
        channel=channel,
        article_item=item,
        why=why,
        competent_body=competent_body or COMPETENT_BODY.get(channel, "有权处理的机关"),
    )
    return issue(matter=matter, unit=unit, document=doc, actor=actor, role="承办人")


def _received(matter: Matter) -> tuple[Any, Any]:
    contact = _first_contact(matter)
    received = timezone.localtime(contact.received_at).date() if contact else timezone.localdate()
    return contact, received


def issue_acceptance(*, matter: Matter, unit: Unit, actor: Any, notice_text: str) -> IssuedDocument:
    """受理告知书 (Art 23): 接收情况以及处理途径和程序, in writing. The 60-day sentence only for 申诉求决类
    matters, the only ones Art 34 puts under that limit."""
    contact, received = _received(matter)
    role = "单位负责人" if getattr(actor, "has_role", lambda *_: False)("unit_head") else "承办人"
    doc = build(
        kinds.NoticeOfAcceptance,
        **_common(matter, unit, "notice_of_acceptance", actor, role),
        received_on=received,
        received_via=CHANNEL_NAMES.get(contact.channel if contact else "", "来信"),
        summary=(contact.request if contact else "") or matter.title,
        handling_route_text=notice_text,
        time_limit_days=60 if matter.matter_type == "petition" else None,
    )
    return issue(matter=matter, unit=unit, document=doc, actor=actor, role=role)


def issue_completion_report(
    *,
    assignment: Any,
    actor: Any,
    process: str,
    result: str,
    due_on: Any,
    petitioner_feedback: str = "",
    late_reason: str = "",
) -> IssuedDocument:
    """办结报告 (Art 22¶1(三)) from the unit a matter was 交办 to, to the office that assigned it. An internal
    up-going document: not shown to the petitioner, and in a 检举控告 matter it names nobody."""
    matter, unit = assignment.matter, assignment.unit
    opinion = matter.opinions.filter(level="opinion").first()
    opinion_doc = matter.documents.filter(kind="opinion_letter").first()
    role = role_label(actor)
    common = _common(matter, unit, "completion_report", actor, role)
    if matter.matter_type == "accusation":
        common["petitioner_name"] = "检举控告人（依法保密）"  # Art 30¶3
    doc = build(
        kinds.CompletionReport,
        **common,
        assigning_office=assignment.from_unit.name,
        assignment_number=f"{matter.number}-交{assignment.pk}",
        assigned_on=timezone.localtime(assignment.sent_at).date(),
        due_on=due_on,
        summary=matter.title,
        process=process,
        result=result,
        decision=opinion.decision_word if opinion else "",
        opinion_doc_number=opinion_doc.doc_number if opinion_doc and opinion else "",
        petitioner_feedback=petitioner_feedback,
        late_reason=late_reason,
    )
    return issue(matter=matter, unit=unit, document=doc, actor=actor, role=role, is_public=False)
