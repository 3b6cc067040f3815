"""The 登记 form shows every problem at once and marks what is required (issue 21, item 7): a registrar took
four submits, one error each; the place is picked from the jurisdiction, not typed as a code."""

from django.test import Client

from xinfang.cases.models import Matter


def _post(client, **over):
    form = {
        "channel": "visit",
        "matter_type": "petition",
        "region_code": "440305",
        "title": "",
        "request": "",
        "facts": "电梯停运",
        "reasons": "影响出行",
        "headcount": "1",
        "p-TOTAL_FORMS": "2",
        "p-INITIAL_FORMS": "0",
        "p-0-name": "张三",
        "p-0-kind": "person",
        "p-0-phone": "12345",
        "p-0-address": "",
        "p-1-kind": "person",  # an empty row, as the page posts it
        **over,
    }
    return client.post("/register/", form).content.decode()


def test_every_problem_shows_at_once(world) -> None:
    client = Client()
    client.force_login(world.users["registrar"])
    page = _post(client, title="电梯故障", request="请求维修")
    # The service's checks: the phone's format and the missing address, both marked on the first person's row.
    assert "共2处需要修改" in page
    assert "电话" in page and "请填写信访人住址" in page
    assert not Matter.objects.exists()


def test_the_form_marks_required_fields_and_picks_the_place(world) -> None:
    client = Client()
    client.force_login(world.users["registrar"])
    page = client.get("/register/").content.decode()
    assert (
        page.count('class="req"') >= 6
    )  # title, request, facts, reasons, channel … and the person's columns
    picker = page.split('<select name="region_code"')[1].split("</select>")[0]
    assert "南山区" in picker and "南头街道" in picker
    assert "杭州" not in picker  # only the registrar's jurisdiction
