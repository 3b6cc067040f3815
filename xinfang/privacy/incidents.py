"""Personal-data incidents (个人信息保护法第五十七条): recorded by the security officer, reported to the
authority that protects personal information, the individuals notified — or the reason why not (第二款) —
and closed. Each step is a service with its audit event; ``notice_text`` is the notice to the individuals
with the three contents the article requires."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.core.errors import Conflict, NotFound, ValidationFailed

from .models import Incident, IncidentNature, IncidentStatus
from .separation import SECURITY_OFFICER, require_role

_FORBIDDEN = "只有安全管理员可以登记和处置个人信息安全事件"

# The fields of the notice (第五十七条第一款 (一)–(三)) and what else describes the incident, with the label
# each is asked by. All required except the dates and the count.
CONTENT_FIELDS: dict[str, str] = {
    "title": "事件名称",
    "nature": "事件性质",
    "info_kinds": "涉及的个人信息种类",
    "cause": "原因",
    "possible_harm": "可能造成的危害",
    "remedial_measures": "已采取的补救措施",
    "individual_measures": "个人可以采取的减轻危害的措施",
    "processor": "个人信息处理者",
    "contact_info": "联系方式",
}
OPTIONAL_FIELDS = ("confirmed", "discovered_at", "occurred_at", "affected_count")


@dataclass
class IncidentInput:
    title: str
    nature: str
    info_kinds: str
    cause: str
    possible_harm: str
    remedial_measures: str
    individual_measures: str
    processor: str
    contact_info: str
    discovered_at: dt.datetime
    confirmed: bool = False
    occurred_at: dt.datetime | None = None
    affected_count: int | None = None


def _check(data: IncidentInput) -> None:
    for name, label in CONTENT_FIELDS.items():
        value = getattr(data, name)
        if not (value or "").strip():
            raise ValidationFailed("required", f"请填写{label}", field=name)
    if data.nature not in IncidentNature.values:
        raise ValidationFailed("unknown_nature", "事件性质应为泄露、篡改或丢失", field="nature")
    now = timezone.now()
    if data.discovered_at > now:
        raise ValidationFailed("in_future", "发现时间不能晚于现在", field="discovered_at")
    if data.occurred_at and data.occurred_at > data.discovered_at:
        raise ValidationFailed("occurred_after_discovery", "发生时间不能晚于发现时间", field="occurred_at")


def _values(data: IncidentInput) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in (*CONTENT_FIELDS, *OPTIONAL_FIELDS)}
    for name in CONTENT_FIELDS:
        values[name] = values[name].strip()
    for name in ("discovered_at", "occurred_at"):
        # To the minute, as the form gives them: an unchanged time read back from the form is no change.
        if values[name] is not None:
            values[name] = values[name].replace(second=0, microsecond=0)
    return values


def _summary(incident: Incident) -> dict[str, Any]:
    return {
        "title": incident.title,
        "nature": incident.get_nature_display(),
        "confirmed": incident.confirmed,
        "affected_count": incident.affected_count,
    }


def incident_record(*, data: IncidentInput, actor: Any) -> Incident:
    """Register a new incident."""
    require_role(actor, SECURITY_OFFICER, message=_FORBIDDEN)
    _check(data)
    with transaction.atomic():
        incident = Incident.objects.create(**_values(data), created_by=actor)
        record_event(actor=actor, verb="privacy.incident_recorded", subject=incident, new=_summary(incident))
    return incident


def _open_for_update(incident_id: int) -> Incident:
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("incident_not_found", "未找到该安全事件")
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict("incident_closed", "该事件已结案，不能再修改")
    return incident


def _text_of(value: Any) -> Any:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else value


def incident_update(*, incident_id: int, data: IncidentInput, actor: Any, reason: str = "") -> Incident:
    """Change what is known of an open incident (the cause found later, more remedies taken). The event names
    the changed fields with their old and new values."""
    require_role(actor, SECURITY_OFFICER, message=_FORBIDDEN)
    _check(data)
    with transaction.atomic():
        incident = _open_for_update(incident_id)
        old, new = {}, {}
        for name, value in _values(data).items():
            if getattr(incident, name) != value:
                label = str(getattr(Incident._meta.get_field(name), "verbose_name", name))
                old[label], new[label] = _text_of(getattr(incident, name)), _text_of(value)
                setattr(incident, name, value)
        if not new:
            return incident
        incident.save()
        record_event(
            actor=actor, verb="privacy.incident_updated", subject=incident, old=old, new=new, reason=reason
        )
    return incident


def _when(at: dt.datetime | None) -> dt.datetime:
    at = at or timezone.now()
    if at > timezone.now():
        raise ValidationFailed("in_future", "时间不能晚于现在", field="at")
    return at


def incident_reported(*, incident_id: int, authority: str, at: dt.datetime | None, actor: Any) -> Incident:
    """The incident was reported to the authority that protects personal information (第五十七条第一款)."""
    require_role(actor, SECURITY_OFFICER, message=_FORBIDDEN)
    authority = (authority or "").strip()
    if not authority:
        raise ValidationFailed("required", "请填写报告的部门（如网信部门）", field="authority")
    at = _when(at)
    with transaction.atomic():
        incident = _open_for_update(incident_id)
        if at < incident.discovered_at:
            raise ValidationFailed("before_discovery", "报告时间不能早于发现时间", field="at")
        incident.authority, incident.reported_to_authority_at = authority, at
        incident.save(update_fields=["authority", "reported_to_authority_at"])
        record_event(
            actor=actor,
            verb="privacy.incident_reported",
            subject=incident,
            new={"authority": authority, "at": _text_of(at)},
        )
    return incident


def incident_notified(*, incident_id: int, at: dt.datetime | None, actor: Any) -> Incident:
    """The individuals were sent the notice (``notice_text``)."""
    require_role(actor, SECURITY_OFFICER, message=_FORBIDDEN)
    at = _when(at)
    with transaction.atomic():
        incident = _open_for_update(incident_id)
        if at < incident.discovered_at:
            raise ValidationFailed("before_discovery", "通知时间不能早于发现时间", field="at")
        incident.notified_individuals_at = at
        incident.save(update_fields=["notified_individuals_at"])
        record_event(
            actor=actor,
            verb="privacy.incident_notified",
            subject=incident,
            new={"at": _text_of(at), "notice": notice_text(incident)},
        )
    return incident


def incident_close(*, incident_id: int, actor: Any, no_notice_reason: str = "") -> Incident:
    """Close the incident: it must have been reported, and the individuals notified or the reason given why
    the measures taken make a notice unnecessary (第五十七条第二款)."""
    require_role(actor, SECURITY_OFFICER, message=_FORBIDDEN)
    no_notice_reason = (no_notice_reason or "").strip()
    with transaction.atomic():
        incident = _open_for_update(incident_id)
        if incident.reported_to_authority_at is None:
            raise Conflict("not_reported", "结案前应先记录向履行个人信息保护职责的部门报告的情况")
        if incident.notified_individuals_at is None and not no_notice_reason:
            raise ValidationFailed(
                "notice_or_reason",
                "尚未通知个人：请先记录通知，或写明采取的措施能够有效避免危害、因而不通知个人的理由",
                field="no_notice_reason",
            )
        incident.status, incident.closed_at = IncidentStatus.CLOSED, timezone.now()
        if incident.notified_individuals_at is None:
            incident.no_notice_reason = no_notice_reason
        incident.save(update_fields=["status", "closed_at", "no_notice_reason"])
        record_event(
            actor=actor,
            verb="privacy.incident_closed",
            subject=incident,
            old={"status": IncidentStatus.OPEN.label},
            new={"status": IncidentStatus.CLOSED.label},
            reason=incident.no_notice_reason,
        )
    return incident


def notice_text(incident: Incident) -> str:
    """The notice to the individuals concerned, with (一)–(三) of 第五十七条第一款 in that order."""
    happened = "发生" if incident.confirmed else "可能发生"
    found = timezone.localtime(incident.discovered_at)
    count = f"，涉及约 {incident.affected_count} 人" if incident.affected_count else ""
    return "\n".join(
        [
            "个人信息安全事件告知书",
            "",
            f"{found:%Y年%m月%d日}，{incident.processor}发现{happened}个人信息"
            f"{incident.get_nature_display()}事件{count}。依照《中华人民共和国个人信息保护法》第五十七条，"
            "现将有关情况告知如下：",
            "",
            f"一、{happened}{incident.get_nature_display()}的个人信息种类：{incident.info_kinds}",
            f"二、原因：{incident.cause}",
            f"三、可能造成的危害：{incident.possible_harm}",
            f"四、我们已采取的补救措施：{incident.remedial_measures}",
            f"五、您可以采取的减轻危害的措施：{incident.individual_measures}",
            f"六、个人信息处理者的联系方式：{incident.processor}，{incident.contact_info}",
            "",
            incident.processor,
            f"{timezone.localdate():%Y年%m月%d日}",
        ]
    )


def incident_list() -> QuerySet[Incident]:
    return Incident.objects.select_related("created_by").order_by("-discovered_at", "-id")
