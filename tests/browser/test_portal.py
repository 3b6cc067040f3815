"""The public portal (阳光信访) in headless Chromium, on a phone and on a desktop: read the privacy notice,
submit a petition, copy the number and query code from the success page, follow the progress with them.
Screenshots go to test-artifacts/screenshots/portal-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from xinfang.testing.factories import id_number

from .conftest import PHONE

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
TITLE = "南头街道路口红绿灯损坏多日"


@pytest.fixture
def portal_world(world, settings):
    from django.core.cache import cache

    settings.XINFANG_PORTAL_UNIT = world.units["city_bureau"].pk
    cache.clear()
    yield world
    cache.clear()


def _no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"


def _fill(page: Page, serial: int) -> None:
    page.fill("#id_name", "陈晓红")
    page.fill("#id_phone", "13900139001")
    page.fill("#id_address", "深圳市南山区南头街道中山东街8号")
    page.fill("#id_id_number", id_number(serial))
    page.select_option("#id_region_code", "440305001")
    page.fill("#id_title", TITLE)
    page.fill("#id_request", "请求尽快修复路口红绿灯")
    page.fill("#id_facts", "南头街道中山东街与南头大道交叉口的红绿灯已损坏一周，早晚高峰车辆、行人混行。")
    page.fill("#id_reasons", "附近有小学，学生上下学存在交通安全隐患。")


def _walk(page: Page, prefix: str, serial: int) -> str:
    page.goto("/portal/")
    expect(page.locator("h1")).to_have_text("阳光信访网上平台")
    expect(page.get_by_role("heading", name="个人信息处理告知")).to_be_visible()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(_path(f"{prefix}-home")), full_page=True)

    page.get_by_role("link", name="我要信访").first.click()
    expect(page.locator("h1")).to_have_text("我要信访")
    # Consent is required: submitting without it keeps the form and says why.
    _fill(page, serial)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("请阅读个人信息处理告知并勾选同意")).to_be_visible()
    page.locator("#id_consent").check()
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "路口照片说明.txt", "mimeType": "text/plain", "buffer": "路口现状说明".encode()}],
    )
    _no_horizontal_scroll(page)
    page.screenshot(path=str(_path(f"{prefix}-submit")), full_page=True)
    page.get_by_role("button", name="提交").click()

    expect(page.locator("h1")).to_have_text("提交成功")
    expect(page.get_by_text("请妥善保存查询码")).to_be_visible()
    number = page.locator("#matter-number").inner_text().strip()
    code = page.locator("#query-code").inner_text().strip()
    assert re.fullmatch(r"440300-\d{4}-\d{6}", number)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)
    _no_horizontal_scroll(page)
    page.screenshot(path=str(_path(f"{prefix}-success")), full_page=True)

    page.get_by_role("link", name="查询办理进度").click()
    page.fill("#id_number", number)
    page.fill("#id_code", "ABCD-EFGH-JKLM")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("事项编号或查询码不正确")).to_be_visible()
    page.fill("#id_number", number)
    page.fill("#id_code", code)
    _no_horizontal_scroll(page)
    page.screenshot(path=str(_path(f"{prefix}-query")), full_page=True)
    page.get_by_role("button", name="查询").click()

    expect(page).to_have_url(re.compile(rf"/portal/progress/{number}/$"))
    expect(page.locator("h1")).to_have_text(number)
    expect(page.locator("#status")).to_have_text("已登记，正在确定办理单位")
    expect(page.locator("#timeline")).to_contain_text("信访事项已登记")
    expect(page.locator("#deadline")).to_contain_text("分流转送（15日）")
    _no_horizontal_scroll(page)
    page.screenshot(path=str(_path(f"{prefix}-progress")), full_page=True)
    return number


def _replied(world, number: str) -> None:
    """Staff side, through the services: route, accept, sign the opinion, serve it today."""
    from django.utils import timezone

    from xinfang.cases import handling
    from xinfang.cases.models import Matter
    from xinfang.routing.services import assignment_accept, matter_route

    matter = Matter.objects.get(number=number)
    a = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    assignment_accept(assignment=a, actor=world.users["handler"], notice_method="书面", notice_text="已受理")
    opinion = handling.opinion_issue(
        matter=matter,
        decision="support",
        request="请求尽快修复路口红绿灯",
        facts="路口红绿灯损坏一周",
        reasons="存在交通安全隐患",
        findings="经现场核查属实",
        decision_text="已责成交警部门三日内修复",
        legal_basis=["《中华人民共和国道路交通安全法》第二十五条"],
        actor=world.users["colleague"],
    )
    handling.opinion_served(
        opinion=opinion, method="electronic", served_on=timezone.localdate(), actor=world.users["handler"]
    )


def _evaluate_and_request_review(page: Page, prefix: str) -> None:
    page.reload()
    expect(page.locator("#status")).to_have_text("已出具处理意见")
    documents = page.locator("#documents")
    expect(documents).to_contain_text("信访事项受理告知书")
    expect(documents).to_contain_text("信访事项处理意见书")
    with page.expect_download() as pdf:
        documents.locator("li", has_text="处理意见书").get_by_role("link", name="下载 PDF").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    _no_horizontal_scroll(page)
    page.screenshot(path=str(_path(f"{prefix}-replied")), full_page=True)

    evaluation = page.locator("#evaluation")
    evaluation.get_by_label("不满意").check()
    evaluation.locator("textarea").fill("红绿灯修好了，但拖了一周")
    evaluation.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价")).to_be_visible()
    expect(page.locator("#evaluation")).to_have_count(0)  # once per opinion

    review = page.locator("#review")
    expect(review.locator("h2")).to_have_text("请求复查")
    review.locator("textarea").fill("修复后又坏，请求上一级机关复查")
    review.get_by_role("button", name="提交复查请求").click()
    expect(page.locator("#status")).to_have_text("正在复查")
    expect(page.locator("#timeline")).to_contain_text("已收到复查请求")
    expect(page.locator("#deadline")).to_contain_text("复查期限（30日）")
    _no_horizontal_scroll(page)
    page.screenshot(path=str(_path(f"{prefix}-review-requested")), full_page=True)


def _path(name: str):
    from .conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def test_portal_on_a_phone(portal_world, new_page):
    page = new_page(PHONE)
    number = _walk(page, "portal-phone", 201)
    _replied(portal_world, number)
    _evaluate_and_request_review(page, "portal-phone")


def test_portal_on_a_desktop(portal_world, new_page):
    page = new_page(DESKTOP)
    number = _walk(page, "portal-desktop", 202)
    _replied(portal_world, number)
    _evaluate_and_request_review(page, "portal-desktop")
