"""No developer text where people read (issue 21, item 11): event sources, document hashes, the routing
rules' matter types and the holiday banner in Chinese and in their place."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from xinfang.cases import handling
from xinfang.cases.models import Level
from xinfang.routing.models import RoutingRule
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import register


def _signed(world):
    matter = register(world).matter
    assignment = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    assignment_accept(
        assignment=assignment, actor=world.users["handler"], notice_method="书面", notice_text="已受理"
    )
    matter.refresh_from_db()
    opinion = handling.opinion_issue(
        matter=matter,
        level=Level.OPINION,
        decision="explain",
        request="请求维修电梯",
        facts="电梯停运",
        reasons="影响出行",
        findings="经核查属实",
        decision_text="已督促物业维修",
        legal_basis=["《物业管理条例》第五十四条"],
        actor=world.users["colleague"],
    )
    handling.opinion_served(
        opinion=opinion, method="postal", served_on=timezone.localdate(), actor=world.users["handler"]
    )
    handling.evaluation_record(matter=matter, rating="satisfied", comment="", source="portal")
    return matter


def test_the_matter_page_reads_in_chinese(world) -> None:
    matter = _signed(world)
    client = Client()
    client.force_login(world.users["colleague"])
    page = client.get(f"/matters/{matter.number}/").content.decode()
    assert "（处理意见，网上）" in page and "，portal）" not in page
    # The hash stays available for checking a document, folded away from the list.
    document_list = page.split('class="doc-check"')[0]
    assert "SHA-256" not in document_list[document_list.rfind("<li") :]
    assert "文书校验信息" in page


def test_routing_rules_name_the_matter_type_in_chinese(world, admin_client) -> None:
    rule = RoutingRule.objects.create(
        name="检举控告转纪委",
        target_unit=world.units["discipline"],
        matter_type="accusation",
        mode="transfer",
    )
    assert rule.get_matter_type_display() == "检举控告类"
    page = admin_client.get("/admin/routing/routingrule/").content.decode()
    assert "检举控告类" in page and ">accusation<" not in page


def test_the_holiday_banner_names_no_command(world, settings) -> None:
    from xinfang.deadlines.selectors import calendar_coverage_notice

    notice = calendar_coverage_notice(timezone.localdate().replace(year=2099))
    assert notice and "xinfang" not in notice and "--" not in notice and "系统管理 → 节假日/调休日" in notice
