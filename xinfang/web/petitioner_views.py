"""信访人合并 in the staff workspace: the records the blind indexes say are one person, and the merge itself
(``intake.merge``). Registrars and administrators only; masked values only — merging needs no reveal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from xinfang.core.errors import ServiceError
from xinfang.core.http import StaffRequest
from xinfang.intake.merge import (
    MERGE_ROLES,
    petitioner_duplicates,
    petitioner_merge,
    petitioner_unmerge,
    recent_merges,
)


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
