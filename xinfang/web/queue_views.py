"""Working the queues: time left on each matter, routing several at once, and print views of a list and of a
matter's file (卷宗). Every action goes through the same services as one matter at a time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinfang.audit.selectors import matter_acts, matter_timeline
from xinfang.cases.clocks import local_today
from xinfang.cases.selectors import can_see_identity, matter_for, running_clocks
from xinfang.core.errors import NotFound, ServiceError
from xinfang.core.http import StaffRequest
from xinfang.intake.models import Contact
from xinfang.org.models import Unit
from xinfang.routing.services import matter_route

from .forms import RouteForm
from .guards import markup_free

#: How many matters one batch may route: a page of the queue.
MAX_BATCH = 50


def days_left(due_at: dt.datetime | None, today: dt.date | None = None) -> dict[str, Any] | None:
    """Calendar days from today to the due date (negative: overdue) and how to show them."""
    if due_at is None:
        return None
    today = today or local_today()
    left = (timezone.localtime(due_at).date() - today).days
    if left < 0:
        return {"days": left, "text": f"逾期{-left}天", "css": "overdue"}
    if left <= 3:
        return {"days": left, "text": "今日届满" if left == 0 else f"剩{left}天", "css": "soon"}
    return {"days": left, "text": f"剩{left}天", "css": "ok"}


@login_required
@require_POST
def route_batch(request: StaffRequest) -> HttpResponse:
    """转送/交办 the ticked matters of 待分流 to one unit: each through ``matter_route`` in its own
    transaction, so one refusal (an accusation against that unit, say) leaves the others routed and is
    named."""
    numbers = list(dict.fromkeys(n for n in request.POST.getlist("numbers") if n))[:MAX_BATCH]
    form = RouteForm(request.POST)
    unit = Unit.objects.filter(pk=form.data.get("unit") or 0).first() if form.is_valid() else None
    if not numbers or unit is None:
        messages.error(request, "请勾选事项并选择接收单位和方式")
        return redirect("web:inbox")
    done, refused = [], []
    for number in numbers:
        try:
            markup_free(request.POST)
            matter_route(
                matter=matter_for(request.user, number),
                unit=unit,
                mode=form.cleaned_data["mode"],
                actor=request.user,
                instructions=form.cleaned_data["instructions"],
                deadline_days=form.cleaned_data["deadline_days"],
            )
        except ServiceError as exc:
            refused.append(f"{number}：{exc.message}")
        else:
            done.append(number)
    if done:
        messages.success(request, f"已转交{unit.name}：{len(done)}件（{'、'.join(done)}）")
    for line in refused:
        messages.error(request, f"未转交 {line}")
    return redirect("web:inbox")


@login_required
def matter_print(request: StaffRequest, number: str) -> HttpResponse:
    """The matter's file (卷宗) laid out for printing: contacts, parties as masked as on screen (none for an
    accusation shielded from the viewer), the acts in order, the opinions and documents."""
    try:
        matter = matter_for(request.user, number)
    except NotFound:
        raise Http404("未找到信访事项，或您无权查看") from None
    contacts = list(
        Contact.objects.filter(matter=matter).prefetch_related("parties__petitioner", "attachments")
    )
    return render(
        request,
        "web/matter_print.html",
        {
            "matter": matter,
            "contacts": list(contacts),
            "show_identity": can_see_identity(request.user, matter),
            "clocks": list(running_clocks(matter)),
            "timeline": matter_acts(matter_timeline(matter.pk)),
            "opinions": list(matter.opinions.select_related("unit").order_by("signed_at")),
            "documents": list(matter.documents.all()),
            "printed_at": timezone.localtime(),
            "printed_by": request.user.display_label,
        },
    )


def to_route_context(request: StaffRequest) -> dict[str, Any]:
    """待分流 for the inbox: a page of the office's own matters, with the time left on each, sortable, and the
    units a batch may be routed to."""
    from django.core.paginator import Paginator

    from xinfang.cases.selectors import sees_jurisdiction
    from xinfang.routing.selectors import matters_to_route

    user = request.user
    if not sees_jurisdiction(user):
        return {"to_route": None}
    sort = request.GET.get("sort", "due")
    page = Paginator(matters_to_route(user, sort=sort), 25).get_page(request.GET.get("page"))
    today = local_today()
    for matter in page:
        # due_at: annotated by matters_to_route; left: for the template only.
        matter.left = days_left(matter.due_at, today)  # type: ignore[attr-defined]
    units = Unit.objects.filter(is_active=True).exclude(pk=user.unit_id or 0).order_by("region_id", "name")
    return {"to_route": page, "route_sort": sort, "route_units": units, "route_form": RouteForm()}
