"""Issue 21, item 3 in headless Chromium, on a phone (390×844) and a desktop: the 登记回执 survives a reload
and creates nothing; a double click and a resubmission after going back are one matter; the receipt prints
(print media, PDF); 找回查询码 texts a new code that opens the matter; the registrar prints a walk-in's
receipt.
Screenshots: test-artifacts/screenshots/receipt-*.png, the printed PDFs next to them."""

from __future__ import annotations

import io
import json
import re
import time
import unicodedata
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from xinfang.testing.factories import id_number

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
MOBILE = "13900139031"
CODE_RE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


@pytest.fixture
def portal_world(world, settings, tmp_path):
    from django.core.cache import cache

    settings.XINFANG_PORTAL_UNIT = world.units["city_bureau"].pk
    settings.VAR_DIR = tmp_path  # the file SMS backend writes its outbox here
    settings.XINFANG_SMS_BACKEND = "xinfang.notify.backends.FileBackend"
    cache.clear()
    yield world
    cache.clear()


def _matters() -> int:
    from xinfang.cases.models import Matter

    return Matter.objects.count()


def _sms(tmp_path: Path, template: str) -> list[dict]:
    outbox = tmp_path / "outbox" / "sms.jsonl"
    if not outbox.exists():
        return []
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line["template"] == template]


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"


def _fill(page: Page, serial: int, title: str) -> None:
    page.goto("/portal/submit/")
    page.fill("#id_name", "刘晓梅")
    page.fill("#id_phone", MOBILE)
    page.fill("#id_address", "深圳市南山区南头街道南山大道1号")
    page.fill("#id_id_number", id_number(serial))
    page.select_option("#id_region_code", "440305001")
    page.fill("#id_title", title)
    page.fill("#id_request", "请求清理小区门前堆放的建筑垃圾")
    page.fill("#id_facts", "小区门前人行道上堆放建筑垃圾已一个月，行人只能走机动车道。")
    page.fill("#id_reasons", "存在交通安全隐患，影响居民出行。")
    page.locator("#id_consent").check()


