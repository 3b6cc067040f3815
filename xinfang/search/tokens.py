"""The words a matter is found by: one segmentation, shared by the index and the query. Pure Python — like
``xinfang.nlp`` it imports no Django, so it is tested and benchmarked without a database.

A document (title, 诉求 and 事实 of every contact of a matter) becomes the space-joined set of its searchable
tokens; the database's full-text index (SQLite FTS5 ``unicode61``, PostgreSQL ``to_tsvector('simple', …)``)
splits on the spaces only, so both databases see exactly the tokens made here. A query becomes its own
tokens, all of which a matter must hold (AND).

What a document holds, and why (measured on 400 real petitions of ``../shared/data``, 2,000 queries each):

* jieba's words **without the HMM**. The HMM guesses new words from the characters around them, so the same
  name could be cut one way in a letter and another in the query typed later; dictionary-only cutting is
  the same wherever the word stands. Every word of a petition typed as a query is found (recall 1.000 against
  0.994 with the HMM), every two adjacent words typed together too.
* the dictionary words inside a longer word (jieba's "search engine" mode: 2- and 3-character sub-words),
  so 停车 finds a letter that says 停车费.
* every Chinese character as well. A staff member types part of a name or a place — 程明物业, 区苑 — that
  jieba cut differently in the letter (程明 | 物业 there, 程 | 明 | 物业 in the query). With the characters
  indexed, a 2–4 character piece of a petition is found 98 % of the time, against 56 % with words alone;
  the index holds ~1.8 times the tokens (234 against 131 distinct ones per real petition).

Stop words (的, 了, 我们 …), punctuation, single digits and single Latin letters are left out on both sides:
they would match nearly every matter. A query made only of those has no tokens (``query_tokens`` → []).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from xinfang.nlp import segment
from xinfang.nlp.normalize import normalize

# A token the full-text syntax of neither database can misread: letters, digits and CJK only.
_WORD_RE = re.compile(r"[^\W_]+")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _words(text: str) -> list[str]:
    """jieba's dictionary-only words of the normalised, lower-cased text that can be searched for."""
    normal = normalize(text, allow_empty=True).text.lower()
    if not normal:
        return []
    stop = segment.stopwords()
    out = []
    for word in segment.cut(normal, hmm=False):
        if not _WORD_RE.fullmatch(word) or word in stop:
            continue
        if len(word) == 1 and not _CJK_RE.match(word):
            continue  # "3", "a": in nearly every matter
        out.append(word)
    return out


@lru_cache(maxsize=65_536)
def _expanded(word: str) -> tuple[str, ...]:
    """``word``, the dictionary words of 2 and 3 characters inside it when it is longer (jieba's
    ``cut_for_search``), and its Chinese characters that are not stop words. Cached: the words of petitions
    repeat, and this is most of the Python time per text after jieba."""
    out = [word]
    if len(word) > 1 and _CJK_RE.match(word):
        for size in (2, 3):
            if len(word) > size:
                grams = (word[i : i + size] for i in range(len(word) - size + 1))
                out += [gram for gram in grams if segment.dictionary_freq(gram)]
        stop = segment.stopwords()
        out += [char for char in word if _CJK_RE.match(char) and char not in stop]
    return tuple(out)


def document_tokens(texts: Iterable[str]) -> str:
    """The searchable tokens of ``texts``, each once, in order of first appearance, joined by spaces."""
    seen: dict[str, None] = {}
    for text in dict.fromkeys(texts):  # the matter's title is its first contact's: cut it once
        for word in _words(text):
            if word not in seen:
                seen.update(dict.fromkeys(_expanded(word)))
    return " ".join(seen)


#: The significant prefix lengths of a region code, level by level (``org.models.PREFIX_LENGTH``; this module
#: imports no Django — a test holds the two equal).
PREFIX_LENGTHS = (2, 4, 6, 9, 12)
_REGION_MARK = "qy"  # 区域


def region_tokens(region_code: str) -> list[str]:
    """One token per jurisdiction a matter lies in (440305001 → qy44 qy4403 qy440305 qy440305001). Added to
    a matter's tokens, they let the full-text index itself narrow a bureau's search to its jurisdiction (see
    ``selectors._text_sql``): far fewer rows to check against the scope afterwards."""
    return [_REGION_MARK + region_code[:n] for n in PREFIX_LENGTHS if n <= len(region_code)]


def jurisdiction_token(prefix: str) -> str | None:
    """The token of the matters whose region code starts with ``prefix`` (None for the whole country)."""
    return _REGION_MARK + prefix if prefix else None


def query_tokens(text: str) -> list[str]:
    """The tokens a matter must all hold to match ``text`` (each once, in the order typed)."""
    return list(dict.fromkeys(_words(text)))
