"""Live 判重: the batch detector's verifier for one text against 10⁶ indexed contacts, within milliseconds.

The batch detector (:mod:`detector`) fits idf on the batch and segments every text with jieba (≈ 3 ms each).
A live look-up cannot do either per request, so the deployment's statistics are fitted once, offline
(``xinfang smart_train``), and each contact is reduced to a fixed-size *term profile* when it is indexed:

- :class:`CorpusStats` — document frequencies of char 2–3-grams and of jieba words, counted in hashed buckets
  (2²¹ each, 16 MiB in all, independent of the number of contacts; a collision only lowers one term's idf);
- :class:`Profile` — a text's ``PROFILE_WORDS`` heaviest words (crc32 keys, tf·idf weights), which of them are
  object words (:func:`terms.is_object_word`), its title words, and the L2 norm / idf mass of *all* its words,
  so cosine and containment keep the batch denominators;
- :class:`TermIndex` — profiles in flat arrays plus postings of each contact's ``POSTING_WORDS`` rarest words:
  the live form of the batch detector's word-neighbour candidates (same named 小区/company in other words).

:func:`pair_features` computes the verifier's features from two texts, their profiles and the stats;
exact shingle overlap needs the texts themselves (read from the database for the few candidates).
Everything is an approximation of the batch features (hashed df, truncated word lists); how close is measured
by ``bench/nlp_dedup_quality.py`` (``live`` line) and its cost by ``bench/nlp_dedup_scale.py``.
"""

from __future__ import annotations

import math
import os
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .. import persist
from ..errors import IndexStateError, ModelLoadError
from ..vectorize import ngram_keys
from . import minhash, terms, verify
from .detector import FEATURES, UNKNOWN_DAYS, Verifier, default_verifier

STATS_KIND = "dedup-terms"
HASH_BITS = 21
PROFILE_WORDS = 96
TITLE_WORDS = 8
POSTING_WORDS = 8
#: Stored word counts are capped at 127: the stored byte's high bit marks an object word (no extra bytes).
MAX_COUNT = 127
OBJECT_BIT = 128
#: Version of the stored profile layout (files of another version are refused: retrain with smart_train).
#: 3: the words include names rejoined before a one-char suffix (``terms.suffixed_names``); 4: and names that
#: start with a number (``terms.numbered_names``).
PROFILE_FORMAT = 4
_MASK = (1 << HASH_BITS) - 1
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def word_key(word: str) -> int:
    """Stable 32-bit key of a word (Python's ``hash`` is salted per process; files outlive processes)."""
    return zlib.crc32(word.encode("utf-8")) or 1  # 0 marks an empty profile slot


