"""Reads of the public portal: the public timeline (no internal notes, no staff names), the deadline that
applies now and the documents a petitioner may download."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from xinfang.audit.selectors import matter_timeline
from xinfang.cases.models import IssuedDocument, Matter, MatterType
from xinfang.cases.selectors import running_clocks
from xinfang.org.models import Unit

from .actor import PORTAL_LABEL

# verb → what the petitioner reads. Unknown public verbs read as a neutral "办理进展".
PUBLIC_VERBS = {
    "matter.registered": "信访事项已登记",
    "contact.attached": "再次信访，已并入原事项办理",
    "matter.route": "已转交有权处理的单位",
    "matter.accept": "有权处理单位已受理",
    "matter.accept_direct": "已受理",
    "matter.not_accept": "不予受理",
    "matter.not_accepted_final": "不再受理：同一事实和理由已经复核终结（第三十六条）",
    "matter.objection_approved": "重新分流",
    "matter.recall": "重新分流",
    "matter.close": "已办结",
    "matter.opinion": "已出具处理意见书",
    "matter.extended": "办理期限已延长",
    "opinion.served": "意见书已送达",
    "matter.evaluated": "已收到您的评价",
    "matter.review_request": "已收到复查请求",
    "matter.review_decide": "已出具复查意见书",
    "matter.recheck_request": "已收到复核请求",
    "matter.hearing": "已举行听证（听证时间不计入复核期限）",
    "matter.recheck_decide": "已出具复核意见书，事项终结",
    "document.issued": "已制发文书",
    "followup.done": "处理意见已落实",
    "matter.joint_added": "联合办理",
    # Older names, kept so timelines written before they were renamed still read well.
    "opinion.issued": "已出具处理意见",
    "evaluation.recorded": "已收到您的评价",
    "review.requested": "已收到复查/复核请求",
}
# Only these verbs carry a text meant for the petitioner: the notice of acceptance (Art 23), the reasons for
# an extension (Art 34), and the answer or legal channel a matter was closed with (Art 29–31).
REASON_IS_NOTICE = {
    "matter.accept",
    "matter.accept_direct",
    "matter.not_accept",
    "matter.extended",
    "matter.close",
    "followup.done",
}
ROUTE_MODES = {"transfer": "转送", "assign": "交办"}


@dataclass(frozen=True)
class PublicEntry:
    at: dt.datetime
    label: str
    detail: str
    by: str


def public_timeline(matter: Matter) -> list[PublicEntry]:
    events = list(matter_timeline(matter.pk, public_only=True))
    unit_ids = {e.actor_unit_id for e in events if e.actor_unit_id}
    units = {u.pk: u.name for u in Unit.objects.filter(pk__in=unit_ids)}
    entries = []
    for event in events:
        new: dict[str, Any] = event.new if isinstance(event.new, dict) else {}
        label = PUBLIC_VERBS.get(event.verb, "办理进展")
        detail = ""
        if event.verb == "matter.route" and new.get("unit"):
            mode = ROUTE_MODES.get(str(new.get("mode")), "转交")
            detail = f"{mode}至 {new['unit']}"
        elif event.verb == "matter.accept" and new.get("unit"):
            detail = f"承办单位：{new['unit']}"
        elif event.verb == "document.issued" and new.get("title"):
            detail = f"{new['title']}（{new.get('doc_number', '')}），可在下方下载"
        elif event.verb == "matter.extended" and new.get("new_due"):
            detail = f"延长至 {new['new_due']}"
        elif event.verb == "matter.joint_added" and new.get("unit"):
            detail = f"{new['unit']}{'（牵头）' if new.get('lead') else ''}参与办理"
        if event.verb in REASON_IS_NOTICE and event.reason:
            detail = f"{detail}\n{event.reason}" if detail else event.reason
        if event.actor_label == PORTAL_LABEL:
            by = PORTAL_LABEL
        else:
            by = units.get(event.actor_unit_id or 0, "工作人员")
        entries.append(
            PublicEntry(at=timezone.localtime(event.occurred_at), label=label, detail=detail, by=by)
        )
    return entries


@dataclass(frozen=True)
class CurrentDeadline:
    label: str
    due_on: dt.date
    days_left: int
    # The period runs past the entered holiday notices: the date counts the statutory holidays only and may
    # move once the State Council's notice for that year is entered (deadlines.statutory).
    provisional: bool = False


def current_deadlines(matter: Matter) -> list[CurrentDeadline]:
    today = timezone.localdate()
    return [
        CurrentDeadline(
            label=c.label,
            due_on=c.due_on,
            days_left=(c.due_on - today).days,
            provisional=bool((c.explanation or {}).get("beyond_calendar")),
        )
        for c in running_clocks(matter)
    ]


def public_documents(matter: Matter) -> list[IssuedDocument]:
    """The 告知书/意见书 addressed to the petitioner (internal 办结报告 are never public)."""
    return list(IssuedDocument.objects.filter(matter=matter, is_public=True).order_by("created_at", "id"))


@dataclass(frozen=True)
class ReceiptFacts:
    """What the 登记回执 says about a matter: when it was received, by whom, and what happens next."""

    matter: Matter
    received_at: dt.datetime
    registered_by: str
    handled_by: str
    next_steps: list[str]


def _on(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def receipt_facts(matter: Matter) -> ReceiptFacts:
    """The receipt of ``matter``; the next steps follow the clocks running now, in plain words with the
    articles of the 《信访工作条例》 they come from."""
    registered_by = matter.registering_unit.name if matter.registering_unit else "信访部门"
    handled_by = matter.handling_unit.name if matter.handling_unit else ""
    steps: list[str] = []
    clocks = {c.kind: c for c in running_clocks(matter)}
    routing, notice = clocks.get("routing"), clocks.get("notice")
    if routing is not None:
        steps.append(
            f"{registered_by}在{_on(routing.due_on)}前（收到之日起15日内）依法处理您的信访事项：转送、交办有权"
            "处理的机关、单位，或者依法直接受理（《信访工作条例》第二十二条）。"
        )
        steps.append(
            "有权处理的机关、单位收到后15日内决定是否受理，并书面告知您（受理告知书，《信访工作条例》第二十三条）。"
        )
    elif notice is not None:
        unit = handled_by or registered_by
        steps.append(
            f"{unit}在{_on(notice.due_on)}前（收到之日起15日内）决定是否受理，并书面告知您（受理告知书，"
            "《信访工作条例》第二十三条）。"
        )
    if steps and matter.matter_type == MatterType.PETITION:
        steps.append(
            "受理后一般在60日内办结，并出具书面处理意见；对处理意见不服的，可以在收到之日起30日内请求复查。"
        )
    if not steps:
        steps.append("办理进展和结果会在网上平台公布，您可以随时查询。")
    return ReceiptFacts(
        matter=matter,
        received_at=timezone.localtime(matter.first_received_at),
        registered_by=registered_by,
        handled_by=handled_by,
        next_steps=steps,
    )
