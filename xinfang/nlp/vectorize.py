"""Char n-gram TF-IDF in numpy.

scikit-learn's char analyzer builds every n-gram as a Python string (~0.3 ms for a 400-char message), which
alone used most of the 0.5 ms/message budget. Here each n-gram of up to 3 chars becomes one uint64 key
(codepoint+1 in 21-bit slots), a whole batch is processed with array operations, and keys map to columns by
binary search in a sorted vocabulary. Same maths as ``TfidfVectorizer(sublinear_tf=True, smooth_idf=True,
norm="l2")``.
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

    def fit(self, texts: Sequence[str]) -> CharTfidf:
        keys, docs = ngram_keys(texts, self.ngram)
        # Document frequency: sort by key (stable keeps doc order), drop repeated (key, doc), count per key.
        o = np.argsort(keys, kind="stable")
        ks, ds = keys[o], docs[o]
        first = np.r_[True, (ks[1:] != ks[:-1]) | (ds[1:] != ds[:-1])]
        vocab, df = _unique_counts(ks[first])
        keep = df >= self.min_df
        self.vocab_ = vocab[keep]
        n = len(texts)
        self.idf_ = (np.log((1 + n) / (1 + df[keep])) + 1).astype(self.dtype)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        keys, docs = ngram_keys(texts, self.ngram)
        v = len(self.vocab_)
        # Searching sorted keys is cache-friendly (3× faster than searching them in text order).
        o = np.argsort(keys, kind="stable")
        keys, docs = keys[o], docs[o]
        if v:
            col = np.searchsorted(self.vocab_, keys)
            col[col >= v] = 0
            hit = self.vocab_[col] == keys
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
