"""Pages under /privacy/: the auditor's 审计日志 and 个人信息查阅记录, the registrar's 个人信息权利
(查阅复制、更正), the security officer's 安全事件 and 保存期限. Thin: parse, call one selector or service,
render. Who may open which page is the services' and selectors' rule (``separation.require_role``); a
refusal is a 403 page."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinfang.core.errors import NotFound, PermissionDenied, ServiceError
from xinfang.core.http import StaffRequest

from . import incidents as incident_services
from .exports import csv_response
from .forms import (
    AuditFilterForm,
    CloseForm,
    CorrectForm,
    ExportForm,
    IncidentForm,
    LookupForm,
    RetentionForm,
    WhenForm,
)
from .models import Incident, RecordClass
from .retention import ALLOWED_ACTIONS, retention_preview, retention_rule_set, rules
from .rights import export_rows, petitioner_correct, petitioner_export, petitioner_in_sight, petitioners_find
from .selectors import audit_log, event_rows, pii_access_counts, pii_access_log, staff_audited
from .separation import AUDITOR, SECURITY_OFFICER, require_role, role_conflicts
from .services import log_export

PAGE_SIZE = 50


def _forbidden(request: StaffRequest, exc: ServiceError) -> HttpResponse:
    return render(request, "privacy/forbidden.html", {"message": exc.message}, status=403)


def _querystring(request: StaffRequest) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


def _time(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


# --- the auditor -----------------------------------------------------------------------------------------


def _log_page(request: StaffRequest, *, pii: bool) -> HttpResponseBase:
    try:
        require_role(request.user, AUDITOR, message="只有审计员可以查阅审计日志和个人信息查阅记录")
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    form = AuditFilterForm(request.POST if request.method == "POST" else request.GET, pii=pii)
    filters = form.filters()
    if request.method == "POST":  # the export: a POST, because it writes its audit event
        _count, rows = log_export(actor=request.user, filters=filters, pii=pii)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        if pii:
            header = ["时间", "查阅人", "所在单位", "信访人", "查阅的信息", "事项编号", "理由"]
            lines = (
                (_time(r.at), r.actor, r.unit, r.person, r.fields, r.matter_number, r.reason) for r in rows
            )
            return csv_response(f"个人信息查阅记录-{stamp}.csv", header, lines)
        header = ["时间", "操作人", "所在单位", "操作", "对象", "事项编号", "理由"]
        lines = ((_time(r.at), r.actor, r.unit, r.act, r.subject, r.matter_number, r.reason) for r in rows)
        return csv_response(f"审计日志-{stamp}.csv", header, lines)
    events = (pii_access_log if pii else audit_log)(request.user, filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": event_rows(list(page)),
        "querystring": _querystring(request),
    }
    if pii:
        context["counts"] = pii_access_counts(request.user, filters)
        return render(request, "privacy/pii_log.html", context)
    context["conflicts"] = role_conflicts(staff_audited(request.user))
    return render(request, "privacy/audit_log.html", context)


@login_required
def audit_log_view(request: StaffRequest) -> HttpResponseBase:
    return _log_page(request, pii=False)


@login_required
def pii_log_view(request: StaffRequest) -> HttpResponseBase:
    return _log_page(request, pii=True)


# --- the registrar: 个人信息保护法第四十五、四十六条 ----------------------------------------------


@login_required
def petitioners(request: StaffRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    found = None
    try:
        if form.is_valid():
            found = petitioners_find(actor=request.user, **form.cleaned_data)
        else:
            require_role(request.user, "registrar", message="只有登记员可以办理个人信息查阅、复制和更正")
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "privacy/petitioners.html", {"form": form, "found": found})


@login_required
def petitioner(request: StaffRequest, petitioner_id: int) -> HttpResponse:
    try:
        sight = petitioner_in_sight(petitioner_id=petitioner_id, actor=request.user)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(
        request,
        "privacy/petitioner.html",
        {"sight": sight, "export_form": ExportForm(), "correct_form": CorrectForm()},
    )


@login_required
@require_POST
def petitioner_export_view(request: StaffRequest, petitioner_id: int) -> HttpResponseBase:
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请写明身份核验方式及申请事由")
        return redirect("privacy:petitioner", petitioner_id=petitioner_id)
    try:
        data = petitioner_export(
            petitioner_id=petitioner_id, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:petitioner", petitioner_id=petitioner_id)
    name = f"个人信息-{petitioner_id}-{timezone.localtime():%Y%m%d}"
    if form.cleaned_data["format"] == "csv":
        return csv_response(f"{name}.csv", ["部分", "序号", "项目", "内容"], export_rows(data))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.json"
    return response


@login_required
@require_POST
def petitioner_correct_view(request: StaffRequest, petitioner_id: int) -> HttpResponse:
    form = CorrectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请写明更正依据")
        return redirect("privacy:petitioner", petitioner_id=petitioner_id)
    try:
        person = petitioner_correct(petitioner_id=petitioner_id, actor=request.user, **form.cleaned_data)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ServiceError as exc:
        messages.error(request, f"未更正：{exc.message}")
    else:
        messages.success(request, f"已更正信访人“{person.name}”的档案信息，已记入审计日志")
    return redirect("privacy:petitioner", petitioner_id=petitioner_id)


# --- the security officer: incidents (第五十七条) and retention (第十九条) ----------------------------------


def _security(request: StaffRequest) -> HttpResponse | None:
    try:
        require_role(request.user, SECURITY_OFFICER, message="只有安全管理员可以处理此页面的事项")
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    return None


@login_required
def incidents(request: StaffRequest) -> HttpResponse:
    if refused := _security(request):
        return refused
    unit = request.user.unit
    form = IncidentForm(
        request.POST or None,
        initial={
            "processor": unit.name if unit else "",
            "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_services.incident_record(data=form.data_input(), actor=request.user)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已登记个人信息安全事件")
            return redirect("privacy:incident", incident_id=incident.pk)
    page = Paginator(incident_services.incident_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "privacy/incidents.html", {"form": form, "page": page})


def _incident_or_404(incident_id: int) -> Incident:
    incident = Incident.objects.select_related("created_by").filter(pk=incident_id).first()
    if incident is None:
        raise Http404("未找到该安全事件")
    return incident


@login_required
def incident(request: StaffRequest, incident_id: int) -> HttpResponse:
    if refused := _security(request):
        return refused
    item = _incident_or_404(incident_id)
    return render(
        request,
        "privacy/incident.html",
        {
            "incident": item,
            "notice": incident_services.notice_text(item),
            "form": IncidentForm.of(item),
            "when_form": WhenForm(),
            "close_form": CloseForm(),
        },
    )


@login_required
@require_POST
def incident_action(request: StaffRequest, incident_id: int, action: str) -> HttpResponse:
    if refused := _security(request):
        return refused
    _incident_or_404(incident_id)
    user = request.user
    try:
        if action == "update":
            form = IncidentForm(request.POST)
            if not form.is_valid():
                first = next(iter(form.errors.values()))[0]
                raise ServiceError("invalid", f"未保存：{first}")
            incident_services.incident_update(
                incident_id=incident_id,
                data=form.data_input(),
                actor=user,
                reason=form.cleaned_data["reason"],
            )
            done = "已保存修改"
        elif action in ("report", "notify"):
            when = WhenForm(request.POST)
            if not when.is_valid():
                raise ServiceError("invalid", "时间格式不正确")
            at = when.cleaned_data["at"]
            if action == "report":
                incident_services.incident_reported(
                    incident_id=incident_id, authority=when.cleaned_data["authority"], at=at, actor=user
                )
                done = "已记录向主管部门报告"
            else:
                incident_services.incident_notified(incident_id=incident_id, at=at, actor=user)
                done = "已记录通知个人"
        elif action == "close":
            incident_services.incident_close(
                incident_id=incident_id, actor=user, no_notice_reason=request.POST.get("no_notice_reason", "")
            )
            done = "事件已结案"
        else:
            raise Http404("未知操作")
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("privacy:incident", incident_id=incident_id)


@login_required
def retention(request: StaffRequest) -> HttpResponse:
    if refused := _security(request):
        return refused
    if request.method == "POST":
        form = RetentionForm(request.POST)
        if form.is_valid():
            try:
                retention_rule_set(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                messages.error(request, f"未保存：{exc.message}")
            else:
                messages.success(request, "保存期限已更新，已记入审计日志")
        else:
            messages.error(request, "请填写保存期限、期满处理和调整理由")
        return redirect("privacy:retention")
    current = rules()
    rows = [
        {
            "label": label,
            "rule": current.get(value),
            "form": RetentionForm(
                initial={
                    "record_class": value,
                    "months": current[value].months if value in current else None,
                    "action": current[value].action if value in current else ALLOWED_ACTIONS[value][0],
                    "basis": current[value].basis if value in current else "",
                }
            ),
        }
        for value, label in RecordClass.choices
    ]
    return render(request, "privacy/retention.html", {"rows": rows, "preview": retention_preview()})
