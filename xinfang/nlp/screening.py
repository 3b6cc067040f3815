"""Type (建议意见类 / 检举控告类 / 申诉求决类) and litigation screening (诉访分离).

Rules come first because each one is a citable legal reason staff can check; a small char n-gram model
trained on the project's own written examples (``evalsets/type_litigation.csv``, split ``dev``) fills in
where no rule fires. Every decision returns the rules that fired with their article of the
《信访工作条例》(2022), so the screening explains itself and staff decide.

- Art 28¶2 诉访分离: matters about 民事、行政、刑事 litigation rights leave the ordinary petition track.
- Art 31(1) courts / procuratorate / police procedures; (2) arbitration; (3) 党员申诉、申请复审;
  (4) 行政复议、行政裁决 and other administrative procedures → "导入相应程序".
- Art 22¶2: 涉法涉诉 letters go to the 政法部门; 检举控告 to 纪检监察 (Art 30).
- Art 29 建议意见类; Art 30 检举控告类; Art 31 申诉求决类.
"""

from __future__ import annotations

import csv
import re
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from .normalize import normalize
from .vectorize import CharTfidf

TYPES = ("建议意见类", "检举控告类", "申诉求决类")
CHANNELS = ("诉讼", "检察监督", "刑事立案", "仲裁", "党员申诉", "行政复议", "行政裁决")
#: Where each channel leads (the 政法部门 / body that runs the procedure) and the article that sends it there.
CHANNEL_BASIS = {
    "诉讼": "《信访工作条例》第28条第2款、第31条第1项：通过审判机关诉讼程序处理",
    "检察监督": "《信访工作条例》第31条第1项：通过检察机关法律监督程序处理",
    "刑事立案": "《信访工作条例》第31条第1项：通过检察机关刑事立案程序或公安机关法律程序处理",
    "仲裁": "《信访工作条例》第31条第2项：应当通过仲裁解决的，导入相应程序",
    "党员申诉": "《信访工作条例》第31条第3项：党员申诉、申请复审",
    "行政复议": "《信访工作条例》第31条第4项：行政复议等行政程序",
    "行政裁决": "《信访工作条例》第31条第4项：行政裁决等行政程序",
}


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    basis: str
    type: str | None = None
    channel: str | None = None


def _r(p: str) -> re.Pattern[str]:
    return re.compile(p)


# Order matters for channels: the more specific procedure wins (党员申诉 before 复议, 检察 before 诉讼).
RULES: tuple[Rule, ...] = (
    Rule(
        "党员申诉/复审",
        _r(r"党员|党内|党纪|党籍|党组织|(处分|处理决定).{0,8}(申诉|复审)|申请复审"),
        CHANNEL_BASIS["党员申诉"],
        channel="党员申诉",
    ),
    Rule("检察监督", _r(r"检察院|检察机关|抗诉|法律监督"), CHANNEL_BASIS["检察监督"], channel="检察监督"),
    Rule(
        "仲裁",
        _r(
            r"仲裁|劳动合同|经济补偿金?|双倍工资|辞退|解除劳动|加班费|竞业限制|调岗降薪|劳动关系|"
            r"伤残补助|土地承包经营权|承包合同"
        ),
        CHANNEL_BASIS["仲裁"],
        channel="仲裁",
    ),
    Rule(
        "行政裁决(权属争议)",
        _r(r"权属(争议|处理)?|确权|林权|山林|草场|滩涂|界址|地界|使用权.{0,4}争议"),
        CHANNEL_BASIS["行政裁决"],
        channel="行政裁决",
    ),
    Rule(
        "刑事/公安程序",
        _r(
            r"报案|报警|不予?立案|立案侦查|刑事(责任|拘留|案件)?|看守所|拒执罪|非法集资|传销|"
            r"保护费|冒用.{0,6}身份|挪用.{0,6}(炒股|公款)"
        ),
        CHANNEL_BASIS["刑事立案"],
        channel="刑事立案",
    ),
    Rule(
        "行政复议",
        _r(
            r"行政复议|申请复议|复议|(不服|异议|不满意).{0,12}(决定|处罚|罚款|认定|许可|结论|处理)|"
            r"(决定|处罚|罚款|认定|许可|结论|处理)[^，。]{0,12}(不服|有异议)|信息公开.{0,6}(被拒|拒绝)"
        ),
        CHANNEL_BASIS["行政复议"],
        channel="行政复议",
    ),
    Rule(
        "诉讼",
        _r(
            r"法院|法官|判决|裁定|起诉|上诉|再审|申诉(?!求决)|强制执行|被执行人|执行局|开庭|审限|诉讼|"
            r"告上法庭|违约金|遗产|押金.{0,6}不退|拒(绝)?理赔|借款|不归还|合伙"
        ),
        CHANNEL_BASIS["诉讼"],
        channel="诉讼",
    ),
    Rule(
        "检举控告",
        _r(
            r"举报|检举|揭发|控告|贪污|受贿|收受|索要|好处费|回扣|挪用|侵占|套取|骗取|吃空饷|保护伞|"
            r"优亲厚友|公款|违规(使用|发放|占用|承揽|经商)|舞弊|贿选"
        ),
        "《信访工作条例》第30条、第22条第2款：检举控告类事项，属纪检监察机关受理的转送纪检监察机关",
        type="检举控告类",
    ),
    Rule(
        "建议意见",
        _r(
            r"^(建议|希望|倡议)|建议(在|对|将|市|政府|公交|加强|加快|增设|增加|完善|延长|设立|推行|"
            r"规范|开通|公开|统一)|的建议$"
        ),
        "《信访工作条例》第29条：建议意见类事项，认真研究论证，采纳的予以回复",
        type="建议意见类",
    ),
)


