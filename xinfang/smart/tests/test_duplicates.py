"""Live 判重 with the deployment's term statistics: word candidates, the verifier, reasons, degradation."""

import pytest

from xinfang.nlp.dedup import live
from xinfang.smart import engine
from xinfang.smart.duplicates import reset_index, same_problem, term_index_build
from xinfang.smart.services import suggest
from xinfang.testing.factories import register

PLANT = (
    "丽发新城小区旁搅拌站噪音扰民",
    "请求关停丽发新城旁边的搅拌站",
    "丽发新城小区南侧的搅拌站每天夜里施工，粉尘和噪音很大，居民无法休息",
    "搅拌站未经环评，影响居民健康",
)
# The same matter told by another resident: few shared char shingles, the same named place and object.
PLANT_OTHER = (
    "投诉搅拌站污染",
    "希望有关部门处理丽发新城搅拌站",
    "我家住丽发新城，楼下搅拌站灰尘漫天，晚上机器轰鸣到凌晨，孩子睡不着觉",
)
FILLER = [
    ("道路积水", "请求疏通排水管道", "每逢下雨{}路段积水严重，行人车辆通行困难", "影响出行安全"),
    ("拖欠工资", "请求支付拖欠工资", "我在{}工地务工，老板拖欠三个月工资", "劳动报酬应按时支付"),
    ("学位申请", "请求解决子女入学", "孩子在{}片区，申请学位被拒", "义务教育应就近入学"),
    ("路灯不亮", "请求维修路灯", "{}小区门口路灯坏了一个多月", "夜间出行不安全"),
]
PLACES = ["桃源", "西丽", "蛇口", "科技园", "前海", "南头", "粤海", "沙河", "招商", "华侨城"]


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.XINFANG_MODEL_DIR = tmp_path / "models"
    reset_index()
    yield
    reset_index()


def _register(world, parts, actor="registrar"):
    title, request, facts, reasons = parts
    return register(world, actor=actor, title=title, request=request, facts=facts, reasons=reasons)


def _world_with_stats(world):
    first = _register(world, PLANT)
    for i, place in enumerate(PLACES):
        for t, r, f, why in FILLER:
            _register(
                world, (t, r, f.format(place), why) if i % 2 else (f"{place}{t}", r, f.format(place), why)
            )
    report = term_index_build(min_rows=20)
    assert report["contacts"] == 41 and engine.dedup_terms_path().exists()
    return first


def test_paraphrase_found_by_shared_key_words_with_reason(world):
    first = _world_with_stats(world)
    title = PLANT_OTHER[0]
    out = same_problem(world.users["registrar"], "\n".join(PLANT_OTHER), title=title)
    assert [f["matter_number"] for f in out] == [first.matter.number]
    hit = out[0]
    assert hit["score"] >= 0.53
    assert "搅拌站" in hit["terms"] and {"丽发新城", "丽发"} & set(hit["terms"])
    assert "共同关键词" in hit["reason"] and "搅拌站" in hit["reason"]
    # out of scope stays out of scope
    assert same_problem(world.users["ft_registrar"], "\n".join(PLANT_OTHER), title=title) == []


def test_contacts_registered_after_training_are_profiled(world):
    _world_with_stats(world)
    later = _register(world, ("噪音投诉", "请求处理丽发新城搅拌站", "丽发新城搅拌站夜间施工噪音", "扰民"))
    out = suggest(actor=world.users["registrar"], title=PLANT_OTHER[0], text="\n".join(PLANT_OTHER[1:]))
    numbers = [f["matter_number"] for f in out["same_problem"]]
    assert later.matter.number in numbers
    assert all(f["passages"] is not None for f in out["same_problem"])


def test_unrelated_text_not_flagged(world):
    _world_with_stats(world)
    out = same_problem(world.users["registrar"], "请求办理低保\n家庭困难，申请最低生活保障", title="申请低保")
    assert out == []


def test_corrupted_statistics_degrade_to_overlap(world):
    first = _register(world, PLANT)
    engine.dedup_terms_path().parent.mkdir(parents=True)
    engine.dedup_terms_path().write_bytes(b"XINFANG-NLP-MODEL\n{}\nbroken")
    out = suggest(actor=world.users["registrar"], title=PLANT[0], text="\n".join(PLANT[1:]))
    assert [f["matter_number"] for f in out["same_problem"]] == [first.matter.number]
    assert "重合度" in out["same_problem"][0]["reason"] and out["same_problem"][0]["passages"]


