"""Chinese date formatting for 公文.

GB/T 9704-2012 §7.3.5.1 prescribes Arabic numerals for the 成文日期 ("用阿拉伯数字将年、月、日标全，年份应标
全称，月、日不编虚位"), so the documents print ``arabic_date`` (2026年11月22日) both in the body and under
the signature. ``hanzi_date`` (二〇二六年十一月二十二日, the pre-2012 convention) is kept for callers that
need the older form.
"""

from __future__ import annotations

import datetime as dt

_DIGITS = "〇一二三四五六七八九"


def _small_number(n: int) -> str:
    """1..31 → 一..三十一 (month and day numbers)."""
    if not 1 <= n <= 31:
        raise ValueError(f"month/day out of range: {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def hanzi_date(d: dt.date) -> str:
    """二〇二六年十一月二十二日."""
    year = "".join(_DIGITS[int(c)] for c in f"{d.year:04d}")
    return f"{year}年{_small_number(d.month)}月{_small_number(d.day)}日"


def arabic_date(d: dt.date) -> str:
    """2026年11月22日 (no leading zeros, as in GB/T 9704-2012)."""
    return f"{d.year}年{d.month}月{d.day}日"
