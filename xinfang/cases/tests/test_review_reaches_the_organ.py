"""The 复查/复核 reaches its organ (Art 35–36): whatever level the organ is and whatever its kind, it sees the
matter, finds the request in its 待办 and is mailed — a 复查 addressed to 深圳市住房和建设局 (a department,
parent of the deciding 南山 department) was invisible to it while its 30 days ran. And a draft waiting for a
head's signature is in that head's 待办 (待签发)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from xinfang.accounts.services import user_create
from xinfang.cases import drafts, handling
from xinfang.cases.models import Level
from xinfang.cases.selectors import visible_matters
from xinfang.cases.worklist import drafts_to_sign, reviews_to_decide
from xinfang.notify.models import Notification
from xinfang.org.services import unit_create
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import register

BASIS = ["《物业管理条例》第五十四条"]


def _decided(world, unit_key: str, head: str):
    matter = register(world).matter
    assignment = matter_route(
        matter=matter, unit=world.units[unit_key], mode="transfer", actor=world.users["registrar"]
    )
    receiver = world.users[head]
    assignment_accept(assignment=assignment, actor=receiver, notice_method="书面", notice_text="已受理")
    matter.refresh_from_db()
    opinion = _sign(world, matter, Level.OPINION, head, decision="reject")
    handling.opinion_served(opinion=opinion, method="postal", served_on=timezone.localdate(), actor=receiver)
    matter.refresh_from_db()
    return matter


def _sign(world, matter, level, signer, decision):
    return handling.opinion_issue(
        matter=matter,
        level=level,
        decision=decision,
        request="请求维修电梯",
        facts="电梯停运两个月",
        reasons="影响老人出行",
        findings="经现场核查，物业已安排维修",
        decision_text="不予支持",
        legal_basis=BASIS,
        actor=world.users[signer],
    )


@pytest.fixture
def city_department(world):
    """深圳市住房和建设局 above 南山区住房和建设局, with a unit head and a mailbox, as in the demo tree."""
    city = unit_create(name="深圳市住房和建设局", kind="department", region=world.regions["440300"])
    city.email = "zjj@sz.example.cn"  # its official mailbox, set in 系统管理
    city.save(update_fields=["email"])
    ns = world.units["ns_housing"]
    ns.parent = city
    ns.save(update_fields=["parent"])
    world.units["sz_housing"] = city
    world.users["sj_fuzeren"] = user_create(
        username="sj_fuzeren",
        password="pw-test-123",
        full_name="市住建局负责人",
        unit=city,
        roles=["unit_head"],
    )
    return city


def _organ_sees(world, persona: str, matter, level: str, mailed: bool = False) -> None:
    user = world.users[persona]
    assert visible_matters(user).filter(pk=matter.pk).exists()
    assert [r.matter_id for r in reviews_to_decide(user)] == [matter.pk]
    client = Client()
    client.force_login(user)
    assert client.get(f"/matters/{matter.number}/").status_code == 200
    inbox = client.get("/").content.decode()
    assert f'href="/matters/{matter.number}/"' in inbox and ("待复查" in inbox)
    kind = "复查" if level == Level.REVIEW else "复核"
    told = Notification.objects.filter(
        template="review_requested", matter_id=matter.pk, subject__contains=kind
    )
    # A unit with no mailbox is told through its 待办 alone (routing/notices.py).
    assert told.exists() is mailed


def test_a_review_goes_to_the_parent_department_which_sees_it(world, city_department) -> None:
    matter = _decided(world, "ns_housing", "colleague")
    req = handling.review_request(matter=matter, reason="不服处理意见", source="portal")
    assert req.organ == city_department
    _organ_sees(world, "sj_fuzeren", matter, Level.REVIEW, mailed=True)
    assert Notification.objects.get(template="review_requested").recipient_masked.endswith("sz.example.cn")
    # …and can decide it: its head signs the 复查意见书, and the request leaves its 待办.
    review = _sign(world, matter, Level.REVIEW, "sj_fuzeren", decision="uphold")
    assert not reviews_to_decide(world.users["sj_fuzeren"]).exists()
    handling.opinion_served(
        opinion=review, method="postal", served_on=timezone.localdate(), actor=world.users["sj_fuzeren"]
    )
    matter.refresh_from_db()
    # 复核 one level further up: the city department has no parent, so the bureau of the province.
    recheck = handling.review_request(matter=matter, reason="仍不服复查意见", source="portal")
    assert recheck.organ == world.units["gd_bureau"]
    _organ_sees(world, "gd_leader", matter, Level.RECHECK)


def test_a_review_of_a_sub_units_opinion_goes_to_its_parent_unit(world) -> None:
    team = world.units["ns_housing_team"]
    world.users["team_head"] = user_create(
        username="team_head", password="pw-test-123", full_name="物业科长", unit=team, roles=["unit_head"]
    )
    matter = _decided(world, "ns_housing_team", "team_head")
    req = handling.review_request(matter=matter, reason="不服处理意见", source="portal")
    assert req.organ == world.units["ns_housing"]
    _organ_sees(world, "colleague", matter, Level.REVIEW)


def test_a_review_of_a_district_departments_opinion_without_a_parent_goes_to_the_city(world) -> None:
    matter = _decided(world, "ns_housing", "colleague")
    req = handling.review_request(matter=matter, reason="不服处理意见", source="portal")
    assert req.organ == world.units["city_bureau"]
    _organ_sees(world, "leader", matter, Level.REVIEW)
    assert not reviews_to_decide(world.users["colleague"]).exists()  # the deciding unit does not review


def test_a_draft_waits_in_the_signing_heads_inbox_only(world, city_department) -> None:
    matter = _decided(world, "ns_housing", "colleague")
    handling.review_request(matter=matter, reason="不服处理意见", source="portal")
    clerk = user_create(
        username="sj_clerk",
        password="pw-test-123",
        full_name="市住建局经办",
        unit=city_department,
        roles=["handler"],
    )
    drafts.opinion_draft_save(
        matter=matter, level=Level.REVIEW, data={"decision": "uphold", "findings": "复查属实"}, actor=clerk
    )
    assert [d.matter_id for d in drafts_to_sign(world.users["sj_fuzeren"])] == [matter.pk]
    assert not drafts_to_sign(clerk).exists()  # a handler drafts, a head signs
    assert not drafts_to_sign(world.users["colleague"]).exists()  # another unit's head
    client = Client()
    client.force_login(world.users["sj_fuzeren"])
    inbox = client.get("/").content.decode()
    assert "待签发意见书" in inbox and "市住建局经办" in inbox


def test_the_inbox_costs_the_same_for_one_item_or_many(world, city_department, django_assert_max_num_queries):
    client = Client()
    client.force_login(world.users["sj_fuzeren"])
    for _ in range(3):
        matter = _decided(world, "ns_housing", "colleague")
        handling.review_request(matter=matter, reason="不服处理意见", source="portal")
    with django_assert_max_num_queries(16):
        assert client.get("/").status_code == 200
