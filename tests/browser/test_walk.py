"""The staff workspace end to end in headless Chromium: the city bureau's registrar registers a group visit
(来访) on the 登记 form, 转送 it to 南山区住房和建设局, and that unit's handler finds it in the inbox and
受理并告知. Screenshots of each key page go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from xinfang.testing.factories import id_number

pytestmark = pytest.mark.browser

TARGET_UNIT = "南山区住房和建设局"
TITLE = "桂庙新村3栋电梯停运两个月"
GROUP = [  # (name, id number, phone, address, representative)
    ("李四", id_number(11), "13800138011", "深圳市南山区桂庙新村3栋101", True),
    ("王五", id_number(12), "13800138012", "深圳市南山区桂庙新村3栋202", False),
    ("赵六", id_number(13), "", "深圳市南山区桂庙新村3栋303", False),
]


def fill_visit(page: Page) -> None:
    """The 登记 form for a group visit of six people, three of them named, one representative."""
    page.select_option("#id_channel", "visit")
    page.select_option("#id_region_code", "440305")
    page.fill("#id_headcount", "6")
    page.fill("#id_title", TITLE)
    page.fill("#id_request", "请求督促物业尽快修复电梯")
    page.fill("#id_facts", "小区3栋电梯自两个月前停运，多次向物业反映无果")
    page.fill("#id_reasons", "楼内多为老人，上下楼困难，存在安全隐患")
    page.check("#id_is_oral")
    page.fill("#id_oral_record", "来访人李四口述：电梯停运后物业称无维修资金，业主委员会未成立。")
    rows = page.locator("tr.person-row")
    expect(rows.nth(1)).to_be_hidden()
    for index, (name, id_no, phone, address, representative) in enumerate(GROUP):
        if index:
            page.get_by_role("button", name="＋ 添加信访人").click()
            expect(rows.nth(index)).to_be_visible()
        page.fill(f"[name=p-{index}-name]", name)
        page.fill(f"[name=p-{index}-id_number]", id_no)
        page.fill(f"[name=p-{index}-phone]", phone)
        page.fill(f"[name=p-{index}-address]", address)
        if representative:
            page.check(f"[name=p-{index}-is_representative]")
    expect(rows.nth(len(GROUP))).to_be_hidden()


def test_register_route_accept(world, login, shot):
    from xinfang.cases.models import Matter, MatterStatus
    from xinfang.intake.models import Contact

    # 1. The registrar registers the visit.
    registrar = login("registrar", screenshot="01-login")
    registrar.get_by_role("link", name="登记", exact=True).click()
    expect(registrar.locator("h1")).to_have_text("登记信访件")
    expect(registrar.locator("#id_region_code")).to_have_value("440300")  # defaults to the bureau's area
    fill_visit(registrar)
    shot(registrar, "02-register-form-filled")
    registrar.get_by_role("button", name="登记", exact=True).click()

    expect(registrar).to_have_url(re.compile(r"/matters/[^/]+/$"))
    number = re.search(r"/matters/([^/]+)/$", registrar.url).group(1)
    expect(registrar.locator(".flash.success")).to_have_text(f"登记成功，事项编号 {number}")
    expect(registrar.locator(".meta strong")).to_have_text(number)
    expect(registrar.locator("h1")).to_have_text(TITLE)
    expect(registrar.locator(".meta .status")).to_have_text("待分流")
    contact_card = registrar.locator("section.contact")
    expect(contact_card.locator("h2")).to_contain_text("来访")
    expect(contact_card).to_contain_text("来访人数")
    expect(contact_card).to_contain_text("6 人")
    expect(contact_card).to_contain_text("电梯停运后物业称无维修资金")  # the oral record
    expect(contact_card.locator("table.people tr")).to_have_count(3)
    expect(contact_card.locator("tr", has_text="李四")).to_contain_text("代表")
    # Identity numbers are masked until someone asks (and leaves a trace).
    expect(contact_card).not_to_contain_text(GROUP[0][1])
    shot(registrar, "03-matter-registered")

    matter = Matter.objects.get(number=number)
    contact = Contact.objects.get(matter=matter)
    assert (contact.channel, contact.headcount, contact.is_oral) == ("visit", 6, True)
    assert matter.region.code == "440305"

    # 2. ... and 转送 it to the housing bureau of 南山区.
    route = registrar.locator("section.card", has=registrar.get_by_role("heading", name="转送 / 交办"))
    route.locator("#route-unit").select_option(label=TARGET_UNIT)
    route.locator("#route-mode").select_option("transfer")
    route.locator("textarea[name=instructions]").fill("请依法处理并告知信访人")
    route.get_by_role("button", name="转交", exact=True).click()

    expect(registrar.locator(".flash.success")).to_have_text(f"已转交 {TARGET_UNIT}")
    expect(registrar.locator(".meta .status")).to_have_text("已转交待受理")
    expect(registrar.get_by_role("heading", name="转送 / 交办")).to_have_count(0)
    shot(registrar, "04-matter-routed")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.ROUTED

    # 3. The handler of the receiving unit, in a browser of their own, accepts it.
    handler = login("handler")
    to_accept = handler.get_by_role("heading", name=re.compile("待受理"))
    inbox_card = handler.locator("section.card", has=to_accept)
    row = inbox_card.locator("tbody tr", has_text=number)
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("深圳市信访局")
    expect(row).to_contain_text("转送")
    shot(handler, "05-handler-inbox")
    row.get_by_role("link", name=number).click()

    expect(handler.locator(".meta .status")).to_have_text("已转交待受理")
    handler.select_option("#id_notice_method", "短信")
    handler.fill("#id_notice_text", "您反映的电梯停运问题已受理，我局将在60日内办结并书面答复。")
    handler.get_by_role("button", name="受理并告知信访人").click()

    expect(handler.locator(".flash.success")).to_have_text("已受理并告知信访人")
    expect(handler.locator(".meta .status")).to_have_text("已受理办理中")
    expect(handler.locator(".meta")).to_contain_text(f"承办单位 {TARGET_UNIT}")
    expect(handler.get_by_role("heading", name=re.compile("受理并告知"))).to_have_count(0)
    timeline = handler.locator("ol.timeline > li")
    expect(timeline).to_contain_text(["登记", "转送/交办", "受理并告知"])
    expect(timeline.filter(has_text="转送/交办")).to_contain_text(TARGET_UNIT)
    shot(handler, "06-matter-accepted")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.ACCEPTED
    assert matter.handling_unit == world.units["ns_housing"]
