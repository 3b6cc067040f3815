"""Train / cross-validate the category classifier from CSV files, with leak control for extra data.

Extra pre-segmented data (``--seg``) is the same kind of message, and the shared data set shows why care is
needed: every labelled row reappears in it under the same ``row_idx``, and a few hundred more rows are
reposts of labelled messages under *other* row ids. So extras are matched to labelled rows twice — by id
and by char-bigram containment — and, in cross-validation, any extra that matches a test-fold message is
dropped from that fold's training set.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from . import persist
from .classify import CategoryClassifier, ClassifierParams
from .data import Labelled, load_labelled, load_segmented, overlap_pairs, read_rows
from .errors import DataError

#: Containment at which an extra row counts as a copy of a labelled one. Measured on the shared data: true
#: copies (same row_idx) score ≥ 0.64 in 99 % of cases (stop-word removal lowers it); 0.4 leaves a margin.
OVERLAP_THRESHOLD = 0.4


@dataclass(slots=True)
class Extras:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    #: for every extra row, the labelled rows it duplicates (by id or content)
    links: list[set[int]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)


def load_taxonomy(path: str | os.PathLike[str]) -> list[str]:
    fields, rows = read_rows(path)
    col = "label" if "label" in fields else "level1" if "level1" in fields else None
    if col is None:
        raise DataError(f"{path}: taxonomy needs a 'label' or 'level1' column")
    return list(dict.fromkeys(r[col].strip() for r in rows if (r.get(col) or "").strip()))


def prepare_extras(
    labelled: Labelled, labelled_ids: Sequence[str] | None, seg_path: str | os.PathLike[str] | None
) -> Extras:
    if not seg_path:
        return Extras()
    ids, texts, labels = load_segmented(seg_path)
    pos = {rid: k for k, rid in enumerate(labelled_ids or [])}
    links: list[set[int]] = [set() for _ in texts]
    for k, rid in enumerate(ids):
        if rid in pos:
            links[k].add(pos[rid])
    ii, jj, _ = overlap_pairs(texts, labelled.texts, OVERLAP_THRESHOLD)
    for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
        links[i].add(j)
    by_id = sum(1 for rid in ids if rid in pos)
    by_content = sum(1 for k, rid in enumerate(ids) if rid not in pos and links[k])
    label_disagree = sum(
        1 for k, rid in enumerate(ids) if rid in pos and labels[k] != labelled.labels[pos[rid]]
    )
    report = {
        "seg_rows": len(ids),
        "same_row_idx_as_labelled": by_id,
        "row_idx_overlap_label_disagreements": label_disagree,
        "other_ids_near_duplicate_of_labelled": by_content,
        "independent_extra_rows": sum(1 for lk in links if not lk),
        "overlap_threshold": OVERLAP_THRESHOLD,
    }
    return Extras(texts, labels, links, report)


def _labelled_ids(path: str | os.PathLike[str], n: int) -> list[str] | None:
    fields, rows = read_rows(path)
    if "row_idx" not in fields:
        return None
    ids = [r["row_idx"] for r in rows]
    return ids if len(ids) == n else None  # skipped empty rows would misalign ids → fall back to content


def train(
    data: str | os.PathLike[str],
    seg: str | os.PathLike[str] | None = None,
    *,
    taxonomy: Sequence[str] | None = None,
    params: ClassifierParams | None = None,
) -> tuple[CategoryClassifier, dict[str, Any]]:
    """Fit on all labelled rows plus every extra row (as in CV, where only test-linked extras are dropped)."""
    t0 = time.perf_counter()
    lab = load_labelled(data)
    ex = prepare_extras(lab, _labelled_ids(data, len(lab.texts)), seg)
    keep = list(range(len(ex.texts)))
    clf = CategoryClassifier(taxonomy, params)
    clf.fit(
        lab.texts,
        lab.labels,
        lab.heads,
        extra_texts=[ex.texts[k] for k in keep],
        extra_labels=[ex.labels[k] for k in keep],
        extra_links=[ex.links[k] for k in keep],
    )
    fp = persist.fingerprint(
        [("L", t, y) for t, y in zip(lab.texts, lab.labels, strict=True)]
        + [("S", ex.texts[k], ex.labels[k]) for k in keep]
    )
    report = {
        "rows": len(lab.texts),
        "skipped_rows": lab.skipped,
        "extras": ex.report,
        "extra_rows_used": len(keep),
        "train_seconds": round(time.perf_counter() - t0, 2),
        "fingerprint": fp,
    }
    return clf, report


def cross_validate(
    data: str | os.PathLike[str],
    seg: str | os.PathLike[str] | None = None,
    *,
    folds: int = 5,
    seed: int = 42,
    taxonomy: Sequence[str] | None = None,
    params: ClassifierParams | None = None,
    calibrate: bool = True,
) -> dict[str, Any]:
    """Stratified k-fold; extras linked to a test-fold row never enter that fold's training set."""
    lab = load_labelled(data)
    ex = prepare_extras(lab, _labelled_ids(data, len(lab.texts)), seg)
    y = np.asarray(lab.labels)
    classes = sorted(set(lab.labels))
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    pred = np.empty(len(y), dtype=object)
    prob_true = np.zeros(len(y))
    prob_top = np.zeros(len(y))
    per_fold: list[dict[str, Any]] = []
    for k, (tr, te) in enumerate(skf.split(lab.texts, y)):
        test = set(te.tolist())
        keep = [i for i, lk in enumerate(ex.links) if not (lk & test)]
        clf = CategoryClassifier(taxonomy, params)
        at = {row: k for k, row in enumerate(tr.tolist())}  # labelled row → its position in this fit
        t0 = time.perf_counter()
        clf.fit(
            [lab.texts[i] for i in tr],
            [lab.labels[i] for i in tr],
            [lab.heads[i] for i in tr],
            extra_texts=[ex.texts[i] for i in keep],
            extra_labels=[ex.labels[i] for i in keep],
            extra_links=[{at[row] for row in ex.links[i] if row in at} for i in keep],
            calibrate=calibrate,
        )
        fit_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        proba = clf.predict_proba([lab.texts[i] for i in te], [lab.heads[i] for i in te])
        pred_s = time.perf_counter() - t1
        assert clf.classes_ is not None
        pred[te] = clf.classes_[proba.argmax(1)]
        cpos = {c: j for j, c in enumerate(clf.classes_)}
        prob_true[te] = [proba[r, cpos[y[i]]] if y[i] in cpos else 0.0 for r, i in enumerate(te)]
        prob_top[te] = proba.max(axis=1)
        per_fold.append(
            {
                "fold": k,
                "macro_f1": float(f1_score(y[te], pred[te], average="macro")),
                "accuracy": float((pred[te] == y[te]).mean()),
                "train_rows": len(tr),
                "extra_rows_used": len(keep),
                "extra_rows_dropped_for_leak": len(ex.texts) - len(keep),
                "fit_seconds": round(fit_s, 2),
                "predict_per_second": round(len(te) / pred_s, 1),
                "temperature": round(clf.temperature, 4),
            }
        )
    p, r, f, s = precision_recall_fscore_support(y, pred.astype(str), labels=classes, zero_division=0)
    conf = confusion_matrix(y, pred.astype(str), labels=classes)
    fold_f1 = [pf["macro_f1"] for pf in per_fold]
    return {
        "folds": folds,
        "seed": seed,
        "rows": len(y),
        "extras": ex.report,
        "per_fold": per_fold,
        "macro_f1_mean": float(np.mean(fold_f1)),
        "macro_f1_std": float(np.std(fold_f1)),
        "macro_f1_pooled": float(f1_score(y, pred.astype(str), average="macro")),
        "accuracy": float((pred == y).mean()),
        "mean_prob_of_true_label": float(prob_true.mean()),
        "mean_top_probability": float(prob_top.mean()),
        "calibration_error": calibration_error(prob_top, np.asarray(pred == y, dtype=bool)),
        "per_class": {
            c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, c in enumerate(classes)
        },
        "labels": classes,
        "confusion_matrix": conf.tolist(),
    }


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top probability: the row-weighted gap between the mean probability
    shown and the share of right answers, in ``bins`` equal-width bins (Guo et al. 2017)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            gap += m.mean() * abs(float(confidence[m].mean()) - float(correct[m].mean()))
    return float(gap)


