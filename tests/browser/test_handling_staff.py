"""The staff side of the handling chain in headless Chromium: on a matter the housing bureau of 南山区
has accepted, the unit head (单位负责人) grants the one extension of Art 34 and signs the 处理意见书 of
Art 32; the handler (承办人) may fill the opinion but not sign it. Screenshots in test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

UNIT = "南山区住房和建设局"
BASIS = "《物业管理条例》第五十四条\n《信访工作条例》第三十二条"


def _accepted(world):
    """A 申诉求决 matter registered by the city bureau, 转送 to the housing bureau and accepted by it."""
    from xinfang.routing.services import assignment_accept, matter_route
    from xinfang.testing.factories import register

    matter = register(world).matter
    assignment = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    assignment_accept(
        assignment=assignment, actor=world.users["handler"], notice_method="书面", notice_text="已受理"
    )
    matter.refresh_from_db()
    return matter


def _card(page: Page, heading: str):
    return page.locator("section.card", has=page.get_by_role("heading", name=re.compile(heading)))


def _handling_due(matter):
    return matter.clocks.get(kind="handling").due_on


def _post_direct(page: Page, path: str, form: dict[str, str]) -> None:
    """A POST that bypasses the page's form (as a stale tab or a hand-made request would)."""
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = page.request.post(
        path, form={**form, "csrfmiddlewaretoken": token}, headers={"Referer": page.url}, max_redirects=0
    )
    assert response.status == 302
    page.reload()


def test_unit_head_extends_once_within_30_days(world, login, shot):
    from xinfang.cases.models import Extension, IssuedDocument

    matter = _accepted(world)
    due_before = _handling_due(matter)
    head = login("colleague")  # 单位负责人 of the housing bureau
    head.goto(f"/matters/{matter.number}/")
    card = _card(head, "延长办理期限")
    expect(card).to_contain_text(f"当前办理期限至{due_before:%Y年%-m月%-d日}")
    shot(head, "handling-01-extension-form")

    # More than 30 days: the browser refuses to submit, and so does the server when the check is bypassed.
    days = card.locator("input[name=days]")
    days.fill("40")
    card.locator("textarea[name=reason]").fill("需委托第三方机构鉴定楼顶渗漏原因")
    card.get_by_role("button", name="批准延期").click()
    assert days.evaluate("e => e.validity.rangeOverflow")
    days.evaluate("e => e.removeAttribute('max')")
    card.get_by_role("button", name="批准延期").click()
    expect(head.locator(".flash.error")).to_have_text("延长期限不得超过30日（《信访工作条例》第三十四条）")
    # nothing is lost on a refusal: the reason is still in the form
    expect(_card(head, "延长办理期限").locator("textarea[name=reason]")).to_have_value(
        "需委托第三方机构鉴定楼顶渗漏原因"
    )
    shot(head, "handling-02-extension-too-long")
    assert not Extension.objects.filter(matter=matter).exists()
    assert _handling_due(matter) == due_before

    # 20 days with a reason: granted, new due date shown, 延期告知书 issued.
    card = _card(head, "延长办理期限")
    card.locator("input[name=days]").fill("20")
    card.get_by_role("button", name="批准延期").click()
    expect(head.locator(".flash.success")).to_have_text("已批准延期")
    extension = Extension.objects.get(matter=matter)
    assert extension.days == 20 and extension.original_due == due_before
    new_due = extension.new_due
    assert _handling_due(matter) == new_due
    card = _card(head, "延长办理期限")
    expect(card).to_contain_text(f"已延长20日，办理期限至{new_due:%Y年%-m月%-d日}")
    expect(card.locator("form")).to_have_count(0)  # one extension only (Art 34)
    expect(head.locator(".head")).to_contain_text(f"至 {new_due:%m-%d}")
    docs = _card(head, "文书")
    row = docs.locator("li", has_text="延期办理告知书")
    expect(row).to_contain_text("签发：单位负责人")
    shot(head, "handling-03-extension-granted")
    with head.expect_download() as pdf:
        row.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")
    with head.expect_download() as word:
        row.get_by_role("link", name="Word").click()
    assert word.value.suggested_filename.endswith(".docx")
    assert IssuedDocument.objects.filter(matter=matter, kind="extension_notice").count() == 1

    # A second extension (a stale tab, a hand-made request) is refused; nothing changes.
    _post_direct(
        head, f"/matters/{matter.number}/handle/extend/", {"days": "5", "reason": "仍需补充鉴定材料"}
    )
    expect(head.locator(".flash.error")).to_have_text("办理期限只能延长一次（《信访工作条例》第三十四条）")
    shot(head, "handling-04-second-extension-refused")
    assert Extension.objects.filter(matter=matter).count() == 1
    assert _handling_due(matter) == new_due
    assert IssuedDocument.objects.filter(matter=matter, kind="extension_notice").count() == 1


def _fill_opinion(card, *, basis: str) -> None:
    card.locator("select[name=decision]").select_option(label="解释说明")
    card.locator("textarea[name=request]").fill("请求督促物业维修3栋电梯")
    card.locator("textarea[name=facts]").fill("3栋电梯自两个月前停运，物业一直拖延")
    card.locator("textarea[name=reasons]").fill("楼内多为老人，上下楼困难，存在安全隐患")
    card.locator("textarea[name=findings]").fill(
        "经现场核查，电梯主板损坏，维修需动用专项维修资金，业主大会尚未表决"
    )
    card.locator("textarea[name=decision_text]").fill(
        "维修资金的使用须经业主大会依法表决，本局已督促物业于7日内召集业主表决并先行采取安全措施。"
    )
    card.locator("textarea[name=legal_basis]").fill(basis)


