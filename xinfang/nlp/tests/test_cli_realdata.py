from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from xinfang.nlp.cli import main

from .conftest import toy_rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_cli_train_eval_predict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "train.csv", ["text", "label"], [[t, y] for t, y in toy_rows()])
    model = tmp_path / "m" / "category.model"
    assert main(["train", "--data", str(data), "--out", str(model)]) == 0
    assert main(["eval", "--data", str(data), "--folds", "2", "--json", str(tmp_path / "r.json")]) == 0
    rep = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {"per_fold", "per_class", "confusion_matrix", "macro_f1_mean"} <= set(rep)
    inp = _write(
        tmp_path / "in.csv",
        ["title", "body"],
        [["拖欠工资", "公司三个月没发工资，要申请劳动仲裁"], ["", " "]],
    )
    out = tmp_path / "out.csv"
    assert main(["predict", "--input", str(inp), "--output", str(out), "--model", str(model)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert (
        rows[0]["category"] == "劳动和社会保障"
        and rows[0]["channel"] == "仲裁"
        and rows[0]["litigation"] == "1"
    )
    assert len(json.loads(rows[0]["top3"])) == 3 and rows[1]["category"] == ""


def test_cli_errors_are_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _write(tmp_path / "bad.csv", ["foo"], [["x"]])
    assert main(["train", "--data", str(bad), "--out", str(tmp_path / "x.model")]) == 2
    assert "text" in capsys.readouterr().err
    data = _write(
        tmp_path / "d.csv", ["text", "label"], [[t, y] for t, y in toy_rows()] + [["火星上的事", "火星"]]
    )
    tax = _write(
        tmp_path / "tax.csv",
        ["level1", "level2"],
        [["城乡建设", "a"], ["劳动和社会保障", "b"], ["教育文体", "c"]],
    )
    assert (
        main(["train", "--data", str(data), "--taxonomy", str(tax), "--out", str(tmp_path / "y.model")]) == 2
    )
    assert "火星" in capsys.readouterr().err
    assert (
        main(
            [
                "predict",
                "--input",
                str(data),
                "--output",
                str(tmp_path / "o.csv"),
                "--model",
                str(tmp_path / "missing.model"),
            ]
        )
        == 2
    )
    assert main(["duplicates", "--input", str(bad), "--output", str(tmp_path / "p.csv")]) == 2
    assert main(["eval", "--data", str(data), "--folds", "1"]) == 2


def test_cli_duplicates(tmp_path: Path) -> None:
    body = "丽发新城小区旁边新建了一个大型搅拌站，每天从早到晚噪音不断，粉尘很大，请环保部门尽快查处。"
    inp = _write(
        tmp_path / "m.csv",
        ["message_id", "user", "title", "body", "time"],
        [
            ["1", "u1", "搅拌站扰民", body, "2019-12-01 10:00:00"],
            ["2", "u1", "搅拌站扰民", body + "至今没有解决！", "2019-12-05 10:00:00"],
            ["3", "u2", "入学划片", "孩子入学划片不合理，离家近的学校不收。", "2019-12-05 10:00:00"],
        ],
    )
    out = tmp_path / "pairs.csv"
    assert main(["duplicates", "--input", str(inp), "--output", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["id_a"], r["id_b"]) for r in rows] == [("1", "2")]
    reason = json.loads(rows[0]["reason"])
    assert "同一信访人" in reason["reasons"] and reason["passages"]
    # the two posts are 4 days apart: outside a 2-day window, inside "no window"
    assert main(["duplicates", "--input", str(inp), "--output", str(out), "--window-days", "2"]) == 0
    assert not list(csv.DictReader(out.open(encoding="utf-8")))
    assert main(["duplicates", "--input", str(inp), "--output", str(out), "--window-days", "0"]) == 0
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 1


def test_package_does_not_import_django() -> None:
    code = (
        "import sys, xinfang.nlp, xinfang.nlp.cli, xinfang.nlp.classify, xinfang.nlp.screening, "
        "xinfang.nlp.routing, xinfang.nlp.dedup.detector, xinfang.nlp.training; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[3])


@pytest.mark.realdata
def test_real_data_fixed_split_sanity(tipdm: Path) -> None:
    """Small, fast sanity check (the full 5-fold eval with extra data lives in bench/nlp_classify.py)."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split

    from xinfang.nlp.classify import CategoryClassifier
    from xinfang.nlp.data import load_labelled

    lab = load_labelled(tipdm / "messages_labelled.csv")
    idx = np.arange(len(lab.texts))
    tr, te = train_test_split(idx, test_size=0.25, stratify=lab.labels, random_state=7)
    clf = CategoryClassifier().fit(
        [lab.texts[i] for i in tr], [lab.labels[i] for i in tr], [lab.heads[i] for i in tr], calibrate=False
    )
    proba = clf.predict_proba([lab.texts[i] for i in te], [lab.heads[i] for i in te])
    assert clf.classes_ is not None
    pred = clf.classes_[proba.argmax(1)]
    assert f1_score([lab.labels[i] for i in te], pred, average="macro") >= 0.85


@pytest.mark.realdata
def test_real_data_dedup_pairs_exist(tipdm: Path) -> None:
    ids = {r["message_id"] for r in csv.DictReader((tipdm / "hotspot_messages.csv").open(encoding="utf-8"))}
    pairs_file = Path(__file__).resolve().parents[1] / "evalsets" / "dedup_pairs_hotspot.csv"
    pairs = list(csv.DictReader(pairs_file.open(encoding="utf-8")))
    assert len(pairs) >= 300 and set(pairs[0]) == {"id_a", "id_b", "label", "note"}
    assert all(p["id_a"] in ids and p["id_b"] in ids for p in pairs)
    assert {p["label"] for p in pairs} == {"same", "related", "different"}
