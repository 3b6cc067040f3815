"""Batch "same matter" detection: candidates from char and word TF-IDF neighbours and MinHash LSH, one
calibrated score.

Re-posts are easy (high shingle overlap); the hard cases are different people describing the same matter in
their own words (a campaign about one 小区's 搅拌站). Exact-overlap measures alone reached only ~0.3 recall at
0.9 precision on the labelled hotspot pairs; idf-weighted char 2–3-gram cosine of body and title carries the
named place/object, and the rare jieba words both texts use (:mod:`terms`) carry it better still; the
object words they share or do not share (a named 小区, company, road: :func:`terms.is_object_word`) settle
campaigns. Over a whole batch, the corpus itself is evidence too: two posts of one campaign share their
nearest neighbours (``neighbour_share``) and are often each other's (``neighbour_mutual``) even when they
share few words. The score is a logistic model over these fifteen features (standardised), stored in
``verifier_batch.json`` with its operating threshold; the live look-up, which has no neighbourhood, uses the
thirteen text features (``verifier.json``). Both are fitted by ``bench/nlp_dedup_quality.py --fit``, which
chooses each threshold on cross-validated scores (not in-sample) and records the figures next to the weights.
Besides the neighbours' pairs, two texts that the first stage flags with one same third text are scored too
(:func:`closure_pairs`): in a campaign bigger than the neighbour lists they are often nobody's neighbour.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import ModelLoadError
from ..vectorize import CharTfidf
from . import minhash, terms, verify
from .index import MinHashIndex

#: Feature order of the verifier (``verifier.json`` must list the same names).
FEATURES = (
    "jaccard",
    "containment",
    "cosine",
    "title_cosine",
    "log_days",
    "term_cosine",
    "term_containment",
    "term_jaccard",
    "term_top",
    "term_rare",
    "term_title",
    "object_share",
    "object_conflict",
)
#: The batch detector also sees the whole corpus: a campaign's posts share their nearest neighbours even when
#: two of them, worded differently, share few words (collective evidence, as in entity resolution). The live
#: look-up has no such neighbourhood for the texts it compares, so it keeps the text-only verifier.
BATCH_FEATURES = (*FEATURES, "neighbour_share", "neighbour_mutual")
#: A second, collective stage (batch only): two posts of one campaign are often each strongly linked to a
#: third post while sharing little with each other. ``two_hop`` is the strongest such path i–k–j through the
#: candidate graph, max over k of p(i, k)·p(k, j) with p the first stage's (``BATCH_FEATURES``) probability —
#: one round of collective classification, as in entity resolution. The operating score and threshold are
#: this stage's (``verifier_collective.json``).
COLLECTIVE_FEATURES = (*BATCH_FEATURES, "two_hop")
#: Days assumed when a message has no time: a year is "long ago" without inventing a coincidence.
UNKNOWN_DAYS = 365.0


@dataclass(frozen=True, slots=True)
class Verifier:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    bias: float
    threshold: float
    meta: dict[str, Any]

    def probability(self, x: Sequence[float]) -> float:
        z = float(np.dot(self.coef, (np.asarray(x, dtype=float) - self.mean) / self.scale) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def verifier_from_dict(d: dict[str, Any], features: tuple[str, ...] = FEATURES) -> Verifier:
    if tuple(d.get("features", ())) != features:
        raise ModelLoadError(f"verifier features {d.get('features')} differ from {features}")
    return Verifier(
        np.asarray(d["mean"], dtype=float),
        np.asarray(d["scale"], dtype=float),
        np.asarray(d["coef"], dtype=float),
        float(d["bias"]),
        float(d["threshold"]),
        {k: v for k, v in d.items() if k not in {"mean", "scale", "coef", "bias", "threshold", "features"}},
    )


@lru_cache(maxsize=1)
def default_verifier() -> Verifier:
    """The text-only verifier (``FEATURES``): the live 登记 look-up."""
    text = resources.files(__package__).joinpath("verifier.json").read_text(encoding="utf-8")
    return verifier_from_dict(json.loads(text))


@lru_cache(maxsize=1)
def batch_verifier() -> Verifier:
    """The batch verifier (``BATCH_FEATURES``: text + corpus neighbourhood): :class:`DuplicateDetector`."""
    text = resources.files(__package__).joinpath("verifier_batch.json").read_text(encoding="utf-8")
    return verifier_from_dict(json.loads(text), BATCH_FEATURES)


@lru_cache(maxsize=1)
def collective_verifier() -> Verifier:
    """The second stage (``COLLECTIVE_FEATURES``): the batch detector's operating score and threshold."""
    text = resources.files(__package__).joinpath("verifier_collective.json").read_text(encoding="utf-8")
    return verifier_from_dict(json.loads(text), COLLECTIVE_FEATURES)


