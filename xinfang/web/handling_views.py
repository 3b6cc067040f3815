"""Staff actions of the handling chain on the matter page: each POST calls one service in
``xinfang.cases.handling`` and comes back to the matter with a Chinese message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from xinfang.cases import handling
from xinfang.cases.models import Level, Opinion
from xinfang.cases.selectors import matter_for
from xinfang.core.errors import NotFound, ServiceError, ValidationFailed
from xinfang.core.http import StaffRequest


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
    try:
        run(matter, request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    except ValueError:
        messages.error(request, "请检查填写的数字")
    else:
        messages.success(request, ok)
    return redirect("web:matter", number=number)
