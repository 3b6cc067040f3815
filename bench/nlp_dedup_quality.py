"""判重 quality on hotspot_messages.csv against the hand-labelled pairs in
xinfang/nlp/evalsets/dedup_pairs_hotspot.csv (ids + labels only; text is read from shared/data).

    .venv/bin/python bench/nlp_dedup_quality.py

Reports, for "same matter" vs (related + different):
1. the shipped detector end to end (candidate generation + score ≥ THRESHOLD) — in-sample, because its five
   weights were fitted on these pairs;
2. 5-fold cross-validated P/R of the same logistic model (weights refitted on 4/5 of the pairs each time);
3. single-feature baselines (exact Jaccard, containment, MinHash estimate) for comparison.
Pairs were sampled stratified by char-bigram TF-IDF cosine, so the class mix is not the population's.
"""

from __future__ import annotations

import csv
import math
import sys
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "tipdm2020c"
PAIRS = ROOT / "xinfang" / "nlp" / "evalsets" / "dedup_pairs_hotspot.csv"


def _ts(s: str) -> float | None:
    try:
        return datetime.fromisoformat(s.strip()[:19]).timestamp()
    except ValueError:
        return None


def pr(pred: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    tp = int((pred & y).sum())
    return tp / max(int(pred.sum()), 1), tp / max(int(y.sum()), 1)


def main() -> int:
    if not (DATA / "hotspot_messages.csv").exists():
        print(f"SKIP: real data not found at {DATA}")
        return 0
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from xinfang.nlp.dedup import minhash
    from xinfang.nlp.dedup.detector import THRESHOLD, Doc, DuplicateDetector

    with (DATA / "hotspot_messages.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    docs = [Doc(r["message_id"], r["title"], r["body"], _ts(r["time"]), r["user"]) for r in rows]
    with PAIRS.open(encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    y = np.array([p["label"] == "same" for p in pairs])
    print(
        f"{len(pairs)} labelled pairs: same {y.sum()}, "
        f"related {sum(p['label'] == 'related' for p in pairs)}, "
        f"different {sum(p['label'] == 'different' for p in pairs)}"
    )

    det = DuplicateDetector(window_days=None)
    found = det.find(docs, with_passages=False)
    fs = {(p.id_a, p.id_b) for p in found} | {(p.id_b, p.id_a) for p in found}
    pred = np.array([(p["id_a"], p["id_b"]) in fs for p in pairs])
    p_, r_ = pr(pred, y)
    print(
        f"detector end-to-end @ {THRESHOLD} (in-sample weights): precision {p_:.3f} recall {r_:.3f} "
        f"({len(found)} pairs flagged among {len(docs)} messages)"
    )

    scored = det.score_pairs(docs, [(p["id_a"], p["id_b"]) for p in pairs])
    f = np.array(
        [
            [
                s.features["jaccard"],
                s.features["containment"],
                s.features["cosine"],
                s.features["title_cosine"],
                math.log1p(s.features["days"]),
            ]
            for s in scored
        ]
    )
    skf = StratifiedKFold(5, shuffle=True, random_state=0)
    prob = np.zeros(len(y))
    for tr, te in skf.split(f, y):
        prob[te] = LogisticRegression(max_iter=1000).fit(f[tr], y[tr]).predict_proba(f[te])[:, 1]
    for t in (0.5, 0.6, THRESHOLD, 0.7):
        p_, r_ = pr(prob >= t, y)
        print(f"5-fold CV score ≥ {t:.2f}: precision {p_:.3f} recall {r_:.3f}")
    sig = {d.id: minhash.signature(f"{d.title}\n{d.body}") for d in docs}
    est = np.array([minhash.estimate_jaccard(sig[p["id_a"]], sig[p["id_b"]]) for p in pairs])
    for name, col in (("exact Jaccard", f[:, 0]), ("containment", f[:, 1]), ("MinHash estimate", est)):
        best = max(
            ((t, *pr(col >= t, y)) for t in np.linspace(0.05, 0.95, 19)),
            key=lambda x: x[2] if x[1] >= 0.9 else -1,
        )
        print(
            f"baseline {name}: best recall at precision ≥ 0.9: threshold {best[0]:.2f} → P {best[1]:.3f} "
            f"R {best[2]:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
