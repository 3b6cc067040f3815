"""判重 quality on hotspot_messages.csv against hand-labelled pairs (ids + labels only; text is read from
shared/data).

    .venv/bin/python bench/nlp_dedup_quality.py          # report
    .venv/bin/python bench/nlp_dedup_quality.py --fit    # refit the 3 verifiers, then report

"Same matter" vs (related + different). Pair files in xinfang/nlp/evalsets/:
- ``dedup_pairs_hotspot.csv`` — the training pairs (325 sampled stratified by char-bigram TF-IDF cosine, 200
  drawn across the detector's score range and at random; see bench/README.md);
- ``dedup_pairs_hotspot_fresh.csv`` — 176 more training pairs, drawn on 2026-12-04 in four strata (``note``
  column; one of them pairs the candidate generation did not propose) and labelled blind; measured out of
  sample before they were added (bench/README.md);
- ``dedup_pairs_hotspot_check.csv`` — a check set drawn differently (see its ``note`` column and
  bench/README.md); never used for fitting or for choosing the threshold; ``…_check2.csv``, 119 more drawn the
  same way from the refitted detector (2026-12-04), neither.

Reports:
1. for the text-only verifier (the live look-up's) and the batch one (text + corpus neighbourhood): repeated
   5-fold cross-validation on the training pairs — weights refitted on 4/5 *and* the threshold chosen on an
   inner cross-validation of those 4/5 (P ≥ 0.90, highest recall), so no test pair influences its own
   decision; plus CV P/R at the shipped threshold;
2. the shipped detector end to end (candidate generation + score ≥ THRESHOLD) — in-sample for the training
   pairs (its weights were fitted on them), out-of-sample for both check files, with their strata;
3. candidate recall (how many "same" pairs the candidate generation proposes at all);
4. the live 登记 path (hashed statistics, stored profiles) on both check files, and what the form shows;
5. single-feature baselines (exact Jaccard, containment, MinHash estimate).
The class mix of the pair files is not the population's (they over-sample similar pairs), so precision here
is precision on hard cases, not the share of correct flags in production.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "tipdm2020c"
EVAL = ROOT / "xinfang" / "nlp" / "evalsets"
PAIRS = EVAL / "dedup_pairs_hotspot.csv"
FRESH = EVAL / "dedup_pairs_hotspot_fresh.csv"
TRAINING = (PAIRS, FRESH)  # fitted on together
CHECK = EVAL / "dedup_pairs_hotspot_check.csv"
CHECK2 = EVAL / "dedup_pairs_hotspot_check2.csv"  # drawn the same way after the 701-pair refit (2026-12-04)
VERIFIER = ROOT / "xinfang" / "nlp" / "dedup" / "verifier.json"  # text-only: the live look-up
VERIFIER_BATCH = ROOT / "xinfang" / "nlp" / "dedup" / "verifier_batch.json"  # + neighbourhood: first stage
VERIFIER_COLLECTIVE = ROOT / "xinfang" / "nlp" / "dedup" / "verifier_collective.json"  # + two_hop: the batch
TARGET_P = 0.90
C = 10.0  # inverse L2 strength: chosen by CV among 0.3–100 (3–30 were within noise of each other)
REPEATS = 5


#: XINFANG_DUPLICATE_NEAR_MARGIN's default: how far below the threshold the form still lists a candidate.
NEAR_MARGIN = 0.15


def _ts(s: str) -> float | None:
    try:
        return datetime.fromisoformat(s.strip()[:19]).timestamp()
    except ValueError:
        return None


def pr(pred: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    tp = int((pred & y).sum())
    return tp / max(int(pred.sum()), 1), tp / max(int(y.sum()), 1)


def _model():  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000))


def pick_threshold(prob: np.ndarray, y: np.ndarray, target: float = TARGET_P) -> float:
    """Highest recall with precision ≥ target: the lowest grid threshold whose precision reaches it."""
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        if pr(prob >= t, y)[0] >= target:
            return float(t)
    return 0.95


def oof(f: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    prob = np.zeros(len(y))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(f, y):
        prob[te] = _model().fit(f[tr], y[tr]).predict_proba(f[te])[:, 1]
    return prob


def nested_cv(f: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold decisions with the threshold chosen inside each training part; also the OOF scores."""
    from sklearn.model_selection import StratifiedKFold

    pred = np.zeros(len(y), dtype=bool)
    prob = np.zeros(len(y))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(f, y):
        t = pick_threshold(oof(f[tr], y[tr], 1000 + seed), y[tr])
        prob[te] = _model().fit(f[tr], y[tr]).predict_proba(f[te])[:, 1]
        pred[te] = prob[te] >= t
    return pred, prob


