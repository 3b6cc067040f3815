"""The whole statutory path as the people involved drive it over HTTP — the citizen on the portal, the staff
on their workspace — on whichever database the suite runs (CI runs it on SQLite and PostgreSQL):

portal submission → registration → routing → acceptance (受理告知书) → extension (延期告知书) → opinion
(处理意见书) → service → portal evaluation → portal 复查 request → 复查意见书 → portal 复核 request →
hearing → 复核意见书 → final → a new portal contact on the same facts flagged 不再受理."""

from __future__ import annotations

import re

from django.test import Client
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.cases.models import Clock, IssuedDocument, Matter, MatterStatus
from xinfang.routing.models import Assignment

from .helpers import submit, ticket

BASIS = "《物业管理条例》第五十四条\n《城镇排水与污水处理条例》第二十一条"


def _staff(world, key: str) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def _ok(response, text: str) -> None:
    body = response.content.decode()
    assert response.status_code == 200 and text in body, re.sub(r"\s+", " ", body)[-1500:]


def _opinion_form(decision: str) -> dict[str, str]:
    return {
        "decision": decision,
        "request": "请求疏通排水管道",
        "facts": "小区门口长期积水",
        "reasons": "影响出行安全",
        "findings": "经现场核查，排水管道堵塞属实",
        "decision_text": "责令管养单位于30日内疏通",
        "legal_basis": BASIS,
        "confirm": "1",  # as after the head's 签发前核对 (web/handling_views.py)
    }


def _portal_client(number: str, code: str) -> Client:
    citizen = Client()
    assert citizen.post("/portal/query/", {"number": number, "code": code}).status_code == 302
    return citizen


