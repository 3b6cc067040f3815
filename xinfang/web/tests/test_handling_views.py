"""The staff side of the opinion and the extension, through the pages."""

import pytest
from django.test import Client
from django.utils import timezone

from xinfang.cases.models import Extension, MatterStatus, Opinion
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import register


def _accepted(world):
    matter = register(world).matter
    a = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    assignment_accept(assignment=a, actor=world.users["handler"], notice_method="书面", notice_text="已受理")
    return matter


def _client(world, persona):
    c = Client()
    c.force_login(world.users[persona])
    return c


def test_unit_head_extends_and_signs_opinion_through_pages(world):
    matter = _accepted(world)
    head = _client(world, "colleague")
    page = head.get(f"/matters/{matter.number}/").content.decode()
    assert "出具处理意见书" in page and "延长办理期限" in page
    r = head.post(f"/matters/{matter.number}/handle/extend/", {"days": "40", "reason": "复杂"}, follow=True)
    assert "不得超过30日" in r.content.decode() and not Extension.objects.exists()
    head.post(f"/matters/{matter.number}/handle/extend/", {"days": "20", "reason": "需现场鉴定"})
    assert Extension.objects.get(matter=matter).days == 20
    form = {
        "decision": "explain",
        "request": "维修电梯",
        "facts": "电梯停运",
        "reasons": "影响出行",
        "findings": "已核实",
        "decision_text": "已督促物业维修",
        "legal_basis": "",
    }
    r = head.post(f"/matters/{matter.number}/handle/opinion/", {**form, "confirm": "1"}, follow=True)
    assert "法律法规依据" in r.content.decode() and not Opinion.objects.exists()
    form["legal_basis"] = "《物业管理条例》第五十四条\n《某市物业服务规定》第八条"
    # 签发 first shows the document for checking, flagging a law the library does not hold; nothing signed.
    preview = head.post(f"/matters/{matter.number}/handle/opinion/", form).content.decode()
    assert "签发前核对" in preview and "确认签发" in preview and not Opinion.objects.exists()
    assert "已督促物业维修" in preview and "法规库未收录" in preview
    assert preview.count("法规库未收录") == 1  # the listed law is not flagged
    head.post(f"/matters/{matter.number}/handle/opinion/", {**form, "confirm": "1"})
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REPLIED
    head.post(
        f"/matters/{matter.number}/handle/serve/",
        {"method": "postal", "served_on": timezone.localdate().isoformat()},
    )
    page = head.get(f"/matters/{matter.number}/").content.decode()
    assert "已送达" in page and "申请复查" in page


def test_handler_cannot_sign_and_outsider_cannot_act(world):
    matter = _accepted(world)
    page = _client(world, "handler").get(f"/matters/{matter.number}/").content.decode()
    assert "由单位负责人签发" in page
    r = _client(world, "outsider").post(
        f"/matters/{matter.number}/handle/extend/", {"days": "5", "reason": "x"}
    )
    assert r.status_code == 404
    assert not Extension.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("legal_basis", "<script>alert(1)</script>", "网页代码"),
        ("findings", "经查<img src=x onerror=alert(1)>", "网页代码"),
        ("legal_basis", "《信访工作条例》第九十九条", "共50条"),
    ],
)
def test_markup_and_articles_a_law_lacks_are_refused_before_signing(world, field, value, message):
    matter = _accepted(world)
    head = _client(world, "colleague")
    form = {
        "decision": "explain",
        "request": "维修电梯",
        "facts": "电梯停运",
        "reasons": "影响出行",
        "findings": "已核实",
        "decision_text": "已督促物业维修",
        "legal_basis": "《物业管理条例》第五十四条",
        field: value,
    }
    for confirm in ({}, {"confirm": "1"}):  # neither the preview nor a forged confirmation passes
        page = head.post(f"/matters/{matter.number}/handle/opinion/", {**form, **confirm}, follow=True)
        assert message in page.content.decode()
        assert "<script>alert(1)</script>" not in page.content.decode()
    assert not Opinion.objects.exists()
