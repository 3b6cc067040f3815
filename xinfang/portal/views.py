"""Public portal pages (阳光信访): no account, CSRF on every form, throttled; nothing about failed attempts is
kept except the throttle counters. Thin: parse the form, call one service or selector, render.

A submission answers with a redirect (post/redirect/get) to its 登记回执, a page of its own that can be
reloaded, printed and saved; the code on it comes from the submitter's session (``receipts``). The form
carries a one-time token: the same form sent twice is one matter (``services.portal_submit``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import secrets
import time
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

from . import receipts, security
from .actor import PortalActor, portal_actor
from .forms import MAX_ATTACHMENTS, EvaluationForm, QueryForm, RecoverForm, ReviewForm, SubmitForm
from .selectors import current_deadlines, public_documents, public_timeline, receipt_facts
from .services import (
    Upload,
    portal_find,
    portal_submit,
    portal_submitted,
    query_code_recover,
)

DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SESSION_NONCES = "portal_nonces"
SESSION_MATTERS = "portal_matters"
# What this session submitted lately, by content: {digest: {"number": …, "until": Unix seconds}}.
SESSION_RECENT = "portal_recent"
WRONG_CODE = "事项编号或查询码不正确，请核对后重新输入"
SUBMIT_THROTTLED = "提交过于频繁，请稍后再试"
HONEYPOT_MESSAGE = "提交未通过校验，请刷新页面后重新填写"
NONCE_MESSAGE = "页面已过期或该表单已提交，请核对后重新提交"
ALREADY_SUBMITTED = "这份信访已经提交过，没有重复登记。下面是第一次提交时的登记回执。"
SAME_CONTENT = "您刚才已经提交过内容相同的信访事项，没有重复登记。下面是那一次的登记回执。"
RECEIPT_GONE = (
    "登记回执只在提交信访事项的浏览器上保留一段时间，现已不再显示。请输入事项编号和查询码查看办理进度；"
    "遗失查询码的，可以找回。"
)
RECOVER_SENT = (
    "如果事项编号和手机号码与信访时留下的一致，新的查询码将在几分钟内以短信发送到这个手机，原查询码随即作废。"
    "收到短信后，请在下面输入事项编号和新的查询码。"
)


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
    """Use up a token this session was given; False if it was not (or no longer is) one of them."""
    nonces = list(request.session.get(SESSION_NONCES, []))
    if not nonce or nonce not in nonces:
        return False
    nonces.remove(nonce)
    request.session[SESSION_NONCES] = nonces
    return True


def _render_submit(request: HttpRequest, form: SubmitForm, actor: PortalActor, status: int = 200):
    # A fresh one-time token on every rendering, issued to this session; once a submission with it has
    # registered a matter, the token leads to that matter (services.portal_submitted), never to a second.
    response = render(
        request,
        "portal/submit.html",
        {"form": form, "unit": actor.unit, "max_attachments": MAX_ATTACHMENTS, "nonce": _new_nonce(request)},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    # The key that will seal this submission's code on its receipt, given with the form: a double click
    # sends two POSTs and the browser keeps only the second answer, so the key must not come with the first.
    key = receipts.browser_key(request)
    receipts.give_key(response, key)
    return response


def _to_receipt(request: HttpRequest, number: str, message: str = "") -> HttpResponse:
    if message:
        messages.info(request, message)
    return redirect("portal:receipt", number=number)


def _content_digest(fields: dict[str, Any]) -> str:
    """The petition as typed (not the attachments): the same text sent again from this session — after
    going back, the browser refills the form but draws a new token — is recognised by it."""
    names = ("name", "id_number", "phone", "address", "matter_type", "region_code", "title", "request")
    text = {name: " ".join(str(fields.get(name) or "").split()) for name in (*names, "facts", "reasons")}
    return hashlib.sha256(json.dumps(text, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _recent_number(request: HttpRequest, digest: str) -> str | None:
    entry = (request.session.get(SESSION_RECENT) or {}).get(digest)
    if isinstance(entry, dict) and int(entry.get("until", 0)) > time.time():
        return str(entry["number"])
    return None


def _remember_submission(request: HttpRequest, *, token: str, digest: str, number: str, code: str) -> str:
    """The session's side of a registered submission: the token is used up, the content and the receipt
    (with the code, sealed) kept for a short time. Returns the browser's receipt key."""
    _take_nonce(request, token)
    now = int(time.time())
    recent = {
        d: e
        for d, e in (request.session.get(SESSION_RECENT) or {}).items()
        if isinstance(e, dict) and int(e.get("until", 0)) > now
    }
    recent[digest] = {"number": number, "until": now + receipts.shown_seconds()}
    request.session[SESSION_RECENT] = dict(list(recent.items())[-receipts.MAX_KEPT :])
    return receipts.shelve(request, namespace=receipts.PORTAL, number=number, code=security.format_code(code))


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    actor = portal_actor()
    if actor is None:
        return _closed(request)
    if request.method == "GET":
        return _render_submit(request, SubmitForm(unit=actor.unit), actor)

    token = (request.POST.get("nonce") or "")[:64]
    # The same form again (double click, retry, resent POST): its first matter, before any limit or check.
    first = portal_submitted(token)
    if first is not None:
        return _to_receipt(request, first.number, ALREADY_SUBMITTED)
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
    digest = _content_digest(form.cleaned_data)
    earlier = _recent_number(request, digest)
    if earlier is not None:
        return _to_receipt(request, earlier, SAME_CONTENT)
    if token not in request.session.get(SESSION_NONCES, []):
        form.add_error(None, NONCE_MESSAGE)
        return _render_submit(request, form, actor, status=400)
    files = request.FILES.getlist("attachments")
    uploads = [Upload(name=f.name or "附件", stream=f, size=f.size or 0) for f in files if f.size is not None]
    kept: dict[str, str] = {}

    def keep_receipt(matter: Matter, code: str) -> None:
        # Inside the registration's transaction, and the session written there too: whatever sees the
        # matter — a second copy of this form racing it — finds the receipt in place.
        kept["key"] = _remember_submission(
            request, token=token, digest=digest, number=matter.number, code=code
        )
        request.session.save()

    try:
        result = portal_submit(
            fields=form.cleaned_data, uploads=uploads, actor=actor, token=token, on_registered=keep_receipt
        )
    except ServiceError as exc:
        field = _form_field(exc.field)
        form.add_error(field, exc.message)
        if field is not None and field != "attachments":
            form.add_error(None, exc.message)
        return _render_submit(request, form, actor, status=400)
    if result.repeated:
        return _to_receipt(request, result.matter.number, ALREADY_SUBMITTED)
    security.count(security.submit_limit(), ip)
    response = _to_receipt(request, result.matter.number)
    receipts.give_key(response, kept["key"])
    return response


