"""Char n-gram TF-IDF in numpy.

scikit-learn's char analyzer builds every n-gram as a Python string (~0.3 ms for a 400-char message), which
alone used most of the 0.5 ms/message budget. Here each n-gram of up to 3 chars becomes one uint64 key
(codepoint+1 in 21-bit slots), a whole batch is processed with array operations, and keys map to columns
through an open-addressing hash table built from the sorted vocabulary (``_KeyTable``). Same maths as
``TfidfVectorizer(sublinear_tf=True, smooth_idf=True, norm="l2")``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

_BITS = 21
_MASK = (1 << _BITS) - 1
MAX_N = 3


def _codepoints(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated codepoints (+1, so 0 can mean "none") and each char's document id."""
    joined = "".join(texts)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + 1
    lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lens)
    return cps, doc


def ngram_keys(texts: Sequence[str], ngram: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """All n-gram keys of all texts with their document ids (n-grams never cross documents)."""
    lo, hi = ngram
    if not 1 <= lo <= hi <= MAX_N:
        raise ValueError(f"ngram range must be within 1..{MAX_N}")
    cps, doc = _codepoints(texts)
    keys, docs = [], []
    for n in range(lo, hi + 1):
        m = len(cps) - n + 1
        if m <= 0:
            continue
        k = cps[:m].copy()
        ok = np.ones(m, dtype=bool)
        for j in range(1, n):
            k |= cps[j : j + m] << np.uint64(_BITS * j)
            ok &= doc[j : j + m] == doc[:m]
        keys.append(k[ok])
        docs.append(doc[:m][ok])
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # Keys use at most 63 bits, so int64 is lossless; numpy's radix sort for int64 is several times
    # faster than its uint64 quicksort path.
    return np.concatenate(keys).astype(np.int64), np.concatenate(docs)


def _unique_counts(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(a, return_counts=True)`` via a stable (radix) sort — 4–5× faster for int64."""
    if len(a) == 0:
        return a, np.zeros(0, dtype=np.int64)
    s = np.sort(a, kind="stable")
    start = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    counts = np.diff(np.r_[start, len(s)])
    return s[start], counts


_EMPTY = -1  # keys are non-negative (at most 63 bits)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key × 2⁶⁴/φ


class _KeyTable:
    """n-gram key → vocabulary column, in numpy: linear probing at load ≤ 0.5, all keys of a batch at once.

    Mapping a batch's keys by binary search needed them sorted first (an argsort and two gathers of millions
    of keys); the prediction spent 40 % of its time there. Here each round looks every unresolved key up in
    its next slot: found, empty (not in the vocabulary) or taken by another key (try the next slot)."""

    def __init__(self, vocab: np.ndarray) -> None:
        bits = max(4, int(np.ceil(np.log2(max(len(vocab), 1) * 2))))
        self.shift, self.mask = np.uint64(64 - bits), (1 << bits) - 1
        # 12 bytes a slot, 2–4 slots an entry: ~24 MB for the 760,000 body n-grams of the TipDM model.
        self.keys = np.full(1 << bits, _EMPTY, dtype=np.int64)
        self.cols = np.zeros(1 << bits, dtype=np.int32)
        pending, slot = np.arange(len(vocab)), self._slot(vocab)
        while len(pending):
            s = slot[pending]
            free = self.keys[s] == _EMPTY
            # Keys meeting at one free slot: the first takes it, the others probe on with the rest.
            slots, first = np.unique(s[free], return_index=True)
            won = pending[free][first]
            self.keys[slots], self.cols[slots] = vocab[won], won
            pending = np.setdiff1d(pending, won, assume_unique=True)
            slot[pending] = (slot[pending] + 1) & self.mask

    def _slot(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * _GOLDEN) >> self.shift).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(column, found) for each key."""
        col, hit = np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
        idx, slot = np.arange(len(keys)), self._slot(keys)
        while len(idx):
            there = self.keys[slot]
            found = there == keys[idx]
            col[idx[found]], hit[idx[found]] = self.cols[slot[found]], True
            more = ~found & (there != _EMPTY)
            idx, slot = idx[more], (slot[more] + 1) & self.mask
        return col, hit


def key_to_str(key: int) -> str:
    chars = []
    while key:
        chars.append(chr((key & _MASK) - 1))
        key >>= _BITS
    return "".join(chars)


class CharTfidf:
    def __init__(self, ngram: tuple[int, int] = (1, 3), min_df: int = 1, dtype: type = np.float32) -> None:
        self.ngram = ngram
        self.min_df = min_df
        self.dtype = dtype
        self.vocab_: np.ndarray = np.zeros(0, dtype=np.int64)
        self.idf_: np.ndarray = np.zeros(0, dtype=dtype)
        self._table: _KeyTable | None = None  # built from vocab_ on first use, never pickled

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_table"}

    def _lookup(self) -> _KeyTable:
        table = self.__dict__.get("_table")  # absent in models pickled before it existed
        if table is None:
            table = self._table = _KeyTable(self.vocab_)
        return table

    def fit(self, texts: Sequence[str]) -> CharTfidf:
        keys, docs = ngram_keys(texts, self.ngram)
        # Document frequency: sort by key (stable keeps doc order), drop repeated (key, doc), count per key.
        o = np.argsort(keys, kind="stable")
        ks, ds = keys[o], docs[o]
        first = np.r_[True, (ks[1:] != ks[:-1]) | (ds[1:] != ds[:-1])]
        vocab, df = _unique_counts(ks[first])
        keep = df >= self.min_df
        self.vocab_ = vocab[keep]
        self._table = None
        n = len(texts)
        self.idf_ = (np.log((1 + n) / (1 + df[keep])) + 1).astype(self.dtype)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        keys, docs = ngram_keys(texts, self.ngram)
        v = len(self.vocab_)
        if v:
            col, hit = self._lookup().lookup(keys)
        else:
            col, hit = keys, np.zeros(len(keys), dtype=bool)
        cell = docs[hit] * max(v, 1) + col[hit]
        uniq, counts = _unique_counts(cell)
        rows = uniq // max(v, 1)
        cols = uniq % max(v, 1)
        data = ((1 + np.log(counts)) * self.idf_[cols]).astype(self.dtype)
        x = sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), v), dtype=self.dtype)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sparse.csr_matrix(sparse.diags(1 / norms) @ x, dtype=self.dtype)

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.fit(texts).transform(texts)

    def get_feature_names_out(self) -> np.ndarray:
        return np.array([key_to_str(int(k)) for k in self.vocab_], dtype=object)
