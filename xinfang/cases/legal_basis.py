"""The 法律法规依据 of an 意见书 (条例第三十二条), checked against the laws shipped with the platform.

Each line of a legal basis names one law and usually an article: 《物业管理条例》第五十四条,
《信访工作条例》第三十二条第一款第（三）项. A line whose law is in ``LAWS`` must name an article the law
has; a line naming a law the library does not hold is accepted as free text but flagged, so that the head
who signs sees it before the document becomes binding. Markup is never accepted (the text is printed into a
signed document).

``LAWS`` maps a law's name to its number of articles where that is known here (counted from the texts in
the domain library for the petition laws; taken from the current official texts for the others), ``None``
where only the name is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xinfang.core.errors import ValidationFailed
from xinfang.core.markup import reject_markup

LAWS: dict[str, int | None] = {
    # Petition work and its procedure
    "信访工作条例": 50,
    "信访条例": 51,
    "行政复议法": 90,
    "行政诉讼法": 103,
    "人民调解法": 35,
    "重大行政决策程序暂行条例": 44,
    "个人信息保护法": 74,
    "网络安全法": 79,
    # What petitions are most often about
    "民法典": 1260,
    "劳动法": 107,
    "劳动合同法": 98,
    "劳动争议调解仲裁法": 54,
    "保障农民工工资支付条例": 64,
    "社会保险法": None,
    "土地管理法": 87,
    "城乡规划法": 70,
    "国有土地上房屋征收与补偿条例": 35,
    "城市房地产管理法": None,
    "物业管理条例": 67,
    "住宅专项维修资金管理办法": None,
    "建设工程质量管理条例": 82,
    "住房公积金管理条例": None,
    "环境保护法": 70,
    "消费者权益保护法": 63,
    "食品安全法": 154,
    "道路交通安全法": None,
    "治安管理处罚法": None,
    "义务教育法": None,
    "医疗纠纷预防和处理条例": None,
}

_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_UNITS = {"十": 10, "百": 100, "千": 1000}
_LINE = re.compile(
    r"^《(?P<law>[^《》]{2,40})》(?:第(?P<article>[零〇一二两三四五六七八九十百千\d]+)条)?(?P<rest>.*)$"
)


def chinese_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 三十二 → 32, 一百零五 → 105, 一千二百六十 → 1260; Arabic digits as they are."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
        else:
            return None
    return total + digit


@dataclass(frozen=True)
class BasisLine:
    text: str
    law: str  # the law's name without 《》, "" when the line names none
    article: int | None
    listed: bool  # the law is in the shipped library

    @property
    def flag(self) -> str:
        """What the signing head is shown about this line ("" when it is a listed law)."""
        if not self.law:
            return "未写明法律法规名称（应以《》标明），请核对"
        return "" if self.listed else "法规库未收录，请核对名称和条文"


def check_basis(lines: list[str], *, field: str = "legal_basis") -> list[BasisLine]:
    """Each non-empty line as a ``BasisLine``; ``ValidationFailed`` for markup or an article the listed law
    does not have (Chinese message naming the line)."""
    out = []
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        reject_markup(text, field=field)
        match = _LINE.match(text)
        if match is None:
            out.append(BasisLine(text, "", None, False))
            continue
        law = match["law"].strip()
        article = chinese_number(match["article"]) if match["article"] else None
        if match["article"] and article is None:
            raise ValidationFailed("legal_basis_article", f"条文序号无法识别：{text}", field=field)
        listed = law in LAWS
        most = LAWS.get(law)
        if listed and article is not None and most is not None and not 1 <= article <= most:
            raise ValidationFailed(
                "legal_basis_article", f"《{law}》共{most}条，没有第{article}条：{text}", field=field
            )
        out.append(BasisLine(text, law, article, listed))
    return out


def require_basis(lines: list[str], *, field: str = "legal_basis") -> list[BasisLine]:
    """``check_basis``, and at least one line: an opinion without legal basis is refused (Art 32)."""
    basis = check_basis(lines, field=field)
    if not basis:
        raise ValidationFailed(
            "legal_basis_required", "处理意见须载明法律法规依据（《信访工作条例》第三十二条）", field=field
        )
    return basis


def library() -> list[tuple[str, int | None]]:
    """The shipped laws for the form's reference list, in the order above."""
    return list(LAWS.items())