def test_handler_drafts_unit_head_signs_opinion(world, login, shot):
    from xinfang.cases.models import IssuedDocument, MatterStatus, Opinion

    matter = _accepted(world)

    # The handler may fill in the opinion, but not sign it.
    handler = login("handler")
    handler.goto(f"/matters/{matter.number}/")
    card = _card(handler, "出具处理意见书")
    expect(card).to_contain_text("须由单位负责人签发")
    _fill_opinion(card, basis=BASIS)
    shot(handler, "handling-05-opinion-filled-by-handler")
    expect(card.get_by_role("button", name="签发", exact=True)).to_have_count(0)  # a handler cannot sign
    card.get_by_role("button", name="提交负责人签发").click()
    expect(handler.locator(".flash.success")).to_have_text("意见书草稿已保存，待负责人审核签发")
    expect(_card(handler, "出具处理意见书").locator("textarea[name=findings]")).to_have_value(
        re.compile("电梯主板损坏")
    )
    shot(handler, "handling-06-handler-draft-submitted")
    assert not Opinion.objects.filter(matter=matter).exists()
    # A hand-made signing request from the handler is stored as a draft too, never as an opinion.
    _post_direct(handler, f"/matters/{matter.number}/handle/opinion/", {"decision": "support"})
    assert not Opinion.objects.filter(matter=matter).exists()
    # ... nor grant an extension
    expect(_card(handler, "延长办理期限")).to_contain_text("须经单位负责人批准")
    expect(_card(handler, "延长办理期限").locator("form")).to_have_count(0)

    # The unit head: without legal basis the opinion is refused, with it it is signed.
    head = login("colleague")
    head.goto(f"/matters/{matter.number}/")
    card = _card(head, "出具处理意见书")
    expect(card.locator(".draft-note")).to_contain_text("handler")  # the handler's 拟稿 is waiting
    expect(card.locator("select[name=decision]")).to_have_value("support")  # the last draft saved
    _fill_opinion(card, basis="")
    card.locator("textarea[name=legal_basis]").evaluate("e => e.removeAttribute('required')")
    card.get_by_role("button", name="签发", exact=True).click()
    expect(head.locator(".flash.error")).to_have_text(
        "处理意见须载明法律法规依据（《信访工作条例》第三十二条）"
    )
    card = _card(head, "出具处理意见书")
    expect(card.locator("textarea[name=decision_text]")).to_have_value(re.compile("业主大会依法表决"))
    expect(card.locator("select[name=decision]")).to_have_value("explain")
    shot(head, "handling-07-opinion-without-basis")
    assert not Opinion.objects.filter(matter=matter).exists()

    card.locator("textarea[name=legal_basis]").fill(BASIS)
    card.get_by_role("button", name="签发", exact=True).click()
    # 签发 is the binding act: the head checks the document as it will read, then confirms.
    expect(head.locator("h1")).to_have_text("签发前核对：处理意见书")
    preview = head.locator(".document-preview")
    expect(preview).to_contain_text("《物业管理条例》第五十四条")
    expect(preview).to_contain_text("解释说明")
    shot(head, "handling-07b-sign-preview")
    assert not Opinion.objects.filter(matter=matter).exists()
    head.get_by_label("我已核对以上内容，确认签发").check()
    head.get_by_role("button", name="确认签发").click()
    expect(head.locator(".flash.success")).to_have_text("处理意见书已签发")
    expect(head.locator(".meta .status")).to_have_text("已出具处理意见")
    expect(_card(head, "出具处理意见书")).to_have_count(0)
    opinions = _card(head, "意见书与送达")
    expect(opinions).to_contain_text("处理意见书")
    expect(opinions).to_contain_text("解释说明")
    expect(opinions).to_contain_text("《物业管理条例》第五十四条")
    row = _card(head, "文书").locator("li", has_text="处理意见书")
    expect(row).to_contain_text(re.compile(r"信意〔\d{4}〕1号"))
    shot(head, "handling-08-opinion-signed")
    with head.expect_download() as pdf:
        row.get_by_role("link", name="PDF").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")
    assert pdf.value.suggested_filename.endswith(".pdf")
    with head.expect_download() as word:
        row.get_by_role("link", name="Word").click()
    text = "\n".join(p.text for p in docx.Document(word.value.path()).paragraphs)
    for part in ("投诉请求", "事实和理由", "处理意见（解释说明）", "《物业管理条例》第五十四条", "请求复查"):
        assert part in text

    matter.refresh_from_db()
    opinion = Opinion.objects.get(matter=matter)
    assert matter.status == MatterStatus.REPLIED
    assert opinion.signed_by == world.users["colleague"] and opinion.decision == "explain"
    assert opinion.legal_basis == BASIS.splitlines()
    document = IssuedDocument.objects.get(matter=matter, kind="opinion_letter")
    assert document.signer_role == "单位负责人"
