"""个人信息保护法第五十七条: the incident register, its notice and its course from discovery to closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinfang.privacy.incidents import (
    IncidentInput,
    incident_close,
    incident_notified,
    incident_record,
    incident_reported,
    incident_update,
    notice_text,
)
from xinfang.privacy.models import IncidentNature, IncidentStatus

FOUND = timezone.now() - dt.timedelta(hours=3)


def _input(**over) -> IncidentInput:
    values = dict(
        title="登记终端遗失",
        nature=IncidentNature.LOSS,
        confirmed=True,
        discovered_at=FOUND,
        affected_count=12,
        info_kinds="姓名、身份证号码、联系电话",
        cause="工作人员外出走访时遗失笔记本电脑（硬盘未加密）",
        possible_harm="可能被用于电信诈骗或冒用身份",
        remedial_measures="已远程注销该终端账号并报警",
        individual_measures="警惕冒充信访部门的来电，不向陌生人提供验证码",
        processor="深圳市信访局",
        contact_info="0755-12345678，深圳市福田区福中三路1号",
    )
    values.update(over)
    return IncidentInput(**values)


def test_the_notice_carries_the_three_contents_the_law_requires(world, security) -> None:
    incident = incident_record(data=_input(), actor=security)
    text = notice_text(incident)
    # (一) 种类、原因和可能造成的危害
    assert "发现发生个人信息丢失事件，涉及约 12 人" in text
    assert "个人信息种类：姓名、身份证号码、联系电话" in text
    assert "原因：工作人员外出走访时遗失笔记本电脑（硬盘未加密）" in text
    assert "可能造成的危害：可能被用于电信诈骗或冒用身份" in text
    # (二) 补救措施和个人可以采取的减轻危害的措施
    assert "已采取的补救措施：已远程注销该终端账号并报警" in text
    assert "您可以采取的减轻危害的措施：警惕冒充信访部门的来电" in text
    # (三) 个人信息处理者的联系方式
    assert "联系方式：深圳市信访局，0755-12345678，深圳市福田区福中三路1号" in text
    assert "第五十七条" in text
    possible = incident_record(data=_input(confirmed=False, nature=IncidentNature.LEAK), actor=security)
    assert "发现可能发生个人信息泄露事件" in notice_text(possible)


@pytest.mark.parametrize("persona", ["registrar", "auditor", "leader"])
def test_only_the_security_officer_records_incidents(world, persona) -> None:
    with pytest.raises(PermissionDenied):
        incident_record(data=_input(), actor=world.users[persona])


def test_every_required_content_is_required(world, security) -> None:
    for field in (
        "info_kinds",
        "cause",
        "possible_harm",
        "remedial_measures",
        "individual_measures",
        "contact_info",
    ):
        with pytest.raises(ValidationFailed) as refused:
            incident_record(data=_input(**{field: "  "}), actor=security)
        assert refused.value.field == field
    with pytest.raises(ValidationFailed):
        incident_record(data=_input(discovered_at=timezone.now() + dt.timedelta(days=1)), actor=security)


def test_the_course_of_an_incident(world, security) -> None:
    incident = incident_record(data=_input(), actor=security)
    with pytest.raises(Conflict):  # not reported yet
        incident_close(incident_id=incident.pk, actor=security, no_notice_reason="")
    incident_update(
        incident_id=incident.pk,
        data=_input(cause="外包人员违规拷贝", affected_count=30),
        actor=security,
        reason="调查查明原因",
    )
    incident_reported(incident_id=incident.pk, authority="深圳市网信办", at=None, actor=security)
    with pytest.raises(ValidationFailed):  # neither notified nor a reason not to
        incident_close(incident_id=incident.pk, actor=security)
    incident_notified(incident_id=incident.pk, at=None, actor=security)
    closed = incident_close(incident_id=incident.pk, actor=security)
    assert closed.status == IncidentStatus.CLOSED and closed.closed_at is not None
    with pytest.raises(Conflict):
        incident_update(incident_id=incident.pk, data=_input(), actor=security)
    verbs = list(Event.objects.filter(subject_type="privacy.incident").values_list("verb", flat=True))
    assert verbs == [
        "privacy.incident_recorded",
        "privacy.incident_updated",
        "privacy.incident_reported",
        "privacy.incident_notified",
        "privacy.incident_closed",
    ]
    updated = Event.objects.get(verb="privacy.incident_updated")
    assert updated.old == {"原因": "工作人员外出走访时遗失笔记本电脑（硬盘未加密）", "涉及人数": 12}
    assert updated.new == {"原因": "外包人员违规拷贝", "涉及人数": 30}
    # The notice as sent is kept with the event that records sending it.
    assert "外包人员违规拷贝" in Event.objects.get(verb="privacy.incident_notified").new["notice"]


def test_closing_without_notice_needs_the_reason_of_article_57_2(world, security) -> None:
    incident = incident_record(data=_input(), actor=security)
    incident_reported(incident_id=incident.pk, authority="网信部门", at=None, actor=security)
    closed = incident_close(
        incident_id=incident.pk,
        actor=security,
        no_notice_reason="终端已找回，经鉴定数据未被读取，不会造成危害",
    )
    assert closed.notified_individuals_at is None and closed.no_notice_reason.startswith("终端已找回")


def test_the_pages(world, security) -> None:
    client = Client()
    client.force_login(security)
    resp = client.post(
        "/privacy/incidents/",
        {
            **{
                k: v
                for k, v in _input().__dict__.items()
                if k not in ("discovered_at", "confirmed", "occurred_at")
            },
            "confirmed": "on",
            "discovered_at": timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
        },
    )
    assert resp.status_code == 302
    page = client.get(resp["Location"]).content.decode()
    assert "个人信息安全事件告知书" in page and "0755-12345678" in page
    assert "登记终端遗失" in client.get("/privacy/incidents/").content.decode()
    number = resp["Location"].rstrip("/").rsplit("/", 1)[-1]
    client.post(f"/privacy/incidents/{number}/report/", {"authority": "网信部门", "at": ""})
    assert Event.objects.filter(verb="privacy.incident_reported").count() == 1
    for persona in ("registrar", "auditor"):
        other = Client()
        other.force_login(world.users[persona])
        assert other.get("/privacy/incidents/").status_code == 403
        assert other.post(f"/privacy/incidents/{number}/close/", {"no_notice_reason": "x"}).status_code == 403