def _ticket(page: Page) -> tuple[str, str]:
    number = page.locator("#matter-number").inner_text().strip()
    code = page.locator("#query-code").inner_text().strip()
    assert re.fullmatch(r"440300-\d{4}-\d{6}", number) and CODE_RE.fullmatch(code), (number, code)
    return number, code


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_reloading_the_receipt_keeps_number_and_code_and_creates_nothing(
    portal_world, new_page, shot, device
):
    page = new_page(VIEWPORTS[device])
    _fill(page, 301 if device == "phone" else 302, "小区门前建筑垃圾堆放一个月")
    page.get_by_role("button", name="提交").click()
    expect(page).to_have_url(re.compile(r"/portal/receipt/[^/]+/$"))
    expect(page.locator("h1")).to_have_text("提交成功")
    number, code = _ticket(page)
    before = _matters()
    for _ in range(2):
        page.reload()
        expect(page.locator("h1")).to_have_text("提交成功")
        assert _ticket(page) == (number, code)
    assert _matters() == before
    expect(page.get_by_role("button", name="打印回执")).to_be_visible()
    expect(page.locator(".receipt")).to_contain_text("第二十二条")
    _no_sideways_scroll(page)
    shot(page, f"receipt-{device}-reloaded")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_double_click_and_a_resubmission_after_going_back_are_one_matter(
    portal_world, new_page, shot, device, monkeypatch
):
    from xinfang.portal import views

    # A slow answer (a busy server, a slow network): the citizen clicks 提交 again while the first POST is
    # still on its way. Chromium drops a second click that comes before the first request has left, so the
    # second click waits for it.
    real = views.portal_submit

    def slow(**kwargs):
        time.sleep(1.0)
        return real(**kwargs)

    monkeypatch.setattr(views, "portal_submit", slow)
    page = new_page(VIEWPORTS[device])
    _fill(page, 311 if device == "phone" else 312, "小区门前建筑垃圾无人清运")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    before = _matters()
    button = page.get_by_role("button", name="提交")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # The mouse itself (a locator's click would wait for the first navigation to end).
    with page.expect_request(lambda r: r.method == "POST"):
        page.mouse.click(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"/portal/receipt/[^/]+/$"), timeout=15_000)
    number, code = _ticket(page)
    assert len(posts) == 2, posts  # the browser did send the form twice, and shows the second answer
    expect(page.locator(".flash")).to_contain_text("已经提交过，没有重复登记")
    assert _matters() == before + 1
    shot(page, f"receipt-{device}-double-click")

    # Back to the form: the browser refills it (with a new token) and the citizen presses 提交 again.
    page.go_back()
    expect(page.locator("h1")).to_have_text("我要信访")
    if (
        page.input_value("#id_title") == ""
    ):  # the browser did not refill it: type it again, as a citizen would
        _fill(page, 311 if device == "phone" else 312, "小区门前建筑垃圾无人清运")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="提交").click()
    expect(page).to_have_url(re.compile(rf"/portal/receipt/{number}/$"))
    expect(page.locator(".flash")).to_contain_text("没有重复登记")
    assert _ticket(page) == (number, code)
    assert _matters() == before + 1
    _no_sideways_scroll(page)
    shot(page, f"receipt-{device}-resubmitted")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_receipt_prints(portal_world, new_page, shot, device):
    from pypdf import PdfReader

    page = new_page(VIEWPORTS[device])
    _fill(page, 321 if device == "phone" else 322, "人行道建筑垃圾影响通行")
    page.get_by_role("button", name="提交").click()
    number, code = _ticket(page)
    page.wait_for_load_state()  # the receipt's stylesheet too, not only the markup
    page.emulate_media(media="print")
    for chrome in (".bar", ".foot", ".no-print", "button"):
        assert page.locator(chrome).first.is_hidden(), chrome
    expect(page.locator(".receipt")).to_be_visible()
    shot(page, f"receipt-{device}-print")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(format="A4", print_background=True)
    (SCREENSHOTS / f"receipt-{device}.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1  # one sheet to hand over
    # NFKC: the PDF's CJK font maps some characters to their Kangxi-radical look-alikes (⼈ for 人).
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", reader.pages[0].extract_text()))
    for part in (number, code, "信访事项登记回执", "第二十二条", "找回查询码"):
        assert part in text, part
    for left_out in ("我要信访", "打印回执", "返回首页"):
        assert left_out not in text, left_out


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_recovering_the_code_by_sms(portal_world, new_page, shot, tmp_path, device):
    page = new_page(VIEWPORTS[device])
    _fill(page, 331 if device == "phone" else 332, "建筑垃圾堆放堵塞人行道")
    page.get_by_role("button", name="提交").click()
    number, old = _ticket(page)

    # Another day, another browser: the code is lost.
    citizen = new_page(VIEWPORTS[device])
    citizen.goto("/portal/query/")
    citizen.get_by_role("link", name="找回查询码").click()
    expect(citizen.locator("h1")).to_have_text("找回查询码")
    citizen.fill("#id_number", number)
    citizen.fill("#id_phone", "13900139000")  # not the phone given: the same answer, no message
    _no_sideways_scroll(citizen)
    shot(citizen, f"receipt-{device}-recover-form")
    citizen.get_by_role("button", name="发送新的查询码").click()
    expect(citizen).to_have_url(re.compile(r"/portal/query/$"))
    neutral = citizen.locator(".flash").inner_text()
    assert "如果事项编号和手机号码与信访时留下的一致" in neutral
    assert _sms(tmp_path, "query_code_reset") == []

    citizen.goto("/portal/recover/")
    citizen.fill("#id_number", number)
    citizen.fill("#id_phone", MOBILE)
    citizen.get_by_role("button", name="发送新的查询码").click()
    expect(citizen).to_have_url(re.compile(r"/portal/query/$"))
    assert citizen.locator(".flash").inner_text() == neutral
    shot(citizen, f"receipt-{device}-recover-sent")
    [sms] = _sms(tmp_path, "query_code_reset")
    assert sms["to"] == "139****9031" and number in sms["body"]
    new = CODE_RE.search(sms["body"]).group(0)
    assert new != old

    citizen.fill("#id_number", number)
    citizen.fill("#id_code", old)
    citizen.get_by_role("button", name="查询").click()
    expect(citizen.get_by_text("事项编号或查询码不正确")).to_be_visible()
    citizen.fill("#id_number", number)
    citizen.fill("#id_code", new)
    citizen.get_by_role("button", name="查询").click()
    expect(citizen).to_have_url(re.compile(rf"/portal/progress/{number}/$"))
    expect(citizen.locator("h1")).to_have_text(number)
    _no_sideways_scroll(citizen)
    shot(citizen, f"receipt-{device}-recovered-progress")


def test_the_registrar_prints_a_walk_in_receipt(portal_world, login, new_page, shot, tmp_path):
    from .test_walk import fill_visit

    registrar = login("registrar")
    registrar.get_by_role("link", name="登记", exact=True).click()
    fill_visit(registrar)
    registrar.get_by_role("button", name="登记", exact=True).click()
    expect(registrar).to_have_url(re.compile(r"/matters/[^/]+/$"))
    number = re.search(r"/matters/([^/]+)/$", registrar.url).group(1)
    expect(registrar.locator(".flash.success")).to_have_text(f"登记成功，事项编号 {number}")
    shot(registrar, "receipt-desk-registered")
    registrar.get_by_role("link", name="打印登记回执").click()
    expect(registrar).to_have_url(re.compile(rf"/matters/{number}/receipt/$"))
    shown, code = _ticket(registrar)
    assert shown == number
    expect(registrar.get_by_role("button", name="打印回执")).to_be_visible()
    shot(registrar, "receipt-desk")
    registrar.wait_for_load_state()
    registrar.emulate_media(media="print")
    assert registrar.locator("header.top").is_hidden()
    shot(registrar, "receipt-desk-print")
    (SCREENSHOTS / "receipt-desk.pdf").write_bytes(registrar.pdf(format="A4"))
    texts = [s for s in _sms(tmp_path, "matter_registered") if number in s["body"]]
    assert len(texts) == 2 and all("查询码（见登记回执" in s["body"] for s in texts)  # the 2 mobiles given

    # The walk-in petitioner, at home on a phone, opens the matter with the receipt.
    citizen = new_page(PHONE)
    citizen.goto("/portal/query/")
    citizen.fill("#id_number", number)
    citizen.fill("#id_code", code.lower())
    citizen.get_by_role("button", name="查询").click()
    expect(citizen).to_have_url(re.compile(rf"/portal/progress/{number}/$"))
    shot(citizen, "receipt-desk-citizen-progress")
