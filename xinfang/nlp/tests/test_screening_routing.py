from __future__ import annotations

import csv
from importlib import resources

import pytest

from xinfang.nlp import EmptyTextError
from xinfang.nlp.routing import HistoryRow, RoutingRule, suggest_units
from xinfang.nlp.screening import CHANNELS, TYPES, evaluate, packaged_examples, screen


def test_eval_set_shape() -> None:
    text = resources.files("xinfang.nlp").joinpath("evalsets/type_litigation.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) >= 300
    assert {r["type"] for r in rows} == set(TYPES)
    for r in rows:
        assert r["litigation"] in {"0", "1"} and (r["litigation"] == "1") == bool(r["channel"])
        assert not r["channel"] or r["channel"] in CHANNELS
    assert {r["split"] for r in rows} == {"dev", "heldout"}


@pytest.mark.parametrize(
    ("text", "typ", "channel", "article"),
    [
        ("法院判决生效一年了，被执行人一直不履行，请督促强制执行", "申诉求决类", "诉讼", "第31条第1项"),
        ("公司解除劳动合同不给经济补偿金", "申诉求决类", "仲裁", "第31条第2项"),
        ("我是党员，对党纪处分不服，申请复审", "申诉求决类", "党员申诉", "第31条第3项"),
        ("对区市场监管局的罚款决定不服", "申诉求决类", "行政复议", "第31条第4项"),
        ("举报某局长收受贿赂", "检举控告类", None, "第30条"),
        ("建议在小区门口增设公交站", "建议意见类", None, "第29条"),
    ],
)
def test_rules_cite_articles(text: str, typ: str, channel: str | None, article: str) -> None:
    s = screen(text)
    assert s.type == typ and s.channel == channel and s.litigation == (channel is not None)
    assert any(article in line for line in s.explanation())


def test_screen_bad_input() -> None:
    with pytest.raises(EmptyTextError):
        screen("  😀 ")
    assert screen("請問對區政府的處罰決定不服怎麼辦" * 5000).channel == "行政复议"


def test_heldout_quality_floor() -> None:
    # The rules were written looking only at the dev half; the held-out half is the honest figure.
    m = evaluate(packaged_examples("heldout"))
    assert m["type_accuracy"] >= 0.9 and m["litigation_f1"] >= 0.85


def test_routing_top3_with_reasons() -> None:
    rules = [
        RoutingRule("区住建局", "城乡建设", "430103"),
        RoutingRule("市住建局", "城乡建设", "4301"),
        RoutingRule("区人社局", "劳动和社会保障", "430103"),
        RoutingRule("区信访局", None, None, weight=0.5),
    ]
    history = [
        HistoryRow("城乡建设", "430103", "区住建局", 120, 3),
        HistoryRow("城乡建设", "430103", "区城管局", 5, 20),
    ]
    out = suggest_units({"城乡建设": 0.8, "劳动和社会保障": 0.15}, "430103", rules, history)
    assert len(out) == 3 and out[0].unit == "区住建局"
    assert out[0].score >= out[1].score >= out[2].score
    assert any("历史" in r for r in out[0].reasons) and any("分流规则" in r for r in out[0].reasons)
    assert suggest_units({}, None, [], []) == []
