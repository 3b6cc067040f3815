"""The auditor's two pages in headless Chromium: signed in as the auditor, the navigation offers 审计日志 and
个人信息查阅记录 (and no 登记); both read in Chinese, filter, and show who saw whose data. Screenshots:
test-artifacts/screenshots/privacy-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from xinfang.intake.models import ContactPetitioner
from xinfang.intake.petitioners import party_reveal
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import id_number, register

pytestmark = pytest.mark.browser

CODES = re.compile(r"\b(?:matter|pii|clock|notify|privacy|accounts)\.[a-z_]+\b")


def _history(world) -> str:
    numbers = []
    for k, name in enumerate(["张三", "李四", "王五"]):
        person = PetitionerInput(
            name=name, id_number=id_number(900 + k), phone=f"1390090{k:04d}", address="深圳市南山区桂庙路1号"
        )
        contact = register(world, petitioners=[person])
        party = ContactPetitioner.objects.get(contact=contact)
        party_reveal(party_id=party.pk, fields=["phone"], actor=world.users["registrar"], reason="电话回访")
        numbers.append(contact.matter.number)
    party_reveal(
        party_id=party.pk, fields=["id_number", "address"], actor=world.users["leader"], reason="督办核对"
    )
    return numbers[0]


def test_the_auditor_reads_the_trail_and_the_access_log(world, login, shot):
    first = _history(world)
    page = login("auditor")
    nav = page.locator("header nav")
    expect(nav.get_by_role("link", name="审计日志")).to_be_visible()
    expect(nav.get_by_role("link", name="登记")).to_have_count(0)

    nav.get_by_role("link", name="审计日志").click()
    expect(page.locator("h1")).to_have_text("审计日志")
    log = page.locator("#audit-log")
    expect(log).to_contain_text("登记信访事项")
    expect(log).to_contain_text("查看个人信息：联系电话")
    assert CODES.findall(page.locator("main").inner_text()) == []
    shot(page, "privacy-audit-log")

    page.fill("input[name=matter]", first)
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#audit-log tbody tr").first).to_contain_text(first)

    nav.get_by_role("link", name="个人信息查阅记录").click()
    expect(page.locator("h1")).to_have_text("个人信息查阅记录")
    expect(page.locator("#pii-log tbody tr")).to_have_count(4)
    expect(page.locator("#pii-counts")).to_contain_text("registrar")
    expect(page.locator("#pii-log")).to_contain_text("督办核对")
    assert CODES.findall(page.locator("main").inner_text()) == []
    shot(page, "privacy-pii-log")
