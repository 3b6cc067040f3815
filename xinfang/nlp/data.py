"""Reading training CSVs and keeping pre-segmented extra data from leaking into test folds."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .errors import DataError, EmptyTextError
from .normalize import join_title_body, normalize

csv.field_size_limit(10_000_000)


@dataclass(slots=True)
class Labelled:
    """Normalised texts (title first line when known), their heads (title or first chars), labels."""

    texts: list[str]
    heads: list[str]
    labels: list[str]
    skipped: int = 0


def head_of(title: str | None, text: str, n: int = 30) -> str:
    """The part that gets extra weight: the title if the intake has one, else the first ``n`` chars."""
    if title and title.strip():
        try:
            return normalize(title).text
        except EmptyTextError:
            pass
    return text[:n]


def read_rows(path: str | os.PathLike[str]) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            return list(reader.fieldnames or []), rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read CSV ({exc})") from exc


def row_text(row: dict[str, str], fields: Sequence[str]) -> tuple[str, str]:
    """``(raw_text, raw_title)`` from a row with ``text`` or ``title``+``body`` columns."""
    title = row.get("title") or ""
    if "text" in fields and (row.get("text") or "").strip():
        return row["text"], title
    return join_title_body(title, row.get("body")), title


def load_labelled(path: str | os.PathLike[str], *, require_label: bool = True) -> Labelled:
    fields, rows = read_rows(path)
    if "text" not in fields and not {"title", "body"} <= set(fields):
        raise DataError(f"{path}: needs a 'text' column or 'title' and 'body' columns (has {fields})")
    if require_label and "label" not in fields:
        raise DataError(f"{path}: needs a 'label' column (has {fields})")
    out = Labelled([], [], [])
    for row in rows:
        raw, title = row_text(row, fields)
        label = (row.get("label") or "").strip()
        try:
            text = normalize(raw).text
        except EmptyTextError:
            out.skipped += 1  # empty messages carry no signal; count them so the caller can report it
            continue
        if require_label and not label:
            out.skipped += 1
            continue
        out.texts.append(text)
        out.heads.append(head_of(title, text))
        out.labels.append(label)
    if not out.texts:
        raise DataError(f"{path}: no usable rows")
    return out


def load_segmented(path: str | os.PathLike[str]) -> tuple[list[str], list[str], list[str]]:
    """``(row_idx, joined_text, label)`` from a pre-segmented CSV (``seg_text`` space-separated tokens).

    Tokens are joined without spaces: the classifier works on characters, and the source text had none.
    """
    fields, rows = read_rows(path)
    if not {"seg_text", "label"} <= set(fields):
        raise DataError(f"{path}: needs 'seg_text' and 'label' columns (has {fields})")
    ids, texts, labels = [], [], []
    for i, row in enumerate(rows):
        joined = "".join((row.get("seg_text") or "").split())
        label = (row.get("label") or "").strip()
        if not joined or not label:
            continue
        ids.append(row.get("row_idx") or str(i))
        texts.append(normalize(joined).text)
        labels.append(label)
    return ids, texts, labels


def _bigram_sets(texts: Sequence[str], vocab: dict[str, int]) -> sparse.csr_matrix:
    indptr, indices = [0], []
    for t in texts:
        grams = {t[i : i + 2] for i in range(len(t) - 1)}
        for g in grams:
            j = vocab.setdefault(g, len(vocab))
            indices.append(j)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), max(len(vocab), 1)))


def overlap_pairs(
    a: Sequence[str], b: Sequence[str], threshold: float = 0.5, chunk: int = 1000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All ``(i, j, score)`` with char-bigram containment ``score >= threshold`` of ``a[i]`` vs ``b[j]``.

    Containment (|A∩B| / min(|A|,|B|)) rather than Jaccard, because pre-segmented copies lost their stop
    words and are much smaller than the originals; one copy can also be a truncated repost of the other.
    """
    if not a or not b:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    vocab: dict[str, int] = {}
    mb = _bigram_sets(b, vocab)
    ma = _bigram_sets(a, vocab)
    shape = len(vocab)
    mb = sparse.csr_matrix((mb.data, mb.indices, mb.indptr), shape=(mb.shape[0], shape))
    ma = sparse.csr_matrix((ma.data, ma.indices, ma.indptr), shape=(ma.shape[0], shape))
    nb = np.asarray(mb.sum(1)).ravel()
    na = np.asarray(ma.sum(1)).ravel()
    ii, jj, ss = [], [], []
    mbt = mb.T.tocsc()
    for s in range(0, len(a), chunk):
        inter = (ma[s : s + chunk] @ mbt).toarray()
        score = inter / np.maximum(np.minimum(na[s : s + chunk, None], nb[None, :]), 1)
        # Ignore tiny texts: a 3-bigram message is "contained" in almost anything.
        score[:, nb < 8] = 0
        score[na[s : s + chunk] < 8, :] = 0
        i, j = np.nonzero(score >= threshold)
        ii.append(i + s)
        jj.append(j)
        ss.append(score[i, j])
    return np.concatenate(ii), np.concatenate(jj), np.concatenate(ss)
