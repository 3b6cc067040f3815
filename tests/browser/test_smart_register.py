"""判重 on the 登记 form, in headless Chromium: typing a paraphrase of an earlier contact shows it with its
reason; "不是同一事项" marks it rejected, and registering stores that verdict for the threshold tuning."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from xinfang.smart.duplicates import reset_index
from xinfang.smart.tests.test_duplicates import PLANT_OTHER, _world_with_stats

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _models(settings, tmp_path):
    settings.XINFANG_MODEL_DIR = tmp_path / "models"
    reset_index()
    yield
    reset_index()


def test_registrar_rejects_a_duplicate_candidate(world, login, shot):
    from xinfang.smart.models import DuplicateVerdict

    first = _world_with_stats(world)
    page = login("registrar")
    page.goto("/register/")
    page.select_option("#id_channel", "letter")
    page.select_option("#id_region_code", "440305")
    page.fill("[name=p-0-name]", "李四")
    page.fill("[name=p-0-address]", "深圳市南山区丽发新城5栋")
    page.fill("#id_reasons", "夜间噪音扰民")
    page.fill("#id_title", PLANT_OTHER[0])
    page.fill("#id_request", PLANT_OTHER[1])
    page.fill("#id_facts", PLANT_OTHER[2])

    candidate = page.locator("#suggest-dup li", has_text=first.matter.number)
    expect(candidate).to_contain_text("共同关键词")
    expect(page.locator("#suggest-dup h3").first).to_have_text("可能是同一事项（判重）")
    candidate.get_by_role("button", name="不是同一事项").click()
    expect(candidate.get_by_role("button", name="已否定")).to_be_disabled()
    expect(page.locator("#id_duplicate_rejected")).to_have_value(first.matter.number)
    shot(page, "20-register-duplicate-rejected")

    page.get_by_role("button", name="登记", exact=True).click()
    expect(page).to_have_url(re.compile(r"/matters/"))
    assert first.matter.number not in page.url
    verdict = DuplicateVerdict.objects.get(matter_number=first.matter.number)
    assert verdict.verdict == "rejected" and verdict.shown_as == "flag" and verdict.score >= verdict.threshold