def test_portal_to_finality_and_not_accepted_again(portal):
    world = portal
    today = timezone.localdate().isoformat()
    number, code = ticket(submit(Client()))
    matter = Matter.objects.get(number=number)
    assert matter.status == MatterStatus.REGISTERED and matter.contacts.get().channel == "online"

    registrar = _staff(world, "registrar")
    _ok(
        registrar.post(
            f"/matters/{number}/route/",
            {"unit": world.units["ns_housing"].pk, "mode": "transfer", "instructions": "请依法处理"},
            follow=True,
        ),
        "已转交",
    )
    assignment = Assignment.objects.get(matter=matter)
    handler = _staff(world, "handler")
    _ok(
        handler.post(
            f"/matters/{number}/assignments/{assignment.pk}/accept/",
            {"notice_method": "书面", "notice_text": "已受理，将依法调查核实并出具处理意见"},
            follow=True,
        ),
        "已受理",
    )
    head = _staff(world, "colleague")  # the unit head signs
    _ok(
        head.post(f"/matters/{number}/handle/extend/", {"days": "20", "reason": "需委托检测"}, follow=True),
        "已批准延期",
    )
    refused = handler.post(f"/matters/{number}/handle/opinion/", _opinion_form("support"), follow=True)
    assert "处理意见书已签发" not in refused.content.decode()  # a handler may not sign
    _ok(
        head.post(f"/matters/{number}/handle/opinion/", _opinion_form("support"), follow=True),
        "处理意见书已签发",
    )
    _ok(
        handler.post(
            f"/matters/{number}/handle/serve/", {"method": "electronic", "served_on": today}, follow=True
        ),
        "已登记送达",
    )

    citizen = _portal_client(number, code)
    progress = citizen.get(f"/portal/progress/{number}/").content.decode()
    for part in ("信访事项受理告知书", "信访事项延期办理告知书", "信访事项处理意见书", "评价办理结果"):
        assert part in progress, part
    opinion_doc = IssuedDocument.objects.get(matter=matter, kind="opinion_letter")
    url = f"/portal/progress/{number}/documents/{opinion_doc.pk}.pdf"
    download = citizen.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content)[:4] == b"%PDF"
    assert Client().get(url).status_code == 404  # a browser that has not entered the code gets nothing
    _ok(
        citizen.post(f"/portal/progress/{number}/evaluate/", {"rating": "unsatisfied"}, follow=True),
        "感谢您的评价",
    )
    again = citizen.post(f"/portal/progress/{number}/evaluate/", {"rating": "satisfied"}, follow=True)
    assert "感谢您的评价" not in again.content.decode()  # once per opinion
    citizen.post(f"/portal/progress/{number}/review/", {"reason": "排水管道至今未疏通，请求复查"})
    matter.refresh_from_db()
    assert matter.status == MatterStatus.IN_REVIEW

    leader = _staff(world, "leader")  # 深圳市信访局: the level above the district department
    _ok(
        leader.post(f"/matters/{number}/handle/review/", _opinion_form("uphold"), follow=True),
        "复查意见书已签发",
    )
    leader.post(f"/matters/{number}/handle/serve/", {"method": "postal", "served_on": today})
    citizen.post(f"/portal/progress/{number}/review/", {"reason": "对复查意见仍不服，请求复核"})
    matter.refresh_from_db()
    assert matter.status == MatterStatus.IN_RECHECK

    province = _staff(world, "gd_leader")
    clock = Clock.objects.get(matter=matter, kind="recheck")
    start = timezone.localdate()
    hearing = {
        "held_from": start.isoformat(),
        "held_to": (start + timezone.timedelta(days=2)).isoformat(),
        "participants": "律师 张某\n人大代表 王某\n社区代表 李某",
        "minutes": "听证笔录：各方陈述意见",
        "outcome": "多数意见维持原处理意见",
    }
    _ok(province.post(f"/matters/{number}/handle/hearing/", hearing, follow=True), "听证已登记")
    due_before = clock.due_on
    clock.refresh_from_db()
    assert clock.due_on > due_before  # Art 36¶2: hearing days are not counted
    _ok(
        province.post(f"/matters/{number}/handle/recheck/", _opinion_form("uphold"), follow=True),
        "复核意见书已签发",
    )
    matter.refresh_from_db()
    assert matter.status == MatterStatus.FINAL
    kinds = list(IssuedDocument.objects.filter(matter=matter).values_list("kind", flat=True))
    assert kinds == [
        "notice_of_acceptance",
        "extension_notice",
        "opinion_letter",
        "review_opinion",
        "recheck_opinion",
    ]
    final_page = citizen.get(f"/portal/progress/{number}/").content.decode()
    assert "信访事项复核意见书" in final_page and "已复核，办理终结" in final_page

    # The same petitioner comes back on the portal with the same facts and reasons.
    number2, code2 = ticket(submit(Client()))
    second = Matter.objects.get(number=number2)
    assert second.status == MatterStatus.NOT_ACCEPTED and second.final_matter == matter
    assert Event.objects.filter(
        matter_id=second.pk, verb="matter.not_accepted_final", is_public=True
    ).exists()
    page = _portal_client(number2, code2).get(f"/portal/progress/{number2}/").content.decode()
    assert "不予受理" in page


def test_portal_to_legal_channel(portal):
    """Art 31(1)–(4): a matter that belongs in arbitration is led there, told why, and closed as such."""
    world = portal
    number, code = ticket(
        submit(
            Client(),
            title="公司拖欠工资三个月",
            request="请求责令公司支付拖欠工资",
            facts="本人在某公司工作，公司已三个月未发工资",
            reasons="生活困难",
        )
    )
    registrar, handler = _staff(world, "registrar"), _staff(world, "handler")
    registrar.post(
        f"/matters/{number}/route/", {"unit": world.units["ns_housing"].pk, "mode": "transfer"}, follow=True
    )
    assignment = Assignment.objects.get(matter__number=number)
    handler.post(
        f"/matters/{number}/assignments/{assignment.pk}/accept/",
        {"notice_method": "书面", "notice_text": "已受理"},
    )
    _ok(
        handler.post(
            f"/matters/{number}/handle/channel/",
            {"item": "2", "channel": "仲裁", "why": "劳动报酬争议应当先向劳动人事争议仲裁委员会申请仲裁"},
            follow=True,
        ),
        "已导入法定途径并办结",
    )
    matter = Matter.objects.get(number=number)
    assert matter.status == MatterStatus.CLOSED and matter.legal_channel == "仲裁"
    page = _portal_client(number, code).get(f"/portal/progress/{number}/").content.decode()
    for part in ("信访事项导入法定途径告知书", "劳动人事争议仲裁委员会", "已办结"):
        assert part in page, part
