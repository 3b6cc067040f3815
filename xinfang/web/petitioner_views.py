"""Petitioners in the staff workspace: revealing what a contact gave (audited), settling details a contact
gave that differ from the person's record, and 信访人合并 — the records the blind indexes say are one person,
and the merge itself (``intake.merge``; registrars and administrators only, masked values only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinfang.cases.selectors import visible_matters
from xinfang.core.errors import ServiceError
from xinfang.core.http import StaffRequest
from xinfang.intake.merge import (
    MERGE_ROLES,
    petitioner_duplicates,
    petitioner_merge,
    petitioner_unmerge,
    recent_merges,
)
from xinfang.intake.petitioners import party_details_settle, party_reveal


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


@login_required
def duplicates(request: StaffRequest) -> HttpResponse:
    if not request.user.has_role(*MERGE_ROLES):
        return render(request, "web/petitioners.html", {"forbidden": True}, status=403)
    if request.method == "POST" and request.POST.get("action") == "unmerge":
        try:
            restored = petitioner_unmerge(
                duplicate_id=_int(request.POST.get("duplicate")),
                actor=request.user,
                reason=request.POST.get("reason", ""),
            )
        except ServiceError as exc:
            messages.error(request, f"未撤销：{exc.message}")
        else:
            messages.success(request, f"已撤销合并，信访人“{restored.name}”（编号 {restored.pk}）已恢复")
        return redirect("web:petitioner_duplicates")
    if request.method == "POST":
        keep, dup = _int(request.POST.get("keep")), _int(request.POST.get("duplicate"))
        try:
            kept = petitioner_merge(
                keep_id=keep, duplicate_id=dup, actor=request.user, reason=request.POST.get("reason", "")
            )
        except ServiceError as exc:
            messages.error(request, f"未合并：{exc.message}")
        else:
            messages.success(
                request, f"已将重复记录合并到信访人“{kept.name}”（编号 {kept.pk}），已记入审计日志"
            )
        return redirect("web:petitioner_duplicates")
    groups = [
        {"why": g.why, "keep": g.people[0], "rows": [(p, g.matters.get(p.pk, [])) for p in g.people]}
        for g in petitioner_duplicates(request.user)
    ]
    return render(request, "web/petitioners.html", {"groups": groups, "recent": recent_merges(request.user)})


@login_required
@require_POST
def reveal(request: StaffRequest, party_id: int) -> JsonResponse:
    """The fields asked for (``fields=id_number,phone,address``), as the contact gave them: one click, one
    audit event."""
    try:
        values = party_reveal(
            party_id=party_id,
            fields=[f for f in request.POST.get("fields", "").split(",") if f],
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"values": values})


@login_required
@require_POST
def settle_details(request: StaffRequest, party_id: int) -> HttpResponse:
    """核实后更新档案 / 不采用: a registrar's answer about details a contact gave that differ from the
    record."""
    accept = request.POST.get("accept") == "1"
    # The matter to come back to, only if the user may see it: a redirect naming any other would tell its
    # number to whoever guesses a party id (an accusation against their own unit included).
    number = (
        visible_matters(request.user)
        .filter(contacts__parties__pk=party_id)
        .values_list("number", flat=True)
        .first()
    )
    if number is None:
        raise Http404("未找到该信访人信息，或您无权查看")
    try:
        person = party_details_settle(
            party_id=party_id, actor=request.user, accept=accept, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"已核实并更新信访人“{person.name}”的档案信息"
            if accept
            else "已记录：该信访件所留信息不更新档案",
        )
    return redirect("web:matter", number=number)