#: Operating threshold of the batch detector (``xinfang nlp duplicates``), chosen on cross-validated scores
#: (see ``verifier_collective.json`` → ``cv``). The live look-up's is ``default_verifier().threshold``.
THRESHOLD = collective_verifier().threshold


def two_hop(
    edges: Sequence[tuple[int, int]], prob: Sequence[float], queries: Sequence[tuple[int, int]]
) -> np.ndarray:
    """For each query pair (i, j): max over texts k joined to both by an edge of p(i, k)·p(k, j); 0 when
    there is none. ``edges`` are the candidate pairs, ``prob`` their first-stage probabilities."""
    nb: dict[int, dict[int, float]] = {}
    for (i, j), p in zip(edges, prob, strict=True):
        nb.setdefault(i, {})[j] = float(p)
        nb.setdefault(j, {})[i] = float(p)
    out = np.zeros(len(queries))
    for q, (i, j) in enumerate(queries):
        a, b = nb.get(i), nb.get(j)
        if not a or not b:
            continue
        if len(a) > len(b):
            a, b = b, a
        out[q] = max((p * b[k] for k, p in a.items() if k in b and k not in (i, j)), default=0.0)
    return out


@dataclass(frozen=True, slots=True)
class Doc:
    id: str
    title: str = ""
    body: str = ""
    time: float | None = None  # epoch seconds
    user: str | None = None  # opaque petitioner key (hash), if known
    place: str | None = None


@dataclass(frozen=True, slots=True)
class PairScore:
    id_a: str
    id_b: str
    score: float
    features: dict[str, float]
    reasons: list[str] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Graph:
    edges: dict[tuple[int, int], PairScore]  # candidate pairs, first-stage scores: the paths of ``two_hop``
    closure: dict[tuple[int, int], PairScore]  # pairs joined only through a flagged third post

    def scored(self) -> dict[tuple[int, int], PairScore]:
        return self.edges | self.closure


def closure_pairs(
    strong: dict[tuple[int, int], float],
    known: dict[tuple[int, int], Any] | set[tuple[int, int]],
    per_text: int = 20,
) -> set[tuple[int, int]]:
    """Pairs (i, j), i < j, not in ``known`` whose texts are both among the ``per_text`` best-scoring
    ``strong`` edges (edge → score) of one text k.

    Candidates come from each text's nearest neighbours, and in a campaign of a hundred or more posts
    (the 伊景园滨河苑 parking spaces) a post's 50 nearest are all the same matter while many more are too:
    two posts told in different words (word cosine 0.15–0.2) are then nobody's neighbour. Of 176 pairs
    drawn and labelled after the detector was built, 16 "same" pairs were such, none proposed; through a
    third post both are flagged with, all 16 are, and the verifier flags 14 (bench/README.md). The cap keeps
    a mass campaign (thousands of copies, each flagged with all the others) to ``per_text``²/2 pairs a text
    instead of every pair of the campaign; on the hotspot file a text has at most 59 flagged edges and the cap
    of 20 still proposes 0.992 of those 176 pairs' "same" ones.
    """
    nb: dict[int, list[tuple[float, int]]] = {}
    for (i, j), score in strong.items():
        nb.setdefault(i, []).append((score, j))
        nb.setdefault(j, []).append((score, i))
    out: set[tuple[int, int]] = set()
    for around in nb.values():
        best = sorted(k for _, k in sorted(around, reverse=True)[:per_text])
        for a, i in enumerate(best):
            out.update((i, j) for j in best[a + 1 :] if (i, j) not in known)
    return out


