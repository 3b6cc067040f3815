"""并入 on the matter page: the smart suggestions for a registered matter that came without a registrar at the
form (portal, API, 12345), with its 判重 candidates; folding it into the matter it repeats, and undoing that
(``cases.merging``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from xinfang.cases.merging import MERGE_ROLES, matter_merge_into, matter_unmerge
from xinfang.cases.models import Matter, MatterStatus
from xinfang.cases.selectors import matter_for
from xinfang.core.errors import NotFound, ServiceError
from xinfang.core.http import StaffRequest
from xinfang.intake.models import Contact
from xinfang.routing.services import routes_here
from xinfang.smart.services import suggest_for_contact

from .guards import markup_free


def _matter_or_404(request: StaffRequest, number: str) -> Matter:
    try:
        return matter_for(request.user, number)
    except NotFound as exc:
        raise Http404(exc.message) from None


def merge_context(matter: Matter, user: Any) -> dict[str, Any]:
    """For the office that routes the matter: the suggestions of its first contact (worked out once, then
    kept) while it waits to be routed, and whether it may fold or unfold it."""
    owner = routes_here(matter, user) and user.has_role(*MERGE_ROLES)
    smart = None
    if owner and matter.status == MatterStatus.REGISTERED:
        first = Contact.objects.filter(matter=matter).order_by("ordinal").select_related("matter").first()
        if first is not None:
            smart = suggest_for_contact(contact=first, actor=user)
    return {
        "smart": smart,
        "can_merge": owner and matter.status == MatterStatus.REGISTERED,
        "can_unmerge": owner and matter.status == MatterStatus.MERGED,
    }


@login_required
@require_POST
def merge(request: StaffRequest, number: str) -> HttpResponse:
    matter = _matter_or_404(request, number)
    try:
        markup_free(request.POST)
        target = matter_merge_into(
            matter=matter,
            # A 判重 candidate's button sends ``target``; the typed number comes as ``target_manual``.
            target_number=request.POST.get("target") or request.POST.get("target_manual", ""),
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, f"未并入：{exc.message}")
        return redirect("web:matter", number=number)
    messages.success(request, f"已将本事项的信访件并入事项 {target.number}，可在本页撤销")
    return redirect("web:matter", number=number)


@login_required
@require_POST
def unmerge(request: StaffRequest, number: str) -> HttpResponse:
    matter = _matter_or_404(request, number)
    try:
        markup_free(request.POST)
        matter_unmerge(matter=matter, actor=request.user, reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, f"未撤销：{exc.message}")
    else:
        messages.success(request, "已撤销并入，本事项恢复待分流")
    return redirect("web:matter", number=number)
