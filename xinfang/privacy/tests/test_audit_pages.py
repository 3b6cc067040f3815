"""The auditor's pages: 审计日志 and 个人信息查阅记录 — who may read them, what they show (Chinese, never
codes), their filters, their scope, their CSV exports and what they cost."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.accounts.services import user_create
from xinfang.audit.models import Event
from xinfang.audit.services import record_event
from xinfang.cases.models import MatterType
from xinfang.intake.petitioners import party_reveal
from xinfang.privacy.exports import BOM
from xinfang.privacy.selectors import AuditFilters, pii_access_counts
from xinfang.testing.factories import register

from .conftest import person, register_for

AUDIT, PII = "/privacy/audit/", "/privacy/pii-log/"
CODE = re.compile(r"\b(?:matter|pii|clock|notify|privacy|accounts|contact)\.[a-z_]+\b")


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [r for r in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S) if "没有符合条件" not in r]


def _codes_shown(html: str) -> list[str]:
    """Verb codes in the text a reader sees (the filter's option values are codes, and never shown)."""
    return CODE.findall(re.sub(r"<[^>]*>", " ", html))


def _reveal(world, party, persona: str = "registrar", reason: str = "核对联系方式") -> None:
    party_reveal(party_id=party.pk, fields=["phone", "address"], actor=world.users[persona], reason=reason)


@pytest.mark.parametrize(
    ("persona", "status"), [("auditor", 200), ("registrar", 403), ("leader", 403), ("outsider", 403)]
)
@pytest.mark.parametrize("url", [AUDIT, PII])
def test_only_the_auditor_reads_the_logs(world, persona, status, url) -> None:
    assert _as(world.users[persona]).get(url).status_code == status


def test_the_system_administrator_does_not_read_them_either(world) -> None:
    admin = user_create(
        username="sysadmin", password="pw", full_name="管", unit=world.units["city_bureau"], roles=["admin"]
    )
    assert _as(admin).get(AUDIT).status_code == 403
    assert _as(admin).get(PII).status_code == 403


def test_the_audit_log_speaks_chinese(world) -> None:
    party = register_for(world, person(601))
    _reveal(world, party)
    html = _as(world.users["auditor"]).get(AUDIT).content.decode()
    rows = _rows(html, "audit-log")
    assert any(f"登记信访事项：{party.contact.matter.number}，来访，申诉求决类" in r for r in rows)
    assert any("查看个人信息：联系电话、住址，第 1 件信访件" in r and "核对联系方式" in r for r in rows)
    assert any("开始计时" in r for r in rows)
    assert _codes_shown(html) == []


def test_filters(world) -> None:
    first, second = register_for(world, person(602)), register_for(world, person(603))
    _reveal(world, first)
    auditor = _as(world.users["auditor"])

    def rows(**query) -> list[str]:
        return _rows(auditor.get(AUDIT, query).content.decode(), "audit-log")

    by_matter = rows(matter=second.contact.matter.number)
    assert by_matter and all(second.contact.matter.number in r for r in by_matter)
    assert len(rows(verb="pii.reveal")) == 1
    assert len(rows(verb="pii.reveal", actor="outsider")) == 0
    assert len(rows(verb="pii.reveal", actor="registrar")) == 1
    today = timezone.localdate()
    assert len(rows(verb="pii.reveal", since=today.isoformat(), until=today.isoformat())) == 1
    assert len(rows(verb="pii.reveal", until=(today - dt.timedelta(days=1)).isoformat())) == 0


def test_the_auditor_reads_only_their_jurisdiction_and_never_an_accusation_kept_from_them(world) -> None:
    hangzhou = register(world, actor="hz_registrar", region_code="330100")
    user_create(
        username="gd_registrar",
        password="pw",
        full_name="省",
        unit=world.units["gd_bureau"],
        roles=["registrar"],
    )
    world.users["gd_registrar"] = type(world.users["registrar"]).objects.get(username="gd_registrar")
    accusation = register(
        world,
        actor="gd_registrar",
        petitioners=[person(604, "林举报")],
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=world.units["city_bureau"].pk,
    ).matter
    own = register_for(world, person(605))
    html = _as(world.users["auditor"]).get(AUDIT).content.decode()
    assert own.contact.matter.number in html
    assert hangzhou.matter.number not in html
    assert accusation.number not in html and "林举报" not in html


def test_the_pii_log_says_who_saw_whose_data_and_counts_per_person(world) -> None:
    party = register_for(world, person(606, "王五"))
    beijing = dt.timezone(dt.timedelta(hours=8))
    for persona, reason, at in [
        ("registrar", "电话回访", dt.datetime(2026, 12, 1, 10, 0, tzinfo=beijing)),  # a Tuesday morning
        ("leader", "督办", dt.datetime(2026, 12, 1, 17, 59, tzinfo=beijing)),
        ("registrar", "加班核对", dt.datetime(2026, 12, 5, 14, 30, tzinfo=beijing)),  # a Saturday
    ]:
        with mock.patch("django.utils.timezone.now", return_value=at):
            _reveal(world, party, persona=persona, reason=reason)
    html = _as(world.users["auditor"]).get(PII).content.decode()
    rows = _rows(html, "pii-log")
    assert len(rows) == 3
    assert all(f"王五（信访人编号 {party.petitioner_id}）" in r and "联系电话、住址" in r for r in rows)
    assert any("电话回访" in r and party.contact.matter.number in r for r in rows)
    counts = {c["actor_label"]: c for c in pii_access_counts(world.users["auditor"], AuditFilters())}
    assert counts["registrar"]["total"] == 2 and counts["registrar"]["off_hours"] == 1
    assert counts["registrar"]["people"] == 1 and counts["registrar"]["share"] == 67
    assert counts["leader"]["total"] == 1 and counts["leader"]["off_hours"] == 0
    assert _codes_shown(html) == []


def test_csv_exports_are_excel_ready_and_audited(world) -> None:
    party = register_for(world, person(607))
    _reveal(world, party, reason='=HYPERLINK("http://x")')  # a reason that a spreadsheet would run
    auditor = _as(world.users["auditor"])
    resp = auditor.post(AUDIT, {"verb": "pii.reveal"})
    text = b"".join(resp.streaming_content).decode("utf-8")
    assert resp["Content-Type"].startswith("text/csv") and text.startswith(
        BOM + "时间,操作人,所在单位,操作,对象,事项编号,理由"
    )
    assert "查看个人信息：联系电话、住址" in text and "'=HYPERLINK" in text and CODE.findall(text) == []
    exported = Event.objects.get(verb="privacy.audit_exported")
    assert (
        exported.new == {"rows": 1, "filters": {"verb": "pii.reveal"}}
        and exported.actor == world.users["auditor"]
    )
    resp = auditor.post(PII, {})
    text = b"".join(resp.streaming_content).decode("utf-8")
    assert (
        text.startswith(BOM + "时间,查阅人,所在单位,信访人,查阅的信息,事项编号,理由")
        and party.contact.matter.number in text
    )
    assert Event.objects.filter(verb="privacy.pii_log_exported").count() == 1
    # The export is a POST with the CSRF token; a registrar cannot export.
    assert _as(world.users["registrar"]).post(AUDIT, {}).status_code == 403


def test_role_conflicts_of_the_jurisdiction_are_shown_to_the_auditor(world) -> None:
    for username, unit in (("dual", "ns_housing"), ("hz_dual", "hz_bureau")):
        user_create(
            username=username,
            password="pw",
            full_name="双职",
            unit=world.units[unit],
            roles=["admin", "auditor"],
        )
    html = _as(world.users["auditor"]).get(AUDIT).content.decode()
    section = html.split('id="role-conflicts"', 1)[1].split("</section>", 1)[0]
    assert "同时担任管理员、审计员" in section
    assert "<td>dual</td>" in section and "hz_dual" not in section  # another province's staff: not theirs


def _more(world, start: int, n: int) -> None:
    for k in range(start, start + n):
        party = register_for(world, person(700 + k, f"赵{k}"))
        _reveal(world, party)
        _reveal(world, party, persona="leader")


@pytest.mark.parametrize("url", [AUDIT, PII])
def test_the_list_pages_cost_the_same_for_few_or_many_events(
    world, url, django_assert_max_num_queries
) -> None:
    auditor = _as(world.users["auditor"])
    _more(world, 0, 1)
    with CaptureQueriesContext(connection) as few:
        auditor.get(url)
    _more(world, 1, 12)  # more rows than fit on … no: still one page of 50 for the PII log; many more events
    with CaptureQueriesContext(connection) as many:
        auditor.get(url)
    assert len(many) == len(few)
    with django_assert_max_num_queries(12):
        auditor.get(url, {"page": 2})


def test_a_search_by_phone_is_in_the_access_log_and_counted_apart(world) -> None:
    """xinfang.search records a look-up by phone or ID number as ``matter.search_pii`` (masked key)."""
    registrar = world.users["registrar"]
    party = register_for(world, person(620, "孙七"))
    _reveal(world, party)
    record_event(
        actor=registrar,
        verb="matter.search_pii",
        subject=registrar,
        new={"keys": [{"kind": "phone", "value": "139****0620"}], "found": 1, "more": False},
    )
    rows = _rows(_as(world.users["auditor"]).get(PII).content.decode(), "pii-log")
    assert any("按个人信息检索信访事项：联系电话 139****0620，找到 1 件" in r for r in rows)
    (counts,) = pii_access_counts(world.users["auditor"], AuditFilters())
    assert (counts["total"], counts["people"], counts["searches"], counts["matters"]) == (2, 1, 1, 1)
