"""The message table: every text a petitioner or unit can receive, in one reviewable place.

Texts are plain ``str.format`` templates with named fields only. They carry the matter number (which the
petitioner needs to query progress) but never an ID number: ``render`` refuses any text that contains one.

A text that must carry a secret (a new query code) has two versions: ``text``, which is what ``notify``
stores in the notification row (every body it queues is kept) and what a retry would send, and
``secret_text`` with the secret, which ``render_secret`` fills for the first delivery only (the caller
hands it to the queued row in memory; see portal.services.query_code_recover). The secret never reaches the
database.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xinfang.core.errors import ValidationFailed

from .models import Audience

# 18-digit resident ID (last may be X) and the legacy 15-digit form, not embedded in a longer digit run.
# Matter numbers (440305-2026-000123) are dash-separated and never match.
_ID_NUMBER_RE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")
MAX_BODY = 500


@dataclass(frozen=True)
class Template:
    key: str
    audience: str
    subject: str
    text: str
    # With a secret field (e.g. {code}): sent once, never stored (module docstring). ``text`` must then read
    # well without the secret, because a retry of a failed delivery sends it.
    secret_text: str = ""

    @property
    def fields(self) -> set[str]:
        parts = [*string.Formatter().parse(self.subject), *string.Formatter().parse(self.text)]
        return {name for _, name, _, _ in parts if name}


# Every petitioner now has a query code: online submitters see it on their receipt, walk-in and letter
# petitioners get it on the printed 登记回执, and anyone can have a new one texted to the phone given on the
# petition (portal 找回查询码).
_QUERY_HINT = (
    "可凭事项编号和查询码（见登记回执；遗失可在网上平台凭本手机号找回）在阳光信访网上平台查询办理进度。"
)

TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in [
        Template(
            "matter_registered",
            Audience.PETITIONER,
            "信访事项登记告知",
            "您的信访事项已登记，编号{number}。我们将在15日内依法分流处理，" + _QUERY_HINT,
        ),
        Template(
            "matter_accepted",
            Audience.PETITIONER,
            "信访事项受理告知",
            "您的信访事项（编号{number}）已由{unit}受理，将在法定期限内办理并出具处理意见。" + _QUERY_HINT,
        ),
        Template(
            "extension_granted",
            Audience.PETITIONER,
            "信访事项延期告知",
            "您的信访事项（编号{number}）经批准延长办理期限，延长后的期限为{due_date}。" + _QUERY_HINT,
        ),
        Template(
            "opinion_issued",
            Audience.PETITIONER,
            "信访事项处理意见告知",
            "您的信访事项（编号{number}）已由{unit}出具处理意见书，请注意查收。"
            "如不服，可自收到之日起30日内请求复查。",
        ),
        Template(
            "review_decided",
            Audience.PETITIONER,
            "信访事项复查意见告知",
            "您的信访事项（编号{number}）复查意见已作出，请注意查收复查意见书。"
            "如不服，可自收到之日起30日内请求复核。",
        ),
        Template(
            "assignment_received",
            Audience.UNIT,
            "信访事项{kind}通知",
            "{unit}：信访事项{number}已{kind}贵单位，请于{due_date}前登录系统签收办理。",
        ),
        Template(
            "matter_answered",
            Audience.PETITIONER,
            "信访事项答复告知",
            "您的信访事项（编号{number}）已由{unit}书面答复并办结，请注意查收。" + _QUERY_HINT,
        ),
        Template(
            "objection_filed",
            Audience.UNIT,
            "信访事项异议通知",
            "{unit}：{from_unit}对信访事项{number}提出异议，请登录系统审核。",
        ),
        Template(
            "objection_decided",
            Audience.UNIT,
            "信访事项异议审核结果",
            "{unit}：贵单位对信访事项{number}提出的异议{outcome}。",
        ),
        Template(
            "joint_handling",
            Audience.UNIT,
            "信访事项联合办理通知",
            "{unit}：信访事项{number}由{lead}牵头联合办理，贵单位分工：{duty}。请登录系统配合办理。",
        ),
        Template(
            "completion_report_received",
            Audience.UNIT,
            "信访事项办结报告",
            "{unit}：{from_unit}已提交信访事项{number}的办结报告，请登录系统查阅。",
        ),
        Template(
            "review_requested",
            Audience.UNIT,
            "信访事项{kind}申请通知",
            "{unit}：信访人对信访事项{number}的{opinion}申请{kind}，贵单位为{kind}机关，"
            "请于{due_date}前登录系统办理并出具{kind}意见书。",
        ),
        Template(
            "query_code_reset",
            Audience.PETITIONER,
            "信访事项查询码",
            "您的信访事项（编号{number}）已按您的申请重新设置查询码，原查询码已作废。"
            "如未收到新查询码，请在阳光信访网上平台再次申请找回。",
            secret_text="您的信访事项（编号{number}）新的查询码为{code}，原查询码已作废。"  # noqa: S106 (a template)
            "凭事项编号和查询码可在阳光信访网上平台查询办理进度，请勿告诉他人。",
        ),
        Template(
            "clock_overdue",
            Audience.UNIT,
            "信访事项逾期提醒",
            "{unit}：信访事项{number}的{label}已于{due_date}届满，请尽快办理。",
        ),
    ]
}


def get_template(key: str) -> Template:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise ValidationFailed(
            "notify_template_unknown", f"未知的通知模板：{key}", field="template"
        ) from None


def contains_id_number(text: str) -> bool:
    return bool(_ID_NUMBER_RE.search(text))


def render(template: Template, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of ``template`` filled from ``context``; ``ValidationFailed`` before any write."""
    missing = sorted(template.fields - set(context))
    if missing:
        raise ValidationFailed(
            "notify_context_missing",
            f"通知内容缺少字段：{'、'.join(missing)}",
            field="context",
            missing=missing,
        )
    values = {name: str(context[name]).strip() for name in template.fields}
    subject = template.subject.format_map(values)
    body = template.text.format_map(values)
    _check(subject, body)
    return subject, body


def render_secret(template: Template, context: Mapping[str, Any]) -> str:
    """The body of ``template.secret_text`` filled from ``context`` — for sending once, never for storing —
    with the same checks as ``render``."""
    if not template.secret_text:
        raise ValidationFailed(
            "notify_no_secret_text", f"通知模板{template.key}没有含密内容", field="template"
        )
    names = {name for _, name, _, _ in string.Formatter().parse(template.secret_text) if name}
    missing = sorted(names - set(context))
    if missing:
        raise ValidationFailed(
            "notify_context_missing",
            f"通知内容缺少字段：{'、'.join(missing)}",
            field="context",
            missing=missing,
        )
    body = template.secret_text.format_map({name: str(context[name]).strip() for name in names})
    _check("", body)
    return body


def _check(subject: str, body: str) -> None:
    if contains_id_number(subject) or contains_id_number(body):
        # Messages leave the system in clear text (SMS gateways, mail relays): never an ID number in them.
        raise ValidationFailed("notify_contains_id_number", "通知内容不得包含身份证号码", field="context")
    if len(body) > MAX_BODY:
        raise ValidationFailed("notify_too_long", f"通知内容不得超过{MAX_BODY}字", field="context")
