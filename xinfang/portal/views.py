"""Public portal pages (阳光信访): no account, CSRF on every form, throttled; nothing about failed attempts is
kept except the throttle counters. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

import importlib
import secrets
from types import ModuleType
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.cases.models import Matter
from xinfang.core.errors import ServiceError

from . import security
from .actor import PortalActor, portal_actor
from .forms import MAX_ATTACHMENTS, EvaluationForm, QueryForm, ReviewForm, SubmitForm
from .selectors import current_deadlines, public_documents, public_timeline
from .services import Upload, portal_find, portal_submit

DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SESSION_NONCES = "portal_nonces"
SESSION_MATTERS = "portal_matters"
WRONG_CODE = "事项编号或查询码不正确，请核对后重新输入"
SUBMIT_THROTTLED = "提交过于频繁，请稍后再试"
HONEYPOT_MESSAGE = "提交未通过校验，请刷新页面后重新填写"
NONCE_MESSAGE = "页面已过期或该表单已提交，请核对后重新提交"


def _handling() -> ModuleType | None:
    """The handling services (evaluation, 复查/复核) when they exist; the forms are hidden otherwise."""
    try:
        return importlib.import_module("xinfang.cases.handling")
    except ModuleNotFoundError as exc:
        if exc.name == "xinfang.cases.handling":
            return None
        raise


def _service(name: str) -> Any:
    module = _handling()
    return getattr(module, name, None) if module is not None else None


def _closed(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/closed.html", status=503)


def home(request: HttpRequest) -> HttpResponse:
    actor = portal_actor()
    return render(request, "portal/home.html", {"unit": actor.unit if actor else None})


def _new_nonce(request: HttpRequest) -> str:
    nonce = secrets.token_urlsafe(16)
    nonces = list(request.session.get(SESSION_NONCES, []))[-9:]
    request.session[SESSION_NONCES] = [*nonces, nonce]
    return nonce


def _take_nonce(request: HttpRequest, nonce: str) -> bool:
    nonces = list(request.session.get(SESSION_NONCES, []))
    if not nonce or nonce not in nonces:
        return False
    nonces.remove(nonce)
    request.session[SESSION_NONCES] = nonces
    return True


def _render_submit(request: HttpRequest, form: SubmitForm, actor: PortalActor, status: int = 200):
    # A fresh one-time nonce on every rendering: a refreshed (resubmitted) form is refused, not registered.
    response = render(
        request,
        "portal/submit.html",
        {"form": form, "unit": actor.unit, "max_attachments": MAX_ATTACHMENTS, "nonce": _new_nonce(request)},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    actor = portal_actor()
    if actor is None:
        return _closed(request)
    if request.method == "GET":
        return _render_submit(request, SubmitForm(unit=actor.unit), actor)

    ip = security.client_ip(request)
    form = SubmitForm(request.POST, unit=actor.unit)
    if security.is_exhausted(security.submit_limit(), ip) or security.is_exhausted(
        security.submit_attempt_limit(), ip
    ):
        form.is_valid()
        form.add_error(None, SUBMIT_THROTTLED)
        return _render_submit(request, form, actor, status=429)
    security.count(security.submit_attempt_limit(), ip)

    if not form.is_valid():
        return _render_submit(request, form, actor, status=400)
    if form.cleaned_data["website"]:
        form.add_error(None, HONEYPOT_MESSAGE)
        return _render_submit(request, form, actor, status=400)
    if not _take_nonce(request, form.cleaned_data["nonce"]):
        form.add_error(None, NONCE_MESSAGE)
        return _render_submit(request, form, actor, status=400)
    files = request.FILES.getlist("attachments")
    uploads = [Upload(name=f.name or "附件", stream=f, size=f.size or 0) for f in files if f.size is not None]
    try:
        result = portal_submit(fields=form.cleaned_data, uploads=uploads, actor=actor)
    except ServiceError as exc:
        field = _form_field(exc.field)
        form.add_error(field, exc.message)
        if field is not None and field != "attachments":
            form.add_error(None, exc.message)
        return _render_submit(request, form, actor, status=400)
    security.count(security.submit_limit(), ip)
    response = render(
        request,
        "portal/success.html",
        {
            "matter": result.matter,
            "code": security.format_code(result.code),
            "unit": actor.unit,
            "attachments": len(uploads),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _form_field(field: str | None) -> str | None:
    """Map a service field name (``petitioners[0].phone``) onto the portal form."""
    if not field:
        return None
    name = field.rsplit(".", 1)[-1]
    if name in SubmitForm.base_fields or name == "attachments":
        return name if name != "attachments" else None
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def query(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "portal/query.html", {"form": QueryForm()})
    ip = security.client_ip(request)
    number = (request.POST.get("number") or "").strip()[:32]
    # Throttled so that wrong codes sent from other addresses never keep the holder out (security.py).
    if not security.query_admitted(ip=ip, number=number):
        return render(
            request,
            "portal/query.html",
            {"form": QueryForm(), "error": security.THROTTLED_MESSAGE},
            status=429,
        )
    form = QueryForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/query.html", {"form": form}, status=400)
    matter = portal_find(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
    if matter is None:
        security.query_failed(ip=ip, number=number)
        # Same page for a wrong code and an unknown number; nothing typed is echoed back.
        return render(request, "portal/query.html", {"form": QueryForm(), "error": WRONG_CODE}, status=400)
    request.session.cycle_key()
    granted = [n for n in request.session.get(SESSION_MATTERS, []) if n != matter.number][-4:]
    request.session[SESSION_MATTERS] = [*granted, matter.number]
    return redirect("portal:progress", number=matter.number)


def _granted_matter(request: HttpRequest, number: str) -> Matter | None:
    if number not in request.session.get(SESSION_MATTERS, []):
        return None
    return Matter.objects.select_related("handling_unit", "region").filter(number=number).first()


@never_cache
def progress(request: HttpRequest, number: str) -> HttpResponse:
    matter = _granted_matter(request, number)
    if matter is None:
        messages.info(request, "请输入事项编号和查询码查看办理进度")
        return redirect("portal:query")
    options: dict[str, Any] = {}
    portal_options = _service("portal_options")
    if portal_options is not None:
        options = dict(portal_options(matter))
    can_evaluate = bool(options.get("can_evaluate")) and _service("evaluation_record") is not None
    can_review = bool(options.get("can_request_review")) and _service("review_request") is not None
    return render(
        request,
        "portal/progress.html",
        {
            "matter": matter,
            "timeline": public_timeline(matter),
            "deadlines": current_deadlines(matter),
            "documents": public_documents(matter),
            "can_evaluate": can_evaluate,
            "can_review": can_review,
            "review_level": options.get("review_level") or "复查",
            "review_deadline": options.get("review_deadline"),
            "evaluation_form": EvaluationForm(),
            "review_form": ReviewForm(),
        },
    )


@never_cache
def document(request: HttpRequest, number: str, document_id: int, ext: str) -> FileResponse:
    """A 告知书/意见书 of a matter this browser session has opened with its query code."""
    from xinfang.cases.documents import document_path

    matter = _granted_matter(request, number)
    found = [d for d in public_documents(matter) if d.pk == document_id] if matter else []
    if not found or ext not in DOCUMENT_TYPES:
        raise Http404("文书不存在")
    doc = found[0]
    return FileResponse(
        open(document_path(doc, ext), "rb"),
        as_attachment=True,
        filename=f"{doc.title}-{doc.doc_number}.{ext}",
        content_type=DOCUMENT_TYPES[ext],
    )


@require_POST
def evaluate(request: HttpRequest, number: str) -> HttpResponse:
    matter = _granted_matter(request, number)
    evaluation_record = _service("evaluation_record")
    if matter is None or evaluation_record is None:
        raise Http404("未找到")
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(reverse("portal:progress", args=[number]) + "#evaluation")
    try:
        evaluation_record(
            matter=matter,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            source="portal",
            actor=portal_actor(),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("portal:progress", args=[number]) + "#evaluation")
    messages.success(request, "感谢您的评价，我们已收到。")
    return redirect("portal:progress", number=number)


@require_POST
def review(request: HttpRequest, number: str) -> HttpResponse:
    matter = _granted_matter(request, number)
    review_request = _service("review_request")
    if matter is None or review_request is None:
        raise Http404("未找到")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(reverse("portal:progress", args=[number]) + "#review")
    try:
        review_request(
            matter=matter, reason=form.cleaned_data["reason"], source="portal", actor=portal_actor()
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("portal:progress", args=[number]) + "#review")
    messages.success(request, "您的请求已提交，我们将依法办理并告知您结果。")
    return redirect("portal:progress", number=number)