def _char_buckets(keys: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return ((keys.astype(np.uint64) * _GOLD) >> np.uint64(64 - HASH_BITS)).astype(np.int64)


def char_grams(form: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashed char 2–3-gram buckets of a dedup form with their counts (the batch detector's char TF-IDF)."""
    keys, _docs = ngram_keys([form], (2, 3))
    return np.unique(_char_buckets(keys), return_counts=True)


@dataclass
class CorpusStats:
    n: int = 0
    char_df: np.ndarray = field(default_factory=lambda: np.zeros(1 << HASH_BITS, dtype=np.uint32))
    word_df: np.ndarray = field(default_factory=lambda: np.zeros(1 << HASH_BITS, dtype=np.uint32))

    def add(self, form: str, words: Iterable[str]) -> None:
        buckets, _c = char_grams(form)
        self.char_df[buckets] += 1
        wb = np.unique(np.fromiter((word_key(w) & _MASK for w in set(words)), dtype=np.int64))
        self.word_df[wb] += 1
        self.n += 1

    @property
    def max_idf(self) -> float:
        return math.log(1 + self.n) + 1

    @property
    def rare_df(self) -> int:
        return max(2, int(terms.RARE_SHARE * self.n))

    def word_dfs(self, keys: np.ndarray) -> np.ndarray:
        return self.word_df[np.asarray(keys, dtype=np.int64) & _MASK].astype(np.float64)

    def word_idf(self, keys: np.ndarray) -> np.ndarray:
        return np.log((1 + self.n) / (1 + self.word_dfs(keys))) + 1

    def char_vector(self, form: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted buckets and L2-normalised sublinear tf·idf weights (unseen grams count as df 1, as in a
        batch that contains the text)."""
        buckets, counts = char_grams(form)
        if not len(buckets):
            return buckets, np.zeros(0)
        df = np.maximum(self.char_df[buckets].astype(np.float64), 1)
        w = (1 + np.log(counts)) * (np.log((1 + self.n) / (1 + df)) + 1)
        return buckets, w / np.linalg.norm(w)


def cosine(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    _s, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return float(np.dot(a[1][ia], b[1][ib]))


@dataclass(frozen=True, slots=True)
class Profile:
    keys: np.ndarray  # uint32, sorted; the PROFILE_WORDS heaviest words
    counts: np.ndarray  # uint8 term counts of those keys (capped at MAX_COUNT)
    norm: float  # over all words
    mass: float  # idf mass of all distinct words
    title: np.ndarray  # uint32, sorted; up to TITLE_WORDS title words
    title_mass: float
    objects: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # parallel to keys
    words: dict[int, str] = field(default_factory=dict)  # key → word, kept only for the text being looked up
    # The text being looked up keeps *all* its words (sorted keys, counts): a shared word beyond a stored
    # profile's cut then still counts, as it does in the batch detector (containment was 0.05 low without).
    all_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    all_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def profile_words(
    stats: CorpusStats, title_words: Sequence[str], words: Sequence[str], *, keep_all: bool = False
) -> Profile:
    counts = Counter(word_key(w) for w in words)  # counted by key: a crc32 collision merges two words
    object_keys = {word_key(w) for w in set(words) if terms.is_object_word(w)}
    if counts:
        keys = np.fromiter(counts, dtype=np.uint32, count=len(counts))
        idf = stats.word_idf(keys)
        w = (1 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf
        top = np.argsort(-w, kind="stable")[:PROFILE_WORDS]
        top = top[np.argsort(keys[top])]
        c = np.minimum(np.fromiter(counts.values(), dtype=np.int64, count=len(counts))[top], MAX_COUNT)
        k, ct, norm, mass = keys[top], c.astype(np.uint8), float(np.linalg.norm(w)), float(idf.sum())
        objects = np.fromiter((int(x) in object_keys for x in k), dtype=bool, count=len(k))
    else:
        k, ct, norm, mass = np.zeros(0, np.uint32), np.zeros(0, np.uint8), 0.0, 0.0
        objects = np.zeros(0, dtype=bool)
    tkeys = np.unique(np.fromiter((word_key(w) for w in title_words), dtype=np.uint32))
    tidf = stats.word_idf(tkeys)
    if len(tkeys) > TITLE_WORDS:
        top = np.argsort(-tidf, kind="stable")[:TITLE_WORDS]
        tkeys, tidf = tkeys[np.sort(top)], tidf[np.sort(top)]
    p = Profile(k, ct, norm, mass, tkeys, float(tidf.sum()), objects)
    if keep_all and counts:
        order = np.argsort(keys)
        counts_all = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        p = replace(p, all_keys=keys[order], all_counts=counts_all[order])
    return p


def profile(stats: CorpusStats, title: str, text: str, *, keep_words: bool = False) -> Profile:
    """``text`` is title + body, as the batch detector segments it; ``keep_words`` (for the text being looked
    up) maps keys back to words — the reason names the shared words — and keeps all its words, not only the
    stored profile's ``PROFILE_WORDS``."""
    ws = terms.words(text)
    p = profile_words(stats, terms.words(title) if title else [], ws, keep_all=keep_words)
    if keep_words:
        p.words.update((word_key(w), w) for w in ws)
    return p


@dataclass(frozen=True, slots=True)
class LiveScore:
    score: float
    features: dict[str, float]
    shared_terms: list[str]


def pair_features(
    stats: CorpusStats,
    q_form: str,
    c_form: str,
    q_title_form: str,
    c_title_form: str,
    q: Profile,
    c: Profile,
    days: float | None,
    *,
    q_char: tuple[np.ndarray, np.ndarray] | None = None,
    q_title_char: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[tuple[float, ...], list[int]]:
    """The verifier features (``detector.FEATURES`` order) and the shared word keys, rarest first."""
    jac, cont = verify.set_overlap(minhash.shingle_keys(q_form), minhash.shingle_keys(c_form))
    cos = cosine(q_char or stats.char_vector(q_form), stats.char_vector(c_form))
    tcos = cosine(
        q_title_char or stats.char_vector(q_title_form or q_form[:30]),
        stats.char_vector(c_title_form or c_form[:30]),
    )
    d = UNKNOWN_DAYS if days is None else days
    q_keys, q_counts = (q.all_keys, q.all_counts) if len(q.all_keys) else (q.keys, q.counts)
    shared, iq, ic = np.intersect1d(q_keys, c.keys, assume_unique=True, return_indices=True)
    sidf = stats.word_idf(shared)
    ish = float(sidf.sum())
    wq = (1 + np.log(q_counts[iq].astype(np.float64))) * sidf
    wc = (1 + np.log(c.counts[ic].astype(np.float64))) * sidf
    tcos_w = float(np.dot(wq, wc)) / (q.norm * c.norm) if q.norm and c.norm else 0.0
    small = min(q.mass, c.mass)
    union = q.mass + c.mass - ish
    top = np.sort(sidf)[::-1][:3]
    sdf = stats.word_dfs(shared)
    rare = min(int((sdf <= stats.rare_df).sum()), 10) / 10
    tshared = np.intersect1d(q.title, c.title, assume_unique=True)
    tsmall = min(q.title_mass, c.title_mass)
    title = float(stats.word_idf(tshared).sum()) / tsmall if len(q.title) and len(c.title) and tsmall else 0.0
    qo, co = q.keys[q.objects], c.keys[c.objects]
    o_share, o_conflict = terms.object_overlap(
        float(stats.word_idf(qo).sum()),
        float(stats.word_idf(co).sum()),
        float(stats.word_idf(np.intersect1d(qo, co, assume_unique=True)).sum()),
        bool(len(qo)),
        bool(len(co)),
    )
    vals = (
        jac,
        cont,
        cos,
        tcos,
        math.log1p(d),
        min(tcos_w, 1.0),
        min(ish / small, 1.0) if small > 0 else 0.0,
        ish / union if union > 0 else 0.0,
        float(top.sum()) / 3 / stats.max_idf,
        rare,
        min(title, 1.0),
        o_share,
        o_conflict,
    )
    order = np.lexsort((shared, sdf))
    return vals, [int(x) for x in shared[order]]


def shared_objects(stats: CorpusStats, q: Profile, c: Profile) -> list[int]:
    """Keys of the object words (:func:`terms.is_object_word`) both profiles hold, rarest first."""
    if not len(q.objects) or not len(c.objects):
        return []
    shared = np.intersect1d(q.keys[q.objects], c.keys[c.objects], assume_unique=True)
    df = stats.word_dfs(shared)
    keep = df <= max(2, int(terms.NAMED_SHARE * stats.n))  # names, not kinds (see terms.shared_objects)
    return [int(k) for k in shared[keep][np.argsort(df[keep], kind="stable")]]


def score(vals: Sequence[float], verifier: Verifier | None = None) -> float:
    return (verifier or default_verifier()).probability(vals)


def features_dict(vals: Sequence[float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in zip(FEATURES, vals, strict=True)}


class TermIndex:
    """Profiles of indexed contacts (ids added in increasing order) and postings of their rarest words.

    Profiles are variable-length (CSR: one offset per contact, 4-byte key + 1-byte count per word, at most
    ``PROFILE_WORDS``), so a short contact costs little: about 5 B × distinct words + 80 B (offset, id,
    time, title words, norm/mass) + postings ``POSTING_WORDS`` × 8 B. ``nbytes()`` reports the real figure.
    New postings go to an unsorted delta, merged into the sorted arrays at ``merge_at`` contacts.
    """

    def __init__(self, stats: CorpusStats, *, merge_at: int = 20_000, max_posting: int = 2000) -> None:
        self.stats = stats
        self.merge_at = merge_at
        # A word every tenth contact shares says little; reading only its newest rows bounds lookup time.
        self.max_posting = max_posting
        self.last_id = 0
        self._n = 0
        self._nw = 0
        cap = 1024
        self.ids = np.zeros(cap, dtype=np.int64)
        self.times = np.zeros(cap, dtype=np.int64)
        self.indptr = np.zeros(cap + 1, dtype=np.int64)
        self.title = np.zeros((cap, TITLE_WORDS), dtype=np.uint32)
        self.scalars = np.zeros((cap, 3), dtype=np.float32)  # norm, mass, title mass
        self.words = np.zeros(cap * 16, dtype=np.uint32)
        self.counts = np.zeros(cap * 16, dtype=np.uint8)
        self._post_keys = np.zeros(0, dtype=np.uint32)
        self._post_rows = np.zeros(0, dtype=np.int32)
        self._delta_keys: list[np.ndarray] = []
        self._delta_rows: list[np.ndarray] = []

    def __len__(self) -> int:
        return self._n

    @staticmethod
    def _grown(arr: np.ndarray, used: int, need: int) -> np.ndarray:
        if need <= len(arr):
            return arr
        out = np.zeros((max(need, len(arr) * 2), *arr.shape[1:]), dtype=arr.dtype)
        out[:used] = arr[:used]
        return out

    def add(self, contact_id: int, time: int, p: Profile) -> None:
        if contact_id <= self.last_id:
            raise IndexStateError("term index ids must be added in increasing order")
        r, k = self._n, len(p.keys)
        for name in ("ids", "times", "title", "scalars"):
            setattr(self, name, self._grown(getattr(self, name), r, r + 1))
        self.indptr = self._grown(self.indptr, r + 1, r + 2)
        self.words = self._grown(self.words, self._nw, self._nw + k)
        self.counts = self._grown(self.counts, self._nw, self._nw + k)
        self.ids[r], self.times[r] = contact_id, time
        self.words[self._nw : self._nw + k] = p.keys
        flags = p.objects.astype(np.uint8) * OBJECT_BIT if len(p.objects) == k else 0
        self.counts[self._nw : self._nw + k] = np.minimum(p.counts, MAX_COUNT) | flags
        self._nw += k
        self.indptr[r + 1] = self._nw
        self.title[r] = 0
        self.title[r, : len(p.title)] = p.title
        self.scalars[r] = (p.norm, p.mass, p.title_mass)
        if k:
            rarest = p.keys[np.argsort(self.stats.word_dfs(p.keys), kind="stable")[:POSTING_WORDS]]
            self._delta_keys.append(rarest.astype(np.uint32))
            self._delta_rows.append(np.full(len(rarest), r, dtype=np.int32))
        self._n += 1
        self.last_id = contact_id
        if len(self._delta_keys) >= self.merge_at:
            self.merge()

    def merge(self) -> None:
        if not self._delta_keys:
            return
        keys = np.concatenate([self._post_keys, *self._delta_keys])
        rows = np.concatenate([self._post_rows, *self._delta_rows])
        order = np.lexsort((rows, keys))  # by key, then row (newest last within a key)
        self._post_keys, self._post_rows = keys[order], rows[order]
        self._delta_keys, self._delta_rows = [], []

    def profile_of(self, contact_id: int) -> Profile | None:
        r = int(np.searchsorted(self.ids[: self._n], contact_id))
        if r >= self._n or self.ids[r] != contact_id:
            return None
        a, b = int(self.indptr[r]), int(self.indptr[r + 1])
        t = self.title[r]
        norm, mass, tmass = (float(x) for x in self.scalars[r])
        stored = self.counts[a:b]
        return Profile(
            self.words[a:b], stored & MAX_COUNT, norm, mass, t[t != 0], tmass, (stored & OBJECT_BIT) != 0
        )

    def neighbours(
        self, p: Profile, *, time: int | None = None, window_days: float | None = None, limit: int = 20
    ) -> list[int]:
        """Contact ids sharing the query's rare words, ranked by the idf mass they share (best first)."""
        if not len(p.keys):
            return []
        parts: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        idf = self.stats.word_idf(p.keys)
        lo = np.searchsorted(self._post_keys, p.keys, "left")
        hi = np.searchsorted(self._post_keys, p.keys, "right")
        for k, (a, b) in enumerate(zip(lo.tolist(), hi.tolist(), strict=True)):
            if b > a:
                rows = self._post_rows[max(a, b - self.max_posting) : b]
                parts.append(rows)
                weights.append(np.full(len(rows), idf[k]))
        if self._delta_keys:
            dk, dr = np.concatenate(self._delta_keys), np.concatenate(self._delta_rows)
            pos = np.searchsorted(p.keys, dk)
            pos[pos >= len(p.keys)] = 0
            hit = p.keys[pos] == dk
            parts.append(dr[hit])
            weights.append(idf[pos[hit]])
        if not parts:
            return []
        rows = np.concatenate(parts).astype(np.int64)
        w = np.concatenate(weights)
        if time is not None and window_days is not None:
            ok = np.abs(self.times[rows] - time) <= window_days * 86_400
            rows, w = rows[ok], w[ok]
        if not len(rows):
            return []
        uniq, inv = np.unique(rows, return_inverse=True)
        total = np.bincount(inv, weights=w)
        order = np.argsort(-total, kind="stable")[:limit]
        return [int(self.ids[r]) for r in uniq[order]]

    def _arrays(self) -> dict[str, np.ndarray]:
        n, nw = self._n, self._nw
        return {
            "ids": self.ids[:n],
            "times": self.times[:n],
            "indptr": self.indptr[: n + 1],
            "title": self.title[:n],
            "scalars": self.scalars[:n],
            "words": self.words[:nw],
            "counts": self.counts[:nw],
        }

    def nbytes(self) -> int:
        """Bytes per contact that grow with the index (the fixed 16 MiB of stats not included)."""
        parts: list[Any] = [*self._arrays().values(), self._post_keys, self._post_rows]
        parts += [*self._delta_keys, *self._delta_rows]
        return int(sum(a.nbytes for a in parts))

    # ------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike[str], *, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        """Checksummed file (:mod:`persist`) holding the stats and the profiles up to ``last_id``."""
        self.merge()
        state = {
            "n": self.stats.n,
            "char_df": self.stats.char_df,
            "word_df": self.stats.word_df,
            "last_id": self.last_id,
            "arrays": self._arrays(),
            "post_keys": self._post_keys,
            "post_rows": self._post_rows,
        }
        info = {"contacts": self._n, "documents": self.stats.n, "hash_bits": HASH_BITS, **(meta or {})}
        info["profile_words"] = PROFILE_WORDS
        info["profile_format"] = PROFILE_FORMAT
        return persist.save(state, path, kind=STATS_KIND, meta=info)

    @staticmethod
    def _header_current(header: dict[str, Any]) -> bool:
        return (
            header.get("hash_bits") == HASH_BITS
            and header.get("profile_words") == PROFILE_WORDS
            and header.get("profile_format") == PROFILE_FORMAT
        )

    @classmethod
    def is_current(cls, path: str | os.PathLike[str]) -> bool:
        """Whether the file exists and this version can load it (reads the header only)."""
        try:
            return cls._header_current(persist.read_header(path))
        except ModelLoadError:
            return False

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TermIndex:
        state, header = persist.load(path, kind=STATS_KIND)
        if not cls._header_current(header):
            raise ModelLoadError(f"{path}: 判重 statistics were built with other parameters; retrain them")
        try:
            idx = cls(CorpusStats(int(state["n"]), state["char_df"], state["word_df"]))
            for name, arr in state["arrays"].items():
                setattr(idx, name, np.array(arr))
            idx._n, idx._nw = len(idx.ids), len(idx.words)
            idx.last_id = int(state["last_id"])
            idx._post_keys, idx._post_rows = state["post_keys"], state["post_rows"]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelLoadError(f"{path}: 判重 statistics are incomplete ({exc})") from exc
        return idx


def build(rows: Iterable[tuple[int, int, str, str]], *, stats_rows: int | None = None) -> TermIndex:
    """Stats and profiles from ``(id, epoch seconds, title, full text)`` rows in increasing id order.

    The stats come from the last ``stats_rows`` rows (all by default): idf estimated on a recent sample ranks
    rare words as well, and bounds the memory of keeping word lists between the two passes.
    """
    data = list(rows)
    stats = CorpusStats()
    first = 0 if stats_rows is None else max(0, len(data) - stats_rows)
    cut: dict[int, tuple[list[str], list[str]]] = {}
    for cid, _t, title, text in data[first:]:
        ws = terms.words(text)
        cut[cid] = (terms.words(title) if title else [], ws)
        stats.add(minhash.dedup_form(text), ws)
    idx = TermIndex(stats)
    for cid, t, title, text in data:
        got = cut.pop(cid, None)
        idx.add(cid, t, profile_words(stats, *got) if got else profile(stats, title, text))
    idx.merge()
    return idx
