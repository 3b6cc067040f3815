"""Staff actions of the handling chain on the matter page: each POST calls one service in
``xinfang.cases.handling`` and comes back to the matter with a Chinese message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinfang.cases import drafts, handling
from xinfang.cases.clocks import local_today
from xinfang.cases.documents import petitioner_names
from xinfang.cases.legal_basis import require_basis
from xinfang.cases.models import Decision, Level, Opinion, ReviewOutcome
from xinfang.cases.selectors import matter_for
from xinfang.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from xinfang.core.http import StaffRequest

from .guards import markup_free

# A refused form comes back filled in: what the user typed is kept in the session (one draft per user,
# keyed by matter and action) until the action succeeds, so a missing legal basis costs no retyping.
DRAFT_KEY = "handling_draft"
DRAFT_FIELDS = {
    "opinion": ("decision", "request", "facts", "reasons", "findings", "decision_text", "legal_basis"),
    "review": ("decision", "request", "facts", "reasons", "findings", "decision_text", "legal_basis"),
    "recheck": ("decision", "request", "facts", "reasons", "findings", "decision_text", "legal_basis"),
    "extend": ("days", "reason"),
    "channel": ("item", "channel", "why"),
}
# Actions only the unit head signs or approves (Art 34: extension "经本机关、单位负责人批准"); said plainly
# before the service's generic refusal.
SIGNER_ONLY = {
    "extend": "延长办理期限须经单位负责人批准（《信访工作条例》第三十四条）",
}
# 拟稿 → 签发: a handler's 意见书 form (or a head's "保存草稿") is kept as the unit's draft for the head.
OPINION_LEVELS = {"opinion": Level.OPINION, "review": Level.REVIEW, "recheck": Level.RECHECK}


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("date_invalid", "日期格式应为 年-月-日", field=field) from None


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _opinion(matter, request: StaffRequest, level: str) -> Any:
    p = request.POST
    return handling.opinion_issue(
        matter=matter,
        level=level,
        decision=p.get("decision", ""),
        request=p.get("request", ""),
        facts=p.get("facts", ""),
        reasons=p.get("reasons", ""),
        findings=p.get("findings", ""),
        decision_text=p.get("decision_text", ""),
        legal_basis=_lines(p.get("legal_basis", "")),
        actor=request.user,
    )


def _serve(matter, request: StaffRequest) -> Any:
    opinion = Opinion.objects.filter(matter=matter, served_on=None).order_by("-signed_at").first()
    if opinion is None:
        raise ValidationFailed("nothing_to_serve", "没有待送达的意见书")
    return handling.opinion_served(
        opinion=opinion,
        method=request.POST.get("method", ""),
        served_on=_date(request.POST.get("served_on", ""), "served_on"),
        actor=request.user,
    )


ACTIONS: dict[str, tuple[Callable[[Any, StaffRequest], Any], str]] = {
    "extend": (
        lambda m, r: handling.extension_grant(
            matter=m, days=int(r.POST.get("days") or 0), reason=r.POST.get("reason", ""), actor=r.user
        ),
        "已批准延期",
    ),
    "channel": (
        lambda m, r: handling.matter_lead_to_channel(
            matter=m,
            item=int(r.POST.get("item") or 0),
            channel=r.POST.get("channel", ""),
            why=r.POST.get("why", ""),
            actor=r.user,
        ),
        "已导入法定途径并办结",
    ),
    "opinion": (lambda m, r: _opinion(m, r, Level.OPINION), "处理意见书已签发"),
    "review": (lambda m, r: _opinion(m, r, Level.REVIEW), "复查意见书已签发"),
    "recheck": (lambda m, r: _opinion(m, r, Level.RECHECK), "复核意见书已签发，事项终结"),
    "serve": (_serve, "已登记送达"),
    "evaluate": (
        lambda m, r: handling.evaluation_record(
            matter=m,
            rating=r.POST.get("rating", ""),
            comment=r.POST.get("comment", ""),
            source="phone",
            actor=r.user,
        ),
        "回访评价已记录",
    ),
    "hearing": (
        lambda m, r: handling.hearing_record(
            matter=m,
            held_from=_date(r.POST.get("held_from", ""), "held_from"),
            held_to=_date(r.POST.get("held_to", ""), "held_to"),
            participants=_lines(r.POST.get("participants", "")),
            minutes=r.POST.get("minutes", ""),
            outcome=r.POST.get("outcome", ""),
            actor=r.user,
        ),
        "听证已登记",
    ),
}


@login_required
@require_POST
def handle(request: StaffRequest, number: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("未知操作")
    try:
        matter = matter_for(request.user, number)
    except NotFound as exc:
        raise Http404(exc.message) from None
    run, ok = ACTIONS[action]
    if action in OPINION_LEVELS and (
        request.POST.get("save_draft") or not request.user.has_role(*handling.SIGNING_ROLES)
    ):
        return _save_draft(request, matter, action)
    if action in OPINION_LEVELS and request.POST.get("confirm") != "1":
        return _preview(request, matter, action)
    try:
        markup_free(request.POST)
        if action in SIGNER_ONLY and not request.user.has_role(*handling.SIGNING_ROLES):
            raise PermissionDenied("not_signatory", SIGNER_ONLY[action])
        run(matter, request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        _keep_draft(request, number, action)
    except ValueError:
        messages.error(request, "请检查填写的数字")
        _keep_draft(request, number, action)
    else:
        messages.success(request, ok)
        if draft_for(request, number, action):
            del request.session[DRAFT_KEY]
    return redirect("web:matter", number=number)


# What the petitioner may do next, as the signed document will say it (Art 35–36).
_RIGHTS = {
    Level.OPINION: "信访人对处理意见不服的，可以自收到书面答复之日起30日内请求原办理机关的上一级机关复查。",
    Level.REVIEW: "信访人对复查意见不服的，可以自收到书面意见之日起30日内向复查机关的上一级机关请求复核。",
    Level.RECHECK: "复核意见为终结意见；信访人仍以同一事实和理由提出投诉请求的，不再受理。",
}


def _preview(request: StaffRequest, matter: Any, action: str) -> HttpResponse:
    """签发 is the binding act: the head first sees the 意见书 as it will read — the flagged legal-basis lines
    included — and confirms it (the form comes back with ``confirm=1``). Nothing is written; what was typed
    is kept, so 返回修改 finds it in the form."""
    level = OPINION_LEVELS[action]
    fields = {name: request.POST.get(name, "")[:20000] for name in DRAFT_FIELDS[action]}
    _keep_draft(request, matter.number, action)
    try:
        markup_free(request.POST)
        basis = require_basis(_lines(fields["legal_basis"]))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("web:matter", number=matter.number)
    labels = dict(Decision.choices if level == Level.OPINION else ReviewOutcome.choices)
    return render(
        request,
        "web/sign_preview.html",
        {
            "matter": matter,
            "action": action,
            "title": f"{Level(level).label}书",
            "unit_name": request.user.unit.name if request.user.unit else "",
            "petitioner_name": "、".join(petitioner_names(matter)) or "信访人",
            "fields": fields,
            "decision_label": labels.get(fields["decision"], "（未选择）"),
            "basis": basis,
            "rights": _RIGHTS[level],
            "signer": request.user.display_label,
            "today": local_today(),
        },
    )


def _keep_draft(request: StaffRequest, number: str, action: str) -> None:
    if action in DRAFT_FIELDS:
        data = {name: request.POST.get(name, "")[:20000] for name in DRAFT_FIELDS[action]}
        request.session[DRAFT_KEY] = {"number": number, "action": action, "data": data}


def draft_for(request: Any, number: str, action: str) -> dict[str, str]:
    """The refused form data of ``action`` on matter ``number`` kept for this user, or ``{}``."""
    draft = request.session.get(DRAFT_KEY) if hasattr(request, "session") else None
    if isinstance(draft, dict) and draft.get("number") == number and draft.get("action") == action:
        return dict(draft.get("data") or {})
    return {}


def _save_draft(request: StaffRequest, matter: Any, action: str) -> HttpResponse:
    data = {name: request.POST.get(name, "") for name in DRAFT_FIELDS[action]}
    try:
        drafts.opinion_draft_save(matter=matter, level=OPINION_LEVELS[action], data=data, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        _keep_draft(request, matter.number, action)
    else:
        messages.success(request, "意见书草稿已保存，待负责人审核签发")
        if draft_for(request, matter.number, action):
            del request.session[DRAFT_KEY]
    return redirect("web:matter", number=matter.number)