@never_cache
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """The 登记回执: with the query code for the browser that submitted, for a short time; without it for a
    session that has opened the matter with its code. Anyone else is sent to the query page."""
    kept = receipts.shelved(request, namespace=receipts.PORTAL, number=number)
    code = kept.code if kept is not None else None
    if code is None and number not in request.session.get(SESSION_MATTERS, []):
        messages.info(request, RECEIPT_GONE)
        return redirect("portal:query")
    matter = Matter.objects.select_related("registering_unit", "handling_unit").filter(number=number).first()
    if matter is None:
        raise Http404("未找到")
    return render(
        request,
        "portal/receipt.html",
        {
            "facts": receipt_facts(matter),
            "code": code,
            "until": dt.datetime.fromtimestamp(kept.until, tz=dt.UTC) if kept and code else None,
            "shown_minutes": receipts.shown_seconds() // 60,
            "portal_url": request.build_absolute_uri(reverse("portal:home")),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest) -> HttpResponse:
    """找回查询码: one answer whatever was typed (security.py: the recovery throttles)."""
    if request.method == "GET":
        return render(request, "portal/recover.html", {"form": RecoverForm()})
    started = time.monotonic()
    ip = security.client_ip(request)
    if security.is_exhausted(security.recover_limit(), f"ip:{ip}"):
        return render(
            request,
            "portal/recover.html",
            {"form": RecoverForm(), "error": security.THROTTLED_MESSAGE},
            status=429,
        )
    security.count(security.recover_limit(), f"ip:{ip}")
    form = RecoverForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/recover.html", {"form": form}, status=400)
    actor = portal_actor()
    if actor is None:
        return _closed(request)
    query_code_recover(number=form.cleaned_data["number"], phone=form.cleaned_data["phone"], actor=actor)
    security.answer_no_sooner_than(started, security.recover_answer_seconds())
    messages.info(request, RECOVER_SENT)  # neutral: nothing here says whether a message went out
    return redirect("portal:query")


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