@dataclass
class _Corpus:
    forms: list[str]
    x: sparse.csr_matrix  # char 2–3-gram TF-IDF of title + body
    xt: sparse.csr_matrix  # the same vocabulary on the title (or the text's first 30 chars)
    terms: terms.TermIndex
    # Each text's nearest by char TF-IDF (indices, similarities; most similar first), as many as the
    # candidate generation looks at; the neighbourhood features use the first ``neighbours`` of them.
    near_char: tuple[np.ndarray, np.ndarray]
    near_word: tuple[np.ndarray, np.ndarray]  # … by word TF-IDF
    near: list[frozenset[int]]  # the union of both's first ``neighbours``: the text's neighbourhood


def _nearest(x: sparse.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` most similar other rows (indices, cosines; most similar first): n × k arrays, in
    1,000-row blocks."""
    n = x.shape[0]
    k = max(0, min(k, n - 1))
    idx, sims = np.zeros((n, k), dtype=np.int64), np.zeros((n, k), dtype=np.float32)
    if not k:
        return idx, sims
    for s in range(0, n, 1000):
        sim = (x[s : s + 1000] @ x.T).toarray()
        sim[np.arange(sim.shape[0]), np.arange(s, s + sim.shape[0])] = -1.0  # not its own neighbour
        top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        top_sims = np.take_along_axis(sim, top, axis=1)
        order = np.argsort(-top_sims, axis=1, kind="stable")
        idx[s : s + len(top)] = np.take_along_axis(top, order, axis=1)
        sims[s : s + len(top)] = np.take_along_axis(top_sims, order, axis=1)
    return idx, sims


def _closed_share(a: frozenset[int], b: frozenset[int]) -> float:
    """Shared closed neighbourhoods (each text counted in its own): a repost pair in a tiny batch scores 1."""
    return len(a & b) / min(len(a), len(b))


def _pairs_above(near: tuple[np.ndarray, np.ndarray], min_sim: float) -> set[tuple[int, int]]:
    idx, sims = near
    rows, cols = np.nonzero(sims >= min_sim)
    a, b = rows, idx[rows, cols]
    return set(zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist(), strict=True))


class DuplicateDetector:
    def __init__(
        self,
        *,
        threshold: float | None = None,
        window_days: float | None = 365.0,
        neighbours: int = 20,
        candidate_neighbours: int = 50,
        closure_neighbours: int = 20,
        min_cosine: float = 0.2,
        min_term_cosine: float = 0.15,
        verifier: Verifier | None = None,
        collective: Verifier | None = None,
    ) -> None:
        self.verifier = verifier or batch_verifier()  # first stage
        self.collective = collective or collective_verifier()  # second stage: the operating score
        self.threshold = self.collective.threshold if threshold is None else threshold
        self.window_days = window_days
        self.neighbours = neighbours
        # Candidates come from more neighbours than the features: in a campaign of a hundred posts (丽发新城's
        # 搅拌站) a text's 20 nearest are all the same matter, and so are the next 30, which a cap of 20 never
        # proposed — 11 of the 321 "same" training pairs were never scored, 10 of them scoring above the
        # threshold when asked (bench/README.md, nlp_dedup_quality).
        self.candidate_neighbours = max(candidate_neighbours, neighbours)
        self.closure_neighbours = closure_neighbours  # per text, for closure_pairs
        self.min_cosine = min_cosine
        self.min_term_cosine = min_term_cosine
        self._memo: tuple[int, _Corpus] | None = None
        self._graph_memo: tuple[_Corpus, _Graph] | None = None

    def _corpus(self, docs: Sequence[Doc]) -> _Corpus:
        # Segmenting is the slow part (~3 ms/text); evaluation calls find/score_pairs on the same documents.
        key = hash(tuple((d.id, d.title, d.body) for d in docs))
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        corpus = self._build_corpus(docs)
        self._memo = (key, corpus)
        return corpus

    def _build_corpus(self, docs: Sequence[Doc]) -> _Corpus:
        forms = [minhash.dedup_form(f"{d.title}\n{d.body}") for d in docs]
        tforms = [minhash.dedup_form(d.title) or f[:30] for d, f in zip(docs, forms, strict=True)]
        vec = CharTfidf((2, 3), min_df=1).fit(forms)  # idf of this corpus: rare place names weigh most
        tw = [terms.words(d.title) for d in docs]
        bw = [terms.words(f"{d.title}\n{d.body}") for d in docs]
        x, ti = vec.transform(forms), terms.TermIndex(tw, bw)
        k, m = self.candidate_neighbours, self.neighbours
        near_char, near_word = _nearest(x, k), _nearest(ti.matrix, k)
        near = [
            frozenset(ic[:m][sc[:m] > 0].tolist()) | frozenset(iw[:m][sw[:m] > 0].tolist())
            for ic, sc, iw, sw in zip(*near_char, *near_word, strict=True)
        ]
        return _Corpus(forms, x, vec.transform(tforms), ti, near_char, near_word, near)

    def _candidates(self, c: _Corpus) -> set[tuple[int, int]]:
        n = len(c.forms)
        pairs = _pairs_above(c.near_char, self.min_cosine)
        # Word neighbours: the same named object told in different words (few shared char shingles).
        pairs |= _pairs_above(c.near_word, self.min_term_cosine)
        # LSH adds near-copies that the neighbour cap may have cut (mass reposts of one text).
        sigs = minhash.signatures(c.forms, forms=True)
        idx = MinHashIndex()
        idx.add(np.arange(n), sigs, np.zeros(n, dtype=np.int64))
        idx.merge()
        for i in range(n):
            for cand in idx.query(sigs[i], exclude_id=i, limit=50, min_estimate=0.3):
                pairs.add((min(i, cand.id), max(i, cand.id)))
        return pairs

    def _score(self, docs: Sequence[Doc], c: _Corpus, i: int, j: int) -> PairScore:
        a, b = docs[i], docs[j]
        jac, cont = verify.set_overlap(minhash.shingle_keys(c.forms[i]), minhash.shingle_keys(c.forms[j]))
        cos = float(c.x[i].multiply(c.x[j]).sum())
        tcos = float(c.xt[i].multiply(c.xt[j]).sum())
        days = abs(a.time - b.time) / 86400 if a.time is not None and b.time is not None else UNKNOWN_DAYS
        t = c.terms.features(i, j)
        vals = (
            jac,
            cont,
            cos,
            tcos,
            math.log1p(days),
            t.cosine,
            t.containment,
            t.jaccard,
            t.top_shared,
            t.rare_shared,
            t.title,
            t.object_share,
            t.object_conflict,
            _closed_share(c.near[i] | {i}, c.near[j] | {j}),
            (float(j in c.near[i]) + float(i in c.near[j])) / 2,
        )
        p = self.verifier.probability(vals)
        reasons = []
        if a.user and a.user == b.user:
            reasons.append("同一信访人")
        if jac >= 0.5:
            reasons.append(f"正文高度重合(Jaccard {jac:.2f})")
        elif cont >= 0.5:
            reasons.append(f"正文大段引用(包含度 {cont:.2f})")
        if cos >= 0.4:
            reasons.append(f"内容相似度 {cos:.2f}")
        if tcos >= 0.4:
            reasons.append(f"标题相似度 {tcos:.2f}")
        objects = c.terms.shared_objects(i, j)
        if objects:
            reasons.append(f"同一对象：{'、'.join(objects)}")
        shared = c.terms.shared_terms(i, j, 4)
        if shared and t.cosine >= 0.3:
            reasons.append(f"共同关键词：{'、'.join(shared)}")
        reasons.append(f"时间相隔 {days:.0f} 天")
        feats = dict(zip(BATCH_FEATURES, vals, strict=True))
        feats["days"] = days
        return PairScore(a.id, b.id, round(p, 4), {k: round(v, 4) for k, v in feats.items()}, reasons)

    def _in_scope(self, a: Doc, b: Doc) -> bool:
        """Within the time window and the same place (when both are known)."""
        days, ta, tb = self.window_days, a.time, b.time
        if days is not None and ta is not None and tb is not None and abs(ta - tb) > days * 86400:
            return False
        return not (a.place and b.place and a.place != b.place)

    def _graph(self, docs: Sequence[Doc], c: _Corpus) -> _Graph:
        """Every candidate pair in scope with its first-stage score (the edges of ``two_hop``), and the pairs
        that only a shared flagged neighbour proposes (:func:`closure_pairs`), scored the same way."""
        if self._graph_memo is not None and self._graph_memo[0] is c:
            return self._graph_memo[1]
        edges = {
            (i, j): self._score(docs, c, i, j)
            for i, j in sorted(self._candidates(c))
            if self._in_scope(docs[i], docs[j])
        }
        strong = {e: ps.score for e, ps in edges.items() if ps.score >= self.verifier.threshold}
        closure = {
            (i, j): self._score(docs, c, i, j)
            for i, j in closure_pairs(strong, edges, self.closure_neighbours)
            if self._in_scope(docs[i], docs[j])
        }
        graph = _Graph(edges, closure)
        self._graph_memo = (c, graph)
        return graph

    def _second_stage(
        self, graph: _Graph, first: list[PairScore], queries: list[tuple[int, int]]
    ) -> list[PairScore]:
        hops = two_hop(list(graph.edges), [ps.score for ps in graph.edges.values()], queries)
        # No third text joins them (a small batch, or no campaign): no evidence either way, so the feature
        # takes the value it has on average where a path exists — not 0, which the fit reads as evidence
        # against (a verbatim repost in a three-text batch scored under the threshold).
        no_path = float(self.collective.meta.get("no_path_two_hop", 0.0))
        out = []
        for ps, hop in zip(first, hops, strict=True):
            feats = {**ps.features, "two_hop": round(float(hop), 4)}
            x = [feats[k] for k in BATCH_FEATURES] + [float(hop) if hop > 0 else no_path]
            p = self.collective.probability(x)
            reasons = list(ps.reasons)
            if hop >= 0.5:
                reasons.insert(-1, f"经第三条信访关联（{hop:.2f}）")
            out.append(PairScore(ps.id_a, ps.id_b, round(p, 4), feats, reasons, ps.passages))
        return out

    def find(self, docs: Sequence[Doc], *, with_passages: bool = True) -> list[PairScore]:
        """All pairs scoring ≥ threshold, best first, with reasons and overlapping passages."""
        if len(docs) < 2:
            return []
        c = self._corpus(docs)
        graph = self._graph(docs, c)
        pairs = graph.scored()
        out = []
        scored = self._second_stage(graph, list(pairs.values()), list(pairs))
        for (i, j), ps in zip(pairs, scored, strict=True):
            if ps.score >= self.threshold:
                if with_passages:
                    ps = PairScore(
                        ps.id_a,
                        ps.id_b,
                        ps.score,
                        ps.features,
                        ps.reasons,
                        verify.passages(c.forms[i], c.forms[j]),
                    )
                out.append(ps)
        out.sort(key=lambda p: -p.score)
        return out

    def candidate_pairs(self, docs: Sequence[Doc]) -> set[tuple[str, str]]:
        """The pairs ``find`` scores (for evaluating candidate recall), as sorted id pairs: the candidates in
        scope and the closure pairs."""
        c = self._corpus(docs)
        pairs = self._graph(docs, c).scored()
        return {(min(docs[i].id, docs[j].id), max(docs[i].id, docs[j].id)) for i, j in pairs}

    def score_pairs(self, docs: Sequence[Doc], pairs: Sequence[tuple[str, str]]) -> list[PairScore]:
        """Score given id pairs (for evaluation), using this document set's idf."""
        c = self._corpus(docs)
        graph = self._graph(docs, c)
        pos = {d.id: k for k, d in enumerate(docs)}
        queries = [(min(pos[a], pos[b]), max(pos[a], pos[b])) for a, b in pairs]
        known = graph.scored()
        first = [known.get(q) or self._score(docs, c, *q) for q in queries]
        # In the order asked for (the graph holds each pair once, lower index first).
        first = [
            ps if (ps.id_a, ps.id_b) == (a, b) else PairScore(a, b, ps.score, ps.features, ps.reasons)
            for ps, (a, b) in zip(first, pairs, strict=True)
        ]
        return self._second_stage(graph, first, queries)

    def first_stage(self, docs: Sequence[Doc]) -> tuple[list[tuple[str, str]], np.ndarray]:
        """The candidate graph for fitting the second stage: its pairs (ids) and their ``BATCH_FEATURES``."""
        c = self._corpus(docs)
        edges = self._graph(docs, c).edges
        ids = [(docs[i].id, docs[j].id) for i, j in edges]
        return ids, np.array([[ps.features[k] for k in BATCH_FEATURES] for ps in edges.values()])
