"""Constants and validation helpers shared by the document kinds (《信访工作条例》2022 article numbers)."""

from __future__ import annotations

import datetime as dt
import re

from .errors import DocumentError

# Art 32: the three outcomes of a 信访处理意见书.
DECISIONS: tuple[str, ...] = ("支持", "解释说明", "不予支持")
# 复查 (Art 35) / 复核 (Art 36) outcomes on the opinion under review.
REVIEW_OUTCOMES: tuple[str, ...] = ("维持", "变更", "撤销")
# Art 21: the four ways a petition arrives.
RECEIPT_CHANNELS: tuple[str, ...] = ("来信", "来访", "网上信访", "来电")
# Art 31 items (一)–(四): statutory channels a 申诉求决 matter is led into, and the item that covers each.
CHANNEL_ITEM: dict[str, int] = {
    "诉讼": 1,
    "仲裁": 2,
    "党员申诉": 3,
    "申请复审": 3,
    "行政复议": 4,
    "行政裁决": 4,
    "行政确认": 4,
    "行政许可": 4,
    "行政处罚": 4,
}
MAX_EXTENSION_DAYS = 30  # Art 34: "延长期限不得超过30日"
REQUEST_WINDOW_DAYS = 30  # Art 35/36: 复查/复核 requested "自收到书面答复之日起30日内"

# 发文字号: 机关代字 + 〔年份〕 + 序号 + 号. GB/T 9704-2012 §7.2.4: the year is in 六角括号 〔〕, the serial
# number has no leading zero and no "第".
DOC_NUMBER_RE = re.compile(r"^[\u4e00-\u9fff\w]{1,20}〔(19|20)\d{2}〕[1-9]\d*号$")


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def require(obj: object, *names: str) -> None:
    for name in names:
        if blank(getattr(obj, name)):
            raise DocumentError(f"{name}_required", f"{type(obj).__name__}.{name} is required", name)


def not_before(later: dt.date, earlier: dt.date, later_name: str, earlier_name: str) -> None:
    if later < earlier:
        raise DocumentError(
            "date_order", f"{later_name} ({later}) is before {earlier_name} ({earlier})", later_name
        )


def check_basis(obj: object, name: str = "legal_basis") -> None:
    """Art 32 requires the 法律法规依据; every review opinion must cite one too."""
    items = getattr(obj, name)
    if isinstance(items, str):  # a bare string would be split into characters below
        items = (items,)
    items = tuple(str(x).strip() for x in items if not blank(x))
    if not items:
        raise DocumentError(
            "legal_basis_required", "at least one legal basis (法律法规依据) is required", name
        )
    object.__setattr__(obj, name, items)