def test_too_few_contacts_for_statistics(world):
    _register(world, PLANT)
    from xinfang.nlp.errors import NlpError

    with pytest.raises(NlpError):
        term_index_build(min_rows=20)


def test_term_index_round_trip(tmp_path):
    rows = [(i + 1, 1_700_000_000 + i, t, f"{t}\n{f.format(p)}") for i, (p, (t, _r, f, _w)) in
            enumerate((p, x) for p in PLACES for x in FILLER)]  # fmt: skip
    idx = live.build(rows)
    idx.save(tmp_path / "t.terms")
    again = live.TermIndex.load(tmp_path / "t.terms")
    a, b = idx.profile_of(7), again.profile_of(7)
    assert a is not None and b is not None and (a.keys == b.keys).all() and a.norm == b.norm
    q = live.profile(again.stats, rows[6][2], rows[6][3])
    assert again.neighbours(q, limit=3)[0] == 7
    again.add(1000, 1_700_000_000, q)
    assert 1000 in again.neighbours(q, limit=3)


def test_smart_train_if_missing_rebuilds_term_statistics_of_another_version(world, monkeypatch):
    """An upgrade that changes the profile layout must not leave the live look-up on the overlap fallback."""
    from io import StringIO

    from django.core.management import call_command

    _world_with_stats(world)
    path = engine.dedup_terms_path()
    assert live.TermIndex.is_current(path)
    with monkeypatch.context() as m:
        m.setattr(live, "PROFILE_FORMAT", 1)  # a file written by the previous release
        term_index_build(min_rows=20)
    assert not live.TermIndex.is_current(path)
    for place in PLACES[:3]:  # the command asks for ≥ 50 contacts
        for t, r, f, why in FILLER:
            _register(world, (f"{place}{t}二", r, f.format(place), why))
    engine.model_path().parent.mkdir(parents=True, exist_ok=True)
    engine.model_path().write_bytes(b"stands for a trained classifier")  # --if-missing skips training
    out = StringIO()
    call_command("smart_train", "--if-missing", stdout=out)
    assert "判重词频" in out.getvalue() and live.TermIndex.is_current(path)
    assert not live.TermIndex.is_current(path.with_name("absent.terms"))
    # The daily run (too few corrections to retrain the classifier) rebuilds a stale file as well.
    with monkeypatch.context() as m:
        m.setattr(live, "PROFILE_FORMAT", 1)
        term_index_build(min_rows=20)
    out = StringIO()
    call_command("smart_train", "--if-corrections", "200", stdout=out)
    assert "不重训" in out.getvalue() and "判重词频" in out.getvalue() and live.TermIndex.is_current(path)


def test_different_named_places_are_shown_as_counter_evidence(world):
    """A lift complaint about one estate against an earlier one about another estate: the verifier gives
    different names little weight (on the real pairs they are often typos), so the reason names both for the
    registrar to judge."""
    _world_with_stats(world)
    first = _register(
        world,
        (
            "青山公寓小区电梯长期故障无人维修",
            "请求督促物业和相关部门尽快维修青山公寓小区5栋电梯。",
            "青山公寓小区5栋电梯自3个月前起频繁停运，业主多次向物业报修，物业称维修资金不足一直拖延。",
            "老人上下楼困难",
        ),
    )
    told = "我们{0}小区3栋电梯已经停运两个月，物业一直推脱，老人上下楼非常困难"
    title = "小区电梯长期故障无人维修"

    def look_up(estate):
        text = f"{title}\n请求督促物业尽快维修电梯\n{told.format(estate)}"
        out = same_problem(world.users["registrar"], text, title=title)
        return next(f for f in out if f["matter_number"] == first.matter.number)

    other = look_up("滨海华庭")
    assert "所涉对象不同：本件为滨海华庭，该件为青山公寓" in other["reason"]
    same = look_up("青山公寓")  # the same estate: no conflict
    assert "所涉对象不同" not in same["reason"] and "同一对象：青山公寓" in same["reason"]
