"""Chinese word segmentation: jieba with the project's domain dictionary, loaded lazily and quietly, once.

jieba prints to stderr and builds a prefix dict (~1 s) on first use; doing that at import time would slow
every Django management command, so it happens on the first call, under a lock (gunicorn threads).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from importlib import resources
from typing import Any

_lock = threading.Lock()
_tokenizer: Any = None

# Tokens that carry no content for classification or explanation: punctuation runs, numbers, single Latin
# letters (pseudonymised place prefixes such as the "A" of "A市").
_NOISE_RE = re.compile(r"[\W_]+|\d+(?:\.\d+)?|[A-Za-z]")


def _load() -> Any:
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            logging.getLogger("jieba").setLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.initialize()
            with resources.as_file(resources.files(__package__).joinpath("userdict.txt")) as path:
                tok.load_userdict(str(path))
            _tokenizer = tok
    return _tokenizer


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def cut(text: str, *, hmm: bool = True) -> list[str]:
    """All tokens (whitespace dropped). ``text`` is expected to be normalised already."""
    return [w for w in _load().lcut(text, HMM=hmm) if w.strip()]


def content_of(tokens: list[str]) -> list[str]:
    """``tokens`` minus stop words, punctuation, bare numbers and single Latin letters."""
    stop = stopwords()
    return [w for w in tokens if w not in stop and not _NOISE_RE.fullmatch(w)]


def content_words(text: str, *, hmm: bool = True) -> list[str]:
    """Tokens minus stop words, punctuation, bare numbers and single Latin letters."""
    return content_of(cut(text, hmm=hmm))


def dictionary_freq(word: str) -> int:
    """The word's frequency in jieba's dictionary (0 when unknown: a name jieba's HMM found, such as 丽发)."""
    return int(_load().FREQ.get(word) or 0)


def domain_terms() -> list[str]:
    """The project's user-dictionary words (for tests and for the admin UI to display)."""
    text = resources.files(__package__).joinpath("userdict.txt").read_text(encoding="utf-8")
    return [line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")]