class Collective:
    """The second stage's feature (``two_hop``) for the labelled pairs, with the first stage fitted on some of
    them: first-stage probabilities for every edge of the candidate graph, out-of-fold for the fitting pairs
    themselves (a pair's own label must not vouch for the paths through it)."""

    def __init__(self, graph_ids: list[tuple[str, str]], graph_f: np.ndarray, pairs: list[dict[str, str]]):
        nodes: dict[str, int] = {}

        def node(doc_id: str) -> int:
            return nodes.setdefault(doc_id, len(nodes))

        self.edges = [(node(a), node(b)) for a, b in graph_ids]
        self.graph_f = graph_f
        where = {frozenset(e): k for k, e in enumerate(graph_ids)}
        self.edge_of = np.array([where.get(frozenset((p["id_a"], p["id_b"])), -1) for p in pairs])
        self.queries = [(node(p["id_a"]), node(p["id_b"])) for p in pairs]

    def features(self, f: np.ndarray, y: np.ndarray, fit_on: np.ndarray, seed: int = 7) -> np.ndarray:
        """``f`` and ``two_hop``; a pair no third text joins gets the mean ``two_hop`` of the fitting pairs
        that have a path (``self.no_path``, stored with the weights): no path is no evidence either way."""
        from xinfang.nlp.dedup.detector import two_hop

        prob = _model().fit(f[fit_on], y[fit_on]).predict_proba(self.graph_f)[:, 1]
        own = self.edge_of[fit_on]
        prob[own[own >= 0]] = oof(f[fit_on], y[fit_on], seed)[own >= 0]
        hop = two_hop(self.edges, prob, self.queries)
        self.no_path = float(hop[fit_on][hop[fit_on] > 0].mean())
        return np.hstack([f, np.where(hop > 0, hop, self.no_path)[:, None]])


