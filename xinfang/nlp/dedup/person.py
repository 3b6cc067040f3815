"""Same petitioner? Keyed-hash identity (ID number / phone) first, then fuzzy name + address.

The Django side computes blind-index hashes (HMAC of ID number / phone); here they are opaque strings, so an
exact hash match is the strongest possible evidence without ever seeing the number. Names and addresses are
compared fuzzily because intake staff type them differently (全角/半角, 省市 prefixes, 号/栋 variants).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..normalize import normalize

_ADDR_NOISE = re.compile(r"[\W_]+|中华人民共和国|中国")
_ADDR_SUFFIX = str.maketrans({"栋": "幢", "座": "幢", "單": "单", "室": "号"})


@dataclass(frozen=True, slots=True)
class PersonRecord:
    name: str = ""
    address: str = ""
    id_hashes: frozenset[str] = frozenset()
    phone_hashes: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        name: str = "",
        address: str = "",
        id_hashes: Iterable[str] = (),
        phone_hashes: Iterable[str] = (),
    ) -> PersonRecord:
        return cls(
            name or "",
            address or "",
            frozenset(h for h in id_hashes if h),
            frozenset(h for h in phone_hashes if h),
        )


@dataclass(frozen=True, slots=True)
class PersonMatch:
    score: float
    same: bool
    reasons: list[str] = field(default_factory=list)


def _clean_name(name: str) -> str:
    return re.sub(r"[\W_\d]+", "", normalize(name, allow_empty=True).text).lower()


def _clean_addr(addr: str) -> str:
    return _ADDR_NOISE.sub("", normalize(addr, allow_empty=True).text).translate(_ADDR_SUFFIX).lower()


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s} if s else set()


def name_similarity(a: str, b: str) -> float:
    """1.0 identical; Chinese names are 2–4 chars, so one differing char (a typo) gives 0.5–0.75."""
    x, y = _clean_name(a), _clean_name(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    # Position-wise agreement handles typos in one char better than bigrams for such short strings.
    same = sum(1 for p, q in zip(x, y, strict=False) if p == q)
    return same / max(len(x), len(y))


def address_similarity(a: str, b: str) -> float:
    """Bigram containment: "A3区桐梓坡西路12号" vs "桐梓坡西路12号" counts as the same address."""
    x, y = _bigrams(_clean_addr(a)), _bigrams(_clean_addr(b))
    if not x or not y:
        return 0.0
    return len(x & y) / min(len(x), len(y))


def match_person(a: PersonRecord, b: PersonRecord, *, threshold: float = 0.8) -> PersonMatch:
    """Score in [0, 1] with reasons. Hash matches decide; otherwise name and address must both agree."""
    reasons = []
    if a.id_hashes & b.id_hashes:
        reasons.append("证件号哈希一致")
    if a.phone_hashes & b.phone_hashes:
        reasons.append("电话哈希一致")
    if reasons:
        return PersonMatch(1.0, True, reasons)
    ns, ads = name_similarity(a.name, b.name), address_similarity(a.address, b.address)
    if ns:
        reasons.append(f"姓名相似度 {ns:.2f}")
    if ads:
        reasons.append(f"住址相似度 {ads:.2f}")
    # A shared name alone is weak (重名 is common), so the address carries 60 % of the weight; a different
    # ID hash on both sides is evidence of two people and caps the score below the threshold.
    score = 0.4 * ns + 0.6 * ads if ns >= 0.5 else 0.3 * ads
    if a.id_hashes and b.id_hashes:
        score = min(score, threshold - 0.01)
        reasons.append("证件号哈希不同")
    return PersonMatch(round(score, 4), score >= threshold, reasons)
