"""Staff workspace pages. Thin: parse the form, call one service or selector, render. Service errors come
back as Chinese messages on the same page and nothing is written."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinfang.audit.selectors import matter_acts, matter_timeline
from xinfang.cases import handling
from xinfang.cases.clocks import local_today
from xinfang.cases.models import AlertLevel, MatterStatus
from xinfang.cases.selectors import (
    can_see_identity,
    matter_for,
    matter_list,
    running_clocks,
    sees_jurisdiction,
)
from xinfang.cases.workflow import allowed_actions
from xinfang.cases.worklist import drafts_to_sign, reviews_to_decide
from xinfang.core.errors import NotFound, ServiceError
from xinfang.core.http import StaffRequest
from xinfang.deadlines.selectors import calendar_coverage_notice
from xinfang.intake.attachments import attachment_add, attachment_path
from xinfang.intake.models import Attachment, Contact
from xinfang.intake.petitioners import CONFIRM_ROLES
from xinfang.intake.selectors import petitioner_history
from xinfang.intake.services import contact_register
from xinfang.intake.validation import ContactInput, PetitionerInput
from xinfang.org.models import Region, Unit
from xinfang.routing import services as routing
from xinfang.routing.models import Assignment, Objection
from xinfang.routing.resolver import propose_routes
from xinfang.routing.selectors import objections_to_decide, unit_inbox
from xinfang.search.forms import MatterSearchForm
from xinfang.search.selectors import matter_search
from xinfang.smart.services import record_decisions, suggest

from .coordination_views import coordination_context
from .forms import AcceptForm, ContactForm, DecideForm, ObjectForm, PetitionerFormSet, RouteForm
from .guards import markup_free
from .merge_views import merge_context
from .queue_views import to_route_context
from .receipt_views import QueryCodeForNewMatter, offer_receipt

PERSON_KEYS = ("name", "id_number", "phone", "address")


def _page(request: StaffRequest, qs, size: int = 25):
    return Paginator(qs, size).get_page(request.GET.get("page"))


@login_required
def inbox(request: StaffRequest) -> HttpResponse:
    user = request.user
    context = {
        "assignments": unit_inbox(user)[:50],
        "objections": objections_to_decide(user)[:50],
        "reviews": reviews_to_decide(user)[:50],
        "to_sign": drafts_to_sign(user)[:50],
        "overdue": matter_list(user, alert=AlertLevel.OVERDUE)[:20],
        "due_soon": matter_list(user, alert=AlertLevel.SOON)[:20],
        "calendar_notice": calendar_coverage_notice(local_today()),
    }
    context.update(to_route_context(request))
    return render(request, "web/inbox.html", context)


@login_required
def matters(request: StaffRequest) -> HttpResponse:
    # The page's own form posts (a phone or ID number stays out of addresses and logs); links may still GET.
    data = request.POST if request.method == "POST" else request.GET
    form = MatterSearchForm(data, actor=request.user)
    page = None
    if form.is_valid():
        number = data.get("page", "1")
        try:
            page = matter_search(request.user, **form.criteria(), page=int(number) if number.isdigit() else 1)
        except ServiceError as exc:  # a malformed phone or ID number, a reversed date range, an auditor
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "web/matters.html", {"page": page, "form": form})


def _contact_input(form: ContactForm, formset) -> ContactInput:
    data = form.cleaned_data
    people = [
        PetitionerInput(**f.cleaned_data)
        for f in formset
        if f.cleaned_data and any(f.cleaned_data.get(k) for k in PERSON_KEYS)
    ]
    return ContactInput(
        channel=data["channel"],
        title=data["title"],
        request=data["request"],
        facts=data["facts"],
        reasons=data["reasons"],
        region_code=data["region_code"].strip(),
        petitioners=people,
        matter_type=data["matter_type"],
        category=data["category"],
        received_at=data["received_at"],
        is_oral=data["is_oral"],
        oral_record=data["oral_record"],
        identity_unclear=data["identity_unclear"],
        headcount=data["headcount"],
        attach_to=data["attach_to"].strip(),
        accused_unit_id=data["accused_unit_id"],
        is_litigation=data["is_litigation"],
    )


def _attach_error(form: ContactForm, formset, exc: ServiceError) -> None:
    """Show every problem the service found at its field — ``title`` on the form, ``petitioners[2].phone`` on
    row 2 — all at once (``details["errors"]``, or the one error)."""
    found = exc.details.get("errors") or [{"field": exc.field, "message": exc.message}]
    filled = [f for f in formset if f.cleaned_data and any(f.cleaned_data.get(k) for k in PERSON_KEYS)]
    for error in found:
        field, message = error.get("field"), error.get("message", "")
        if not field:
            continue
        if field in form.fields:
            form.add_error(field, message)
            continue
        match = re.fullmatch(r"petitioners\[(\d+)\]\.(\w+)", field)
        if not match:
            continue
        index, name = int(match.group(1)), match.group(2)
        if index < len(filled) and name in filled[index].fields:
            filled[index].add_error(name, message)


@login_required
def register(request: StaffRequest) -> HttpResponse:
    units = Unit.objects.filter(is_active=True).order_by("name")
    prefix = request.user.unit.region.prefix if request.user.unit else "-"
    regions = Region.objects.filter(code__startswith=prefix).order_by("code")
    if request.method == "POST":
        form = ContactForm(request.POST, units=units, regions=regions)
        formset = PetitionerFormSet(request.POST, prefix="p")
        if form.is_valid() and formset.is_valid():
            # A new matter gets its query code in the registration's transaction, for the 登记回执.
            issue_code = QueryCodeForNewMatter(request.user)
            try:
                contact = contact_register(
                    data=_contact_input(form, formset), actor=request.user, also_in_transaction=issue_code
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                _attach_error(form, formset, exc)
            else:
                record_decisions(
                    suggestion_id=form.cleaned_data.get("suggestion_id"),
                    contact=contact,
                    actor=request.user,
                    rejected=[n for n in form.cleaned_data.get("duplicate_rejected", "").split(",") if n],
                )
                verb = "已并入事项" if contact.is_repeat else "登记成功，事项编号"
                messages.success(request, f"{verb} {contact.matter.number}")
                back = redirect("web:matter", number=contact.matter.number)
                return offer_receipt(request, back, contact.matter, issue_code.code)
    else:
        form = ContactForm(
            units=units,
            regions=regions,
            initial={
                "attach_to": request.GET.get("attach_to", ""),
                "region_code": request.user.unit.region.code if request.user.unit else "",
            },
        )
        formset = PetitionerFormSet(prefix="p")
    return render(request, "web/register.html", {"form": form, "formset": formset})


def _matter_or_404(request: StaffRequest, number: str):
    """The matter if the user may see it; otherwise the same 404 as for a number that does not exist."""
    try:
        return matter_for(request.user, number)
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_required
def matter_detail(request: StaffRequest, number: str) -> HttpResponse:
    matter = _matter_or_404(request, number)
    user = request.user
    contacts = list(
        Contact.objects.filter(matter=matter).prefetch_related("parties__petitioner", "attachments")
    )
    assignments = list(
        Assignment.objects.filter(matter=matter)
        .select_related("unit", "from_unit")
        .prefetch_related("objections")
    )
    show_identity = can_see_identity(user, matter)
    context = {
        "matter": matter,
        "contacts": contacts,
        "show_identity": show_identity,
        "can_confirm_details": show_identity and user.has_role(*CONFIRM_ROLES),
        "assignments": assignments,
        "clocks": list(running_clocks(matter)),
        "all_clocks": list(matter.clocks.order_by("created_at")),
        "timeline": matter_acts(matter_timeline(matter.pk)),
        "actions": allowed_actions(matter.status),
        "can_route": sees_jurisdiction(user)
        and matter.status == MatterStatus.REGISTERED
        and routing.routes_here(matter, user)
        and user.has_role("registrar", "unit_head", "leader"),
        "proposals": propose_routes(matter) if matter.status == MatterStatus.REGISTERED else [],
        "route_form": RouteForm(),
        "accept_form": AcceptForm(),
        "object_form": ObjectForm(),
        "decide_form": DecideForm(),
        "units": Unit.objects.filter(is_active=True)
        .exclude(pk=user.unit_id or 0)
        .select_related("region")
        .order_by("region_id", "name"),
        "my_assignment": next(
            (a for a in assignments if a.unit_id == user.unit_id and a.state == "pending"), None
        ),
        "is_handler": user.unit_id is not None and user.unit_id == matter.handling_unit_id,
        "is_signer": user.has_role("unit_head", "leader"),
        "review_organ_pending": matter.review_requests.filter(organ_id=user.unit_id)
        .exclude(level__in=matter.opinions.values("level"))
        .first(),
        "opinions": list(matter.opinions.select_related("unit").order_by("signed_at")),
        "documents": list(matter.documents.all()),
        "evaluations": list(matter.evaluations.all()),
        "options": handling.portal_options(matter),
        "legal_channels": handling.LEGAL_CHANNELS,
        "pending_objections": [
            o
            for a in assignments
            for o in a.objections.all()
            if o.decision == "pending" and a.from_unit_id == user.unit_id
        ],
    }
    context.update(coordination_context(matter, user, assignments))
    context.update(merge_context(matter, user))
    return render(request, "web/matter.html", context)


def _run(request: StaffRequest, number: str, action, ok: str) -> HttpResponse:
    try:
        markup_free(request.POST)
        action()
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("web:matter", number=number)


@login_required
@require_POST
def route(request: StaffRequest, number: str) -> HttpResponse:
    form = RouteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择接收单位和方式")
        return redirect("web:matter", number=number)
    data = form.cleaned_data
    unit = Unit.objects.filter(pk=data["unit"]).first()
    if unit is None:
        messages.error(request, "接收单位不存在")
        return redirect("web:matter", number=number)
    return _run(
        request,
        number,
        lambda: routing.matter_route(
            matter=matter_for(request.user, number),
            unit=unit,
            mode=data["mode"],
            actor=request.user,
            instructions=data["instructions"],
            deadline_days=data["deadline_days"],
        ),
        f"已转交 {unit.name}",
    )


@login_required
@require_POST
def accept(request: StaffRequest, number: str, assignment_id: int) -> HttpResponse:
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写告知内容")
        return redirect("web:matter", number=number)
    return _run(
        request,
        number,
        lambda: routing.assignment_accept(
            assignment=routing.assignment_for(request.user, number, assignment_id),
            actor=request.user,
            **form.cleaned_data,
        ),
        "已受理并告知信访人",
    )


@login_required
@require_POST
def object_(request: StaffRequest, number: str, assignment_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _run(
        request,
        number,
        lambda: routing.assignment_object(
            assignment=routing.assignment_for(request.user, number, assignment_id),
            actor=request.user,
            reason=reason,
        ),
        "异议已提交，待原转交单位审核",
    )


@login_required
@require_POST
def decide(request: StaffRequest, number: str, objection_id: int) -> HttpResponse:
    matter = _matter_or_404(request, number)
    objection = (
        Objection.objects.filter(pk=objection_id, assignment__matter=matter)
        .select_related("assignment")
        .first()
    )
    if objection is None:
        raise Http404("未找到该异议")
    approve = request.POST.get("approve") == "1"
    return _run(
        request,
        number,
        lambda: routing.objection_decide(
            objection=objection, approve=approve, actor=request.user, reason=request.POST.get("reason", "")
        ),
        "异议审核完成",
    )


@login_required
@require_POST
def accept_direct(request: StaffRequest, number: str) -> HttpResponse:
    return _run(
        request,
        number,
        lambda: routing.matter_accept_direct(
            matter=matter_for(request.user, number),
            actor=request.user,
            notice_text=request.POST.get("notice_text", ""),
        ),
        "已直接受理",
    )


@login_required
@require_POST
def attachment_upload(request: StaffRequest, number: str) -> HttpResponse:
    matter = _matter_or_404(request, number)
    upload = request.FILES.get("file")
    contact = Contact.objects.filter(matter=matter).order_by("-ordinal").first()
    if upload is None or contact is None:
        messages.error(request, "请选择文件")
        return redirect("web:matter", number=number)
    name, size = upload.name or "附件", upload.size or 0
    return _run(
        request,
        number,
        lambda: attachment_add(contact=contact, name=name, stream=upload, size=size, actor=request.user),
        "附件已上传",
    )


@login_required
def attachment_download(request: StaffRequest, attachment_id: int) -> FileResponse:
    attachment = Attachment.objects.select_related("contact__matter").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("附件不存在")
    try:
        matter_for(request.user, attachment.contact.matter.number)
    except NotFound:
        raise Http404("附件不存在") from None
    return FileResponse(
        open(attachment_path(attachment), "rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@login_required
def history(request: StaffRequest) -> JsonResponse:
    try:
        rows = petitioner_history(
            request.user,
            id_number=request.GET.get("id_number", ""),
            phone=request.GET.get("phone", ""),
            name=request.GET.get("name", ""),
        )
    except ServiceError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"results": [{**r, "received_at": r["received_at"].isoformat()} for r in rows]})


@login_required
@require_POST
def suggest_view(request: StaffRequest) -> JsonResponse:
    """Live suggestions for the 登记 form (debounced fetch as the registrar types)."""
    fields = ("title", "text", "id_number", "phone", "name")
    return JsonResponse(suggest(actor=request.user, **{f: request.POST.get(f, "")[:20000] for f in fields}))


@login_required
def document_download(request: StaffRequest, document_id: int, ext: str) -> FileResponse:
    """An issued 告知书/意见书 as .docx or PDF, for people who may see the matter."""
    from xinfang.cases.documents import document_path
    from xinfang.cases.models import IssuedDocument

    document = IssuedDocument.objects.select_related("matter").filter(pk=document_id).first()
    if document is None or ext not in ("pdf", "docx"):
        raise Http404("文书不存在")
    try:
        matter_for(request.user, document.matter.number)
    except NotFound:
        raise Http404("文书不存在") from None
    mime = (
        "application/pdf"
        if ext == "pdf"
        else ("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    )
    return FileResponse(
        open(document_path(document, ext), "rb"),
        as_attachment=True,
        filename=f"{document.title}-{document.doc_number}.{ext}",
        content_type=mime,
    )
