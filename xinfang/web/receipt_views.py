"""The 登记回执 at the staff desk: a walk-in, letter or phone petitioner gets the matter number and a query
code as an online submitter does. The 登记 page has the code made in the registration's transaction
(``QueryCodeForNewMatter``) and offers the receipt; this page shows it — with the code only to the
registrar's browser, for a short time (portal.receipts), and the code is never stored."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html

from xinfang.cases.models import Matter
from xinfang.cases.selectors import matter_for
from xinfang.core.errors import NotFound
from xinfang.core.http import StaffRequest
from xinfang.intake.models import Contact
from xinfang.portal import receipts
from xinfang.portal.security import format_code
from xinfang.portal.selectors import receipt_facts
from xinfang.portal.services import query_code_issue

NO_CODE_TEXT = (
    "查询码已在登记时交给信访人，本系统不保存查询码原文。遗失的，信访人可以在网上平台凭留下的手机号码找回。"
)


class QueryCodeForNewMatter:
    """``contact_register(also_in_transaction=…)`` of the 登记 page: a new matter gets its query code with
    the registration (both commit or neither); a repeat petition joins a matter that has its own."""

    def __init__(self, actor: object) -> None:
        self.actor = actor
        self.code: str | None = None

    def __call__(self, contact: Contact) -> None:
        if not contact.is_repeat:
            self.code = query_code_issue(matter=contact.matter, actor=self.actor)


def offer_receipt(
    request: StaffRequest, response: HttpResponse, matter: Matter, code: str | None
) -> HttpResponse:
    """Keep the new code for the receipt page (this browser, a short time) and say where to print it."""
    if code is None:
        return response
    key = receipts.shelve(request, namespace=receipts.STAFF, number=matter.number, code=format_code(code))
    receipts.give_key(response, key)
    messages.info(
        request,
        format_html(
            '已生成查询码。请<a href="{}">打印登记回执</a>交给信访人（来电的可以告知事项编号和查询码），'
            "查询码只在回执页显示{}分钟。",
            reverse("web:receipt", args=[matter.number]),
            receipts.shown_seconds() // 60,
        ),
    )
    return response


def public_portal_url(request: StaffRequest) -> str:
    """The address citizens reach the portal at: the staff workspace may be on an intranet host, so a
    deployment names it in XINFANG_PORTAL_PUBLIC_URL; otherwise this host's /portal/."""
    return getattr(settings, "XINFANG_PORTAL_PUBLIC_URL", "") or request.build_absolute_uri(
        reverse("portal:home")
    )


@login_required
def receipt(request: StaffRequest, number: str) -> HttpResponse:
    try:
        matter = matter_for(request.user, number)
    except NotFound as exc:  # out of sight or no such number: the same 404
        raise Http404(exc.message) from None
    kept = receipts.shelved(request, namespace=receipts.STAFF, number=number)
    return render(
        request,
        "web/receipt.html",
        {
            "facts": receipt_facts(matter),
            "code": kept.code if kept is not None else None,
            "shown_minutes": receipts.shown_seconds() // 60,
            "portal_url": public_portal_url(request),
            "no_code_text": NO_CODE_TEXT,
        },
    )
