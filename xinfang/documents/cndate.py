"""Chinese date formatting for 公文.

The signature date (成文日期) is written in Chinese numerals, e.g. 二〇二六年十一月二十二日, with 〇 for
zero; dates inside the body are written with Arabic numerals (2026年11月1日). Note: GB/T 9704-2012 §7.3.5.1
itself prescribes Arabic numerals for the 成文日期 as well; the Chinese-numeral form is the older convention
that many 信访 offices still use for letters to petitioners, so both are provided.
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