def nested_cv_collective(coll: Collective, f: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """``nested_cv`` for the two stages: the first stage, too, is refitted on each training part."""
    from sklearn.model_selection import StratifiedKFold

    pred = np.zeros(len(y), dtype=bool)
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(f, y):
        g = coll.features(f, y, tr)
        t = pick_threshold(oof(g[tr], y[tr], 1000 + seed), y[tr])
        pred[te] = _model().fit(g[tr], y[tr]).predict_proba(g[te])[:, 1] >= t
    return pred


def load_pairs(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def describe(name: str, pairs: list[dict[str, str]]) -> None:
    labels = [p["label"] for p in pairs]
    print(
        f"{name}: {len(pairs)} labelled pairs: same {labels.count('same')}, "
        f"related {labels.count('related')}, different {labels.count('different')}"
    )


def report_cv(f: np.ndarray, y: np.ndarray, threshold: float) -> None:
    nps, nrs, fps, frs = [], [], [], []
    for seed in range(REPEATS):
        pred, prob = nested_cv(f, y, seed)
        p_, r_ = pr(pred, y)
        nps.append(p_)
        nrs.append(r_)
        p_, r_ = pr(prob >= threshold, y)
        fps.append(p_)
        frs.append(r_)
    print(
        f"  {REPEATS}× 5-fold CV, threshold chosen inside each training part (nested): "
        f"precision {np.mean(nps):.3f} recall {np.mean(nrs):.3f} "
        f"(recall range {min(nrs):.3f}–{max(nrs):.3f})"
    )
    print(
        f"  {REPEATS}× 5-fold CV at the operating threshold {threshold:.2f}: "
        f"precision {np.mean(fps):.3f} recall {np.mean(frs):.3f}"
    )


def fit(
    path: Path, names: tuple[str, ...], f: np.ndarray, y: np.ndarray, n_pairs: int, **extra: float
) -> None:
    """Fit the logistic verifier on all training pairs; the threshold from pooled out-of-fold scores."""
    probs = [oof(f, y, seed) for seed in range(REPEATS)]
    threshold = pick_threshold(np.concatenate(probs), np.tile(y, REPEATS))
    m = _model().fit(f, y)
    sc, lr = m.named_steps["standardscaler"], m.named_steps["logisticregression"]
    cv = [pr(p >= threshold, y) for p in probs]
    spec = {
        "kind": "dedup-verifier",
        "features": list(names),
        "mean": [round(float(v), 6) for v in sc.mean_],
        "scale": [round(float(v), 6) for v in sc.scale_],
        "coef": [round(float(v), 6) for v in lr.coef_[0]],
        "bias": round(float(lr.intercept_[0]), 6),
        "threshold": threshold,
        "fitted_on": f"{' + '.join(t.name for t in TRAINING)} ({n_pairs} pairs, {int(y.sum())} same)",
        "model": f"StandardScaler + LogisticRegression(C={C}), sklearn",
        "threshold_rule": f"lowest t with pooled out-of-fold precision ≥ {TARGET_P} ({REPEATS}× 5-fold)",
        "cv": {
            "precision": round(float(np.mean([c[0] for c in cv])), 3),
            "recall": round(float(np.mean([c[1] for c in cv])), 3),
        },
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **{k: round(v, 6) for k, v in extra.items()},
    }
    path.write_text(json.dumps(spec, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}: threshold {threshold:.2f}, CV at it {spec['cv']}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--fit",
        action="store_true",
        help="refit the verifiers (verifier_batch.json, verifier_collective.json, verifier.json)",
    )
    a = ap.parse_args()
    if not (DATA / "hotspot_messages.csv").exists():
        print(f"SKIP: real data not found at {DATA}")
        return 0
    from xinfang.nlp.dedup import detector as det_mod
    from xinfang.nlp.dedup import minhash
    from xinfang.nlp.dedup.detector import (
        BATCH_FEATURES,
        COLLECTIVE_FEATURES,
        FEATURES,
        Doc,
        DuplicateDetector,
    )

    with (DATA / "hotspot_messages.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    docs = [Doc(r["message_id"], r["title"], r["body"], _ts(r["time"]), r["user"]) for r in rows]
    parts = [(t.name, load_pairs(t)) for t in TRAINING]
    pairs = [p for _, ps in parts for p in ps]
    check = load_pairs(CHECK) if CHECK.exists() else []
    check2 = load_pairs(CHECK2) if CHECK2.exists() else []
    y = np.array([p["label"] == "same" for p in pairs])
    for name, ps in parts:
        describe(f"training pairs {name}", ps)
    describe("training pairs", pairs)
    if check:
        describe("check pairs", check)
    if check2:
        describe("check2 pairs", check2)

    det = DuplicateDetector(window_days=None)

    def features(ps: list[dict[str, str]]) -> np.ndarray:
        scored = det.score_pairs(docs, [(p["id_a"], p["id_b"]) for p in ps])
        return np.array([[s.features[k] for k in BATCH_FEATURES] for s in scored])

    f = features(pairs)
    assert BATCH_FEATURES[: len(FEATURES)] == FEATURES
    f_text = f[:, : len(FEATURES)]  # the text features lead the batch ones: scored once
    coll = Collective(*det.first_stage(docs), pairs)
    if a.fit:
        for path, names, ff in ((VERIFIER_BATCH, BATCH_FEATURES, f), (VERIFIER, FEATURES, f_text)):
            fit(path, names, ff, y, len(pairs))
        # The second stage on first-stage probabilities of the stage just fitted (out-of-fold for its pairs).
        g = coll.features(f, y, np.arange(len(y)))
        fit(VERIFIER_COLLECTIVE, COLLECTIVE_FEATURES, g, y, len(pairs), no_path_two_hop=coll.no_path)
        det_mod.default_verifier.cache_clear()
        det_mod.batch_verifier.cache_clear()
        det_mod.collective_verifier.cache_clear()
        det = DuplicateDetector(window_days=None)
    text_threshold = det_mod.default_verifier().threshold
    print(f"text-only verifier (the live 登记 look-up's; threshold {text_threshold:.2f}):")
    report_cv(f_text, y, text_threshold)
    print("first stage of the batch detector (text + neighbourhood):")
    report_cv(f, y, det.verifier.threshold)
    threshold = det.threshold
    print(f"batch detector (xinfang nlp duplicates; first stage + two_hop), threshold {threshold:.2f}:")
    cands = det.candidate_pairs(docs)
    proposed = np.array([tuple(sorted((p["id_a"], p["id_b"]))) in cands for p in pairs])
    nps, nrs, eps, ers = [], [], [], []
    for seed in range(REPEATS):
        pred = nested_cv_collective(coll, f, y, seed)
        p_, r_ = pr(pred, y)
        nps.append(p_)
        nrs.append(r_)
        p_, r_ = pr(pred & proposed, y)
        eps.append(p_)
        ers.append(r_)
    print(
        f"  {REPEATS}× 5-fold CV, both stages refitted and the threshold chosen inside each training part "
        f"(nested): precision {np.mean(nps):.3f} recall {np.mean(nrs):.3f} "
        f"(recall range {min(nrs):.3f}–{max(nrs):.3f})"
    )
    print(
        f"  the same, end to end (a pair the candidate generation does not propose is not flagged): "
        f"precision {np.mean(eps):.3f} recall {np.mean(ers):.3f} (recall range {min(ers):.3f}–{max(ers):.3f})"
    )

    found = det.find(docs, with_passages=False)
    flagged = {(p.id_a, p.id_b) for p in found} | {(p.id_b, p.id_a) for p in found}
    held_out = (("check", check), ("check2", check2))
    for name, ps, note in (
        ("training", pairs, "in-sample weights"),
        *((n, h, "out-of-sample") for n, h in held_out),
    ):
        if not ps:
            continue
        yy = np.array([p["label"] == "same" for p in ps])
        pred = np.array([(p["id_a"], p["id_b"]) in flagged for p in ps])
        p_, r_ = pr(pred, yy)
        cand = np.array([tuple(sorted((p["id_a"], p["id_b"]))) in cands for p in ps])
        print(
            f"detector end-to-end on {name} pairs @ {threshold:.2f} ({note}): precision {p_:.3f} "
            f"recall {r_:.3f}; candidate recall {cand[yy].mean():.3f} ({int(cand[yy].sum())}/{int(yy.sum())})"
        )
        if name != "training":
            sc = np.array([s.score for s in det.score_pairs(docs, [(p["id_a"], p["id_b"]) for p in ps])])
            p_, r_ = pr(sc >= threshold, yy)
            print(f"verifier alone on {name} pairs @ {threshold:.2f}: precision {p_:.3f} recall {r_:.3f}")
            # The strata sit on either side of the threshold (A flags, B just below): P/R over the whole
            # file is no population figure, the per-stratum counts are.
            for st in sorted({p["note"].split(":")[0] for p in ps}):
                m = np.array([p["note"].split(":")[0] == st for p in ps])
                print(
                    f"  stratum {st}: {int(m.sum())} pairs, {int((m & yy).sum())} same; flagged "
                    f"{int((m & yy & pred).sum())} same and {int((m & ~yy & pred).sum())} others"
                )
    print(f"({len(found)} pairs flagged among {len(docs)} messages; {len(cands)} candidate pairs scored)")
    for name, ps in held_out:
        if ps:
            live_check(docs, ps, text_threshold, name)

    sig = {d.id: minhash.signature(f"{d.title}\n{d.body}") for d in docs}
    est = np.array([minhash.estimate_jaccard(sig[p["id_a"]], sig[p["id_b"]]) for p in pairs])
    for name, col in (("exact Jaccard", f[:, 0]), ("containment", f[:, 1]), ("MinHash estimate", est)):
        best = max(
            ((t, *pr(col >= t, y)) for t in np.linspace(0.05, 0.95, 19)),
            key=lambda x: x[2] if x[1] >= TARGET_P else -1,
        )
        print(
            f"baseline {name}: best recall at precision ≥ 0.9: threshold {best[0]:.2f} → P {best[1]:.3f} "
            f"R {best[2]:.3f}"
        )
    return 0


def live_check(docs: list, check: list[dict[str, str]], threshold: float, name: str) -> None:  # type: ignore[type-arg]
    """The live 登记 path (xinfang.nlp.dedup.live: hashed statistics, stored profiles) on held-out pairs."""
    from xinfang.nlp.dedup import live, minhash

    rows = [(k + 1, int(d.time or 0), d.title, f"{d.title}\n{d.body}") for k, d in enumerate(docs)]
    index = live.build(rows)
    pos = {d.id: k for k, d in enumerate(docs)}
    scores, labels, conflicts = [], [], []
    for p in check:
        i, j = pos[p["id_a"]], pos[p["id_b"]]
        if (docs[i].time or 0) > (docs[j].time or 0):
            i, j = j, i  # as on the 登记 form: the earlier text is stored, the later one is looked up
        old, new = docs[i], docs[j]
        q = live.profile(index.stats, new.title, rows[j][3], keep_words=True)
        c = index.profile_of(i + 1)
        assert c is not None
        fq, fc = minhash.dedup_form(rows[j][3]), minhash.dedup_form(rows[i][3])
        days = abs(new.time - old.time) / 86400 if new.time is not None and old.time is not None else None
        vals, _ = live.pair_features(
            index.stats, fq, fc, minhash.dedup_form(new.title), minhash.dedup_form(old.title), q, c, days
        )
        scores.append(live.score(vals))
        labels.append(p["label"] == "same")
        conflicts.append(live.features_dict(vals)["object_conflict"] >= 1.0)
    sc, yy, cf = np.array(scores), np.array(labels), np.array(conflicts)
    p_, r_ = pr(sc >= threshold, yy)
    print(
        f"live 登记 path (hashed stats, stored profiles) on {name} pairs @ {threshold:.2f}: "
        f"precision {p_:.3f} recall {r_:.3f}"
    )
    # What moving flagged pairs whose texts name different places or bodies to "possibly related" would do
    # (the form shows such a conflict in the reason but does not demote: see xinfang/smart/duplicates.py).
    p_, r_ = pr((sc >= threshold) & ~cf, yy)
    print(
        f"  if object conflicts were demoted: precision {p_:.3f} recall {r_:.3f}; "
        f"{int(((sc >= threshold) & cf).sum())} flags would move to 'possibly related', "
        f"{int(((sc >= threshold) & cf & yy).sum())} of them the same matter"
    )
    # The 登记 form also lists candidates up to NEAR_MARGIN below the threshold as "possibly related".
    low = threshold - NEAR_MARGIN
    p_, r_ = pr(sc >= low, yy)
    print(
        f"shown to the registrar on {name} pairs (flag, or 'possibly related' ≥ {low:.2f}): "
        f"{int((sc >= low)[yy].sum())}/{int(yy.sum())} same pairs (recall {r_:.3f}), "
        f"{p_:.3f} of the shown pairs are the same matter"
    )


if __name__ == "__main__":
    raise SystemExit(main())
