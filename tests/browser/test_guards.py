"""What the staff workspace refuses or records, seen through headless Chromium: a wrong ID checksum keeps
the 登记 form on screen with the Chinese error and writes nothing; another unit's handler gets 404 for a
matter; revealing a petitioner's full ID asks for a reason and leaves a ``pii.reveal`` audit event."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Dialog, expect

from xinfang.core.pii import id_check_digit
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import id_number, register

pytestmark = pytest.mark.browser

CHECKSUM_ERROR = "身份证号码校验位错误，请核对"


def wrong_checksum(serial: int) -> str:
    good = id_number(serial)
    wrong = next(d for d in "0123456789" if d != id_check_digit(good[:17]))
    return good[:17] + wrong


def counts() -> tuple[int, int, int]:
    from xinfang.cases.models import Matter
    from xinfang.intake.models import Contact, Petitioner

    return Matter.objects.count(), Contact.objects.count(), Petitioner.objects.count()


def test_wrong_id_checksum_is_refused_on_the_form(world, login, shot):
    page = login("registrar")
    page.goto("/register/")
    page.select_option("#id_channel", "visit")
    page.select_option("#id_region_code", "440305")
    page.fill("#id_title", "小区电梯故障无人维修")
    page.fill("#id_request", "请求督促物业维修电梯")
    page.fill("#id_facts", "小区3栋电梯停运两个月")
    page.fill("#id_reasons", "老人上下楼困难")
    page.fill("[name=p-0-name]", "张三")
    page.fill("[name=p-0-id_number]", wrong_checksum(21))
    page.fill("[name=p-0-address]", "深圳市南山区桂庙路1号")
    before = counts()
    page.get_by_role("button", name="登记", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text(CHECKSUM_ERROR)
    expect(page).to_have_url(re.compile(r"/register/$"))
    # What was typed is still there to correct.
    expect(page.locator("#id_title")).to_have_value("小区电梯故障无人维修")
    expect(page.locator("[name=p-0-id_number]")).to_have_value(wrong_checksum(21))
    shot(page, "07-register-error-id-checksum")
    assert counts() == before == (0, 0, 0)


def test_other_units_get_404_for_a_matter(world, login):
    contact = register(world)
    page = login("outsider")
    response = page.goto(f"/matters/{contact.matter.number}/")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text(contact.matter.title)


def test_pii_reveal_asks_for_a_reason_and_is_audited(world, login, shot):
    from xinfang.audit.models import Event

    full_id = id_number(31)
    person = PetitionerInput(
        name="张三", id_number=full_id, phone="13800138031", address="深圳市南山区桂庙路1号"
    )
    contact = register(world, petitioners=[person])
    party = contact.parties.get()
    page = login("registrar", phone=True)
    page.goto(f"/matters/{contact.matter.number}/")
    id_cell = page.locator(f'[data-party="{party.pk}"][data-field="id_number"]')
    expect(id_cell).not_to_have_text(full_id)
    expect(id_cell).to_contain_text(full_id[:3])
    shot(page, "08-matter-phone-390x844")
    assert not Event.objects.filter(verb="pii.reveal").exists()

    prompts: list[Dialog] = []

    def answer(dialog: Dialog) -> None:
        prompts.append(dialog)
        dialog.accept("核实信访人身份")

    page.once("dialog", answer)
    page.get_by_role("button", name="查看完整信息（留痕）").click()

    expect(id_cell).to_have_text(full_id)
    expect(page.locator(f'[data-party="{party.pk}"][data-field="phone"]')).to_have_text("13800138031")
    assert [(d.type, d.message) for d in prompts] == [("prompt", "请填写查看理由（将记入审计日志）")]
    # One click, one audit event naming the three fields revealed.
    reveal = Event.objects.get(verb="pii.reveal", subject_id=str(party.petitioner_id))
    assert reveal.new == {"fields": ["id_number", "phone", "address"], "contact": 1}
    assert reveal.reason == "核实信访人身份"
    assert reveal.actor == world.users["registrar"]
    assert reveal.matter_id == contact.matter_id


def test_a_registrar_merges_a_person_registered_twice(world, login, shot):
    """信访人合并: the page lists the two records of one phone and name, masked; a merge without a reason is
    refused in Chinese; with one, the second matter's party is the kept record and the page is empty."""
    from xinfang.intake.models import ContactPetitioner, Petitioner

    person = PetitionerInput(name="王五", phone="13700137005", address="深圳市南山区桂庙路5号")
    first = register(world, petitioners=[person]).parties.get().petitioner
    copy = Petitioner.objects.create(
        name="王五", phone_hash=first.phone_hash, phone_masked=first.phone_masked
    )
    second = register(world)
    ContactPetitioner.objects.filter(contact=second).update(petitioner=copy)

    page = login("registrar")
    page.get_by_role("link", name="信访人合并").click()
    expect(page.locator("h1")).to_have_text("信访人合并")
    group = page.locator("section.merge-group")
    expect(group).to_contain_text("电话和姓名相同")
    expect(group).to_contain_text(second.matter.number)
    expect(group).not_to_contain_text("13700137005")
    shot(page, "09-petitioner-merge")
    group.get_by_role("button", name="合并").click()  # the browser asks for the required reason first
    assert Petitioner.objects.get(pk=copy.pk).merged_into_id is None
    group.locator("[name=reason]").fill("同一人重复登记，已电话核实")
    group.get_by_role("button", name="合并").click()
    expect(page.get_by_role("status")).to_contain_text("已将重复记录合并到信访人“王五”")
    expect(page.locator("main")).to_contain_text("没有发现可能重复登记的信访人")
    assert ContactPetitioner.objects.get(contact=second).petitioner_id == first.pk
    # Found to be wrong: undone from the list of recent merges (拆分).
    recent = page.locator("form.unmerge-form")
    recent.locator("[name=reason]").fill("核实后是同名同电话的两个人")
    recent.get_by_role("button", name="撤销").click()
    expect(page.get_by_role("status")).to_contain_text("已撤销合并")
    assert ContactPetitioner.objects.get(contact=second).petitioner_id == copy.pk