_OPENS_AS_SUGGESTION = re.compile(r"^(建议|希望|倡议)")
_ACCUSATION_OBJECT_CHANNELS = {"诉讼", "行政裁决", "行政复议"}


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule: str
    basis: str
    matched: str


@dataclass(frozen=True, slots=True)
class Screening:
    type: str
    type_probability: float
    litigation: bool
    channel: str | None
    channel_probability: float
    hits: list[RuleHit] = field(default_factory=list)
    source: str = "rules"  # "rules", "model" or "rules+model"

    def explanation(self) -> list[str]:
        return [f"{h.rule}（命中“{h.matched}”）：{h.basis}" for h in self.hits]


class _Models:
    """Tiny char n-gram logistic models, trained once from the packaged examples (≈150 rows, < 1 s)."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        texts = [normalize(r["text"]).text for r in rows]
        self.vec = CharTfidf((1, 3), 1).fit(texts)
        x = self.vec.transform(texts)
        self.type_lr = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced").fit(
            x, [r["type"] for r in rows]
        )
        self.chan_lr = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced").fit(
            x, [r["channel"] or "-" for r in rows]
        )

    def predict(self, text: str) -> tuple[dict[str, float], dict[str, float]]:
        x = self.vec.transform([text])
        tp = dict(zip(self.type_lr.classes_, self.type_lr.predict_proba(x)[0], strict=True))
        cp = dict(zip(self.chan_lr.classes_, self.chan_lr.predict_proba(x)[0], strict=True))
        return tp, cp


_lock = threading.Lock()
_models: _Models | None = None


def packaged_examples(split: str | None = "dev") -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath("evalsets/type_litigation.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return [r for r in rows if split is None or r["split"] == split]


def _get_models() -> _Models:
    global _models
    if _models is None:
        with _lock:
            if _models is None:
                _models = _Models(packaged_examples("dev"))
    return _models


def rule_hits(text: str) -> list[tuple[Rule, str]]:
    hits = []
    for rule in RULES:
        m = rule.pattern.search(text)
        if m:
            hits.append((rule, m.group(0)))
    return hits


def screen(text: str, *, use_model: bool = True, model_threshold: float = 0.55) -> Screening:
    """Screen one petition text. Raises :class:`EmptyTextError` for empty input."""
    t = normalize(text).text
    hits = rule_hits(t)
    rule_types = [r.type for r, _ in hits if r.type]
    # A text that opens with 建议/希望 is a suggestion even if it mentions 举报 (e.g. a reward scheme).
    rule_type = (
        "建议意见类"
        if "建议意见类" in rule_types and _OPENS_AS_SUGGESTION.match(t)
        else next(iter(rule_types), None)
    )
    rule_channel = next((r.channel for r, _ in hits if r.channel), None)
    if rule_type == "检举控告类" and rule_channel in _ACCUSATION_OBJECT_CHANNELS:
        # "举报某法官收受财物" names a court but accuses a person: Art 22¶2/30 send it to 纪检监察, not to a
        # litigation procedure. Crimes (刑事立案) keep their channel.
        rule_channel = None
    tp: dict[str, float] = {}
    cp: dict[str, float] = {}
    if use_model:
        tp, cp = _get_models().predict(t)
    # Type: a citing rule decides; otherwise the model; the default is 申诉求决类 (Art 31 is the residual).
    if rule_type:
        typ, typ_p, source = rule_type, max(tp.get(rule_type, 0.0), 0.9), "rules"
    elif tp:
        typ = str(max(tp, key=lambda k: tp[k]))
        typ_p, source = tp[typ], "model"
    else:
        typ, typ_p, source = "申诉求决类", 0.5, "rules"
    # Channel: a rule naming a procedure decides; otherwise accept the model only when it is confident.
    channel: str | None
    if rule_channel:
        channel, ch_p = rule_channel, max(cp.get(rule_channel, 0.0), 0.9)
        source = "rules" if source == "rules" else "rules+model"
    else:
        best = str(max(cp, key=lambda k: cp[k])) if cp else "-"
        channel = best if best != "-" and cp.get(best, 0.0) >= model_threshold else None
        if typ == "检举控告类" and channel in _ACCUSATION_OBJECT_CHANNELS:
            channel = None
        ch_p = cp.get(best, 0.0) if channel else cp.get("-", 1.0)
        if channel:
            source = "model" if source == "model" else "rules+model"
    used = [
        RuleHit(r.name, r.basis, m)
        for r, m in hits
        if (r.type == typ) or (r.channel and r.channel == channel)
    ]
    if channel and not any(h.basis == CHANNEL_BASIS[channel] for h in used):
        used.append(RuleHit(f"模型建议：{channel}", CHANNEL_BASIS[channel], ""))
    return Screening(
        typ, round(float(typ_p), 4), channel is not None, channel, round(float(ch_p), 4), used, source
    )


def evaluate(rows: list[dict[str, str]], *, use_model: bool = True) -> dict[str, Any]:
    """Accuracy / macro-F1 for type, P/R/F1 for the litigation flag, and channel accuracy on flagged rows."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    pred = [screen(r["text"], use_model=use_model) for r in rows]
    yt = [r["type"] for r in rows]
    pt = [p.type for p in pred]
    yl = np.array([r["litigation"] == "1" for r in rows])
    pl = np.array([p.litigation for p in pred])
    p, rc, f, _ = precision_recall_fscore_support(yl, pl, average="binary", zero_division=0)
    both = yl & pl
    chan_acc = (
        float(np.mean([pred[i].channel == rows[i]["channel"] for i in np.flatnonzero(both)]))
        if both.any()
        else 0.0
    )
    return {
        "rows": len(rows),
        "type_accuracy": float(np.mean([a == b for a, b in zip(yt, pt, strict=True)])),
        "type_macro_f1": float(f1_score(yt, pt, average="macro")),
        "litigation_accuracy": float((yl == pl).mean()),
        "litigation_precision": float(p),
        "litigation_recall": float(rc),
        "litigation_f1": float(f),
        "channel_accuracy_on_true_positives": chan_acc,
        "errors": [
            {
                "text": r["text"],
                "type": r["type"],
                "pred_type": q.type,
                "channel": r["channel"],
                "pred_channel": q.channel or "",
            }
            for r, q in zip(rows, pred, strict=True)
            if r["type"] != q.type or (r["channel"] or None) != q.channel
        ],
    }