def format_report(rep: dict[str, Any]) -> str:
    lines = [f"{rep['folds']}-fold stratified CV (seed {rep['seed']}) on {rep['rows']} rows"]
    if rep.get("extras"):
        lines.append(f"extra data: {rep['extras']}")
    for pf in rep["per_fold"]:
        lines.append(
            f"  fold {pf['fold']}: macro-F1 {pf['macro_f1']:.4f}  acc {pf['accuracy']:.4f}  "
            f"extras used {pf['extra_rows_used']} (dropped {pf['extra_rows_dropped_for_leak']})  "
            f"fit {pf['fit_seconds']}s  predict {pf['predict_per_second']}/s"
        )
    lines.append(
        f"macro-F1 mean {rep['macro_f1_mean']:.4f} ± {rep['macro_f1_std']:.4f} "
        f"(pooled {rep['macro_f1_pooled']:.4f}); accuracy {rep['accuracy']:.4f}"
    )
    if "calibration_error" in rep:
        lines.append(
            f"calibration: mean top probability {rep['mean_top_probability']:.3f} against accuracy "
            f"{rep['accuracy']:.3f}; expected calibration error {rep['calibration_error']:.3f}"
        )
    lines.append(f"{'class':<12} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}")
    for c, m in rep["per_class"].items():
        lines.append(f"{c:<12} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['support']:5d}")
    lines.append("confusion matrix (rows = true, cols = predicted): " + " ".join(rep["labels"]))
    for c, row in zip(rep["labels"], rep["confusion_matrix"], strict=True):
        lines.append(f"{c:<12} " + " ".join(f"{v:5d}" for v in row))
    return "\n".join(lines)
