"""Text normalisation applied before every model and rule.

Order matters: NFKC first (full-width ASCII → half-width, compatibility forms), then drop control chars and
emoji, then traditional → simplified, then whitespace. Truncation happens *before* the expensive steps, on a
slightly larger prefix, so a 100,000-char paste costs no more than a long letter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .errors import EmptyTextError

#: Longest text the models see. Petitions longer than this are appeals with attachments pasted in; the
#: first 20k chars carry the request, and the cap keeps classification and shingling time bounded.
MAX_CHARS = 20_000

# Emoji and pictographs (incl. flags, variation selectors, ZWJ): they carry no category information and
# break char n-grams. Ranges per Unicode 15 emoji blocks.
_EMOJI_RE = re.compile(
    "["
    "\U0001f000-\U0001faff"  # mahjong … symbols & pictographs extended-A
    "\U00002600-\U000027bf"  # misc symbols, dingbats
    "\U0001fb00-\U0001fbff"
    "\U00002b00-\U00002bff"  # arrows / stars often used as decoration
    "\ufe00-\ufe0f"  # variation selectors
    "\u200d"  # zero-width joiner
    "\U000e0000-\U000e007f"  # tag characters (flag sequences)
    "]+"
)
# Control and format characters other than the whitespace we keep (\n, \t), and unpaired UTF-16 surrogates
# (a JSON "\ud800" escape: no character, and no encoder accepts it). \x000D artefacts from spreadsheets come
# through as literal "_x000D_" – remove those too.
_CTRL_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200c\u200e\u200f\u2028\u2029\u2060\ufeff\ud800-\udfff]"
)
_XLSX_CR_RE = re.compile(r"_x000[dD]_")
_SPACE_RE = re.compile(r"[ \t\u3000\xa0]+")
_NEWLINES_RE = re.compile(r"\s*\n\s*")


@lru_cache(maxsize=1)
def _compat_re() -> tuple[re.Pattern[str], dict[str, str]]:
    """The BMP characters NFKC changes on their own (full-width punctuation and letters, the ideographic
    space, ①, …, ㎡, no-break space …) with their NFKC, for ``_nfkc``.

    A character enters only when its NFKC has the same compatibility decomposition as itself and that
    decomposition has no combining marks: replacing it then leaves the text's NFKD, and so its NFKC,
    unchanged — only ordering-sensitive cases (combining marks) are left to the full NFKC."""
    table: dict[str, str] = {}
    for cp in range(0xA0, 0x10000):
        c = chr(cp)
        d = unicodedata.normalize("NFKC", c)
        if d == c or not d or 0xD800 <= cp <= 0xDFFF:
            continue
        decomposed = unicodedata.normalize("NFKD", c)
        if decomposed == unicodedata.normalize("NFKD", d) and not any(map(unicodedata.combining, decomposed)):
            table[c] = d
    return re.compile("[" + "".join(map(re.escape, table)) + "]"), table


# The commonest of them in petitions, by count (，alone is about 70 % of the replacements).
_COMMON_COMPAT = "，？！：）（；\xa0"


def _nfkc(s: str) -> str:
    """``unicodedata.normalize("NFKC", s)``, about 4× faster on Chinese petitions: nearly all of them contain
    full-width punctuation, and NFKC over the whole text cost half of normalising it. The characters NFKC
    would change on their own are replaced from a table; the full NFKC runs only when the result still fails
    the quick "is normalised" check."""
    if unicodedata.is_normalized("NFKC", s):
        return s
    pattern, table = _compat_re()
    t = s
    for c in _COMMON_COMPAT:  # str.replace is a C loop: most of the work, without a Python call per match
        t = t.replace(c, table[c])
    t = pattern.sub(lambda m: table[m[0]], t)
    return t if unicodedata.is_normalized("NFKC", t) else unicodedata.normalize("NFKC", s)


@dataclass(frozen=True, slots=True)
class Normalized:
    text: str
    truncated: bool
    original_length: int


@lru_cache(maxsize=1)
def _zh_tables() -> tuple[frozenset[str], object]:
    """Characters that trigger a traditional→simplified pass, and the converter.

    zhconv walks the string char by char in Python (~1.5 µs/char); running it only when a traditional
    character is present keeps the common (already simplified) case at set-lookup speed.
    """
    import zhconv  # local import: cheap, but keeps ``import xinfang.nlp`` free of side effects
    from zhconv.zhconv import getdict

    table = getdict("zh-cn")
    triggers = frozenset(k for k, v in table.items() if len(k) == 1 and v != k)
    return triggers, zhconv


def to_simplified(text: str) -> str:
    triggers, zhconv = _zh_tables()
    if triggers.isdisjoint(text):
        return text
    return zhconv.convert(text, "zh-cn")  # type: ignore[attr-defined, no-any-return]


def normalize(text: str | None, max_chars: int = MAX_CHARS, *, allow_empty: bool = False) -> Normalized:
    """Normalise one text; raise :class:`EmptyTextError` when nothing meaningful is left.

    ``allow_empty`` is for optional fields (a missing title) where empty is a legal value.
    """
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise EmptyTextError(f"expected text, got {type(text).__name__}")
    original_length = len(text)
    # Cut early (with slack for characters that normalisation removes) so huge inputs stay cheap.
    truncated = original_length > max_chars
    s = text[: max_chars * 2] if truncated else text
    s = _nfkc(s)
    s = _XLSX_CR_RE.sub("", s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _CTRL_RE.sub("", s)
    s = _EMOJI_RE.sub(" ", s)
    s = to_simplified(s)
    s = _SPACE_RE.sub(" ", s)
    s = _NEWLINES_RE.sub("\n", s).strip()
    if len(s) > max_chars:
        s = s[:max_chars]
        truncated = True
    if not s and not allow_empty:
        raise EmptyTextError(
            "text is empty after normalisation (only whitespace, emoji or control characters)"
        )
    return Normalized(s, truncated, original_length)


def normalize_text(text: str | None, max_chars: int = MAX_CHARS) -> str:
    """Shorthand returning only the normalised string."""
    return normalize(text, max_chars).text


def join_title_body(title: str | None, body: str | None) -> str:
    """Combine the two intake fields the way the training data does (title on the first line)."""
    t = (title or "").strip()
    b = (body or "").strip()
    if t and b:
        return f"{t}\n{b}"
    return t or b
