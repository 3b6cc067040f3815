"""Smart intake in the workflow: suggestions are shown, stored, and decisions recorded; models degrade."""

import pytest
from django.test import Client

from xinfang.intake.validation import PetitionerInput
from xinfang.smart import engine
from xinfang.smart.duplicates import reset_index
from xinfang.smart.models import Decision, Suggestion
from xinfang.smart.services import accuracy_report, record_decisions, suggest, train_from_decided_matters
from xinfang.testing.factories import id_number, register

ELEVATOR = (
    "小区电梯故障无人维修",
    "请求督促物业维修3栋电梯",
    "阳光花园小区3栋电梯自八月起停运两个多月，物业一直拖延不修",
    "楼内多位老人上下楼困难，存在安全隐患",
)
WAGES = (
    "工地拖欠工资",
    "请求督促公司支付拖欠的三个月工资",
    "我们十二名工人在鑫达公司承包的工地务工，公司三个月未发工资",
    "按时支付劳动报酬是法定义务",
)


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.XINFANG_MODEL_DIR = tmp_path / "models"
    reset_index()
    yield
    reset_index()


def _register(world, text, actor="registrar", category="城乡建设", **kw):
    title, request, facts, reasons = text
    return register(
        world,
        actor=actor,
        title=title,
        request=request,
        facts=facts,
        reasons=reasons,
        category=category,
        **kw,
    )


def test_without_model_suggestions_degrade_and_are_stored(world):
    out = suggest(actor=world.users["registrar"], title="电梯坏了", text="请求维修电梯")
    assert out["category"] == [] and "尚未训练" in out["notes"][0]
    assert out["screening"]["type"] == "申诉求决类"
    assert Suggestion.objects.get(pk=out["suggestion_id"]).payload["screening"]["type_code"] == "petition"


def test_same_problem_found_with_passages_and_only_in_scope(world):
    first = _register(world, ELEVATOR)
    _register(world, WAGES, category="劳动和社会保障")
    text = "\n".join(ELEVATOR[1:])
    out = suggest(actor=world.users["registrar"], title=ELEVATOR[0], text=text)
    assert [d["matter_number"] for d in out["same_problem"]] == [first.matter.number]
    assert out["same_problem"][0]["passages"] and out["same_problem"][0]["score"] > 0.5
    # 福田 registrar: the matter is outside their jurisdiction, so it is never offered
    assert suggest(actor=world.users["ft_registrar"], title=ELEVATOR[0], text=text)["same_problem"] == []


def test_same_petitioner_found_by_id_hash(world):
    number = id_number(31)
    first = register(world, petitioners=[PetitionerInput(name="冯一", id_number=number, address="某路1号")])
    out = suggest(actor=world.users["registrar"], title="另一件事", text="请求解决", id_number=number)
    assert out["same_petitioner"][0]["matter_number"] == first.matter.number
    assert "证件号码相同" in out["same_petitioner"][0]["matched_by"]


def test_decisions_recorded_against_what_was_registered(world):
    first = _register(world, ELEVATOR)
    out = suggest(actor=world.users["registrar"], title=ELEVATOR[0], text="\n".join(ELEVATOR[1:]))
    again = _register(world, ELEVATOR, attach_to=first.matter.number)
    decisions = {
        d.field: d
        for d in record_decisions(
            suggestion_id=out["suggestion_id"], contact=again, actor=world.users["registrar"]
        )
    }
    assert decisions["duplicate"].accepted and decisions["type"].accepted
    assert Suggestion.objects.get(pk=out["suggestion_id"]).contact == again
    # a suggestion is decided once
    assert (
        record_decisions(suggestion_id=out["suggestion_id"], contact=again, actor=world.users["registrar"])
        == []
    )
    assert accuracy_report()["duplicate"] == {"decisions": 1, "accepted": 1, "rate": 1.0}


def test_train_from_decided_matters_then_category_suggestions(world):
    for i in range(30):
        _register(world, (f"{ELEVATOR[0]}{i}", *ELEVATOR[1:]), category="城乡建设")
        _register(world, (f"{WAGES[0]}{i}", *WAGES[1:]), category="劳动和社会保障")
    report = train_from_decided_matters(min_rows=50)
    assert report["rows"] == 60 and engine.model_path().exists()
    out = suggest(actor=world.users["registrar"], title="拖欠工资", text="公司三个月未发工资，请求支付")
    assert out["category"][0]["label"] == "劳动和社会保障"
    assert out["terms"]


def test_corrupted_model_degrades_gracefully(world):
    engine.model_path().parent.mkdir(parents=True)
    engine.model_path().write_bytes(b"not a model")
    out = suggest(actor=world.users["registrar"], title="电梯", text="维修电梯")
    assert out["category"] == [] and out["screening"] is not None


@pytest.mark.parametrize("text", ["", "   ", "😀" * 10, "x" * 100_000, "電梯壞了\x00\x07請維修"])
def test_odd_text_never_fails(world, text):
    out = suggest(actor=world.users["registrar"], title="", text=text)
    assert "suggestion_id" in out


def test_live_suggest_endpoint_and_api(world):
    c = Client()
    c.force_login(world.users["registrar"])
    r = c.post("/suggest/", {"title": "举报干部收受好处费", "text": "请求调查某局工作人员索贿问题"})
    assert r.status_code == 200 and r.json()["screening"]["type"] == "检举控告类"
    _t, raw = world.token()
    r = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
        "/api/v1/suggestions", {"text": "不服法院判决，请求再审"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["screening"]["litigation"] is True


def test_register_form_records_decisions(world):
    c = Client()
    c.force_login(world.users["registrar"])
    out = c.post("/suggest/", {"title": ELEVATOR[0], "text": "\n".join(ELEVATOR[1:])}).json()
    form = {
        "channel": "letter",
        "matter_type": "petition",
        "region_code": "440305",
        "category": "城乡建设",
        "title": ELEVATOR[0],
        "request": ELEVATOR[1],
        "facts": ELEVATOR[2],
        "reasons": ELEVATOR[3],
        "headcount": 1,
        "suggestion_id": out["suggestion_id"],
        "p-TOTAL_FORMS": 1,
        "p-INITIAL_FORMS": 0,
        "p-0-name": "陈二",
        "p-0-kind": "person",
        "p-0-address": "某路2号",
    }
    r = c.post("/register/", form)
    assert r.status_code == 302
    assert set(Decision.objects.values_list("field", flat=True)) >= {"type", "litigation"}
