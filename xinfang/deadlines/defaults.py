"""Default period rules: the national clocks of the 《信访工作条例》(2022) and one provincial example.

Pure data, no Django: the data migration seeds ``DeadlineRule`` rows from it, and ``selectors.rule_for`` falls
back to it if a national row is missing, so a clock can always be computed. Whether a bare "日" means calendar
days is not settled by any official interpretation (legal-rules.md §6); the 条例 writes "15日" and
"5个工作日" in the same article (Art 23), so a bare 日 is read as calendar days, rolled past holidays
(民法典 Art 203). Provinces that say "工作日" get their own rows.
"""

from __future__ import annotations

from dataclasses import dataclass

REG = "《信访工作条例》"
ZJ = "《浙江省信访条例》（2016年7月29日修订）"


@dataclass(frozen=True)
class DefaultRule:
    clock: str
    days: int
    working: bool
    legal_basis: str
    note: str = ""
    region_prefix: str = ""
    roll_forward: bool = True


NATIONAL_DEFAULTS: tuple[DefaultRule, ...] = (
    DefaultRule(
        "routing", 15, False, f"{REG}第二十二条第一款", "信访部门收到信访事项后15日内转送、交办或告知"
    ),
    DefaultRule(
        "notice",
        15,
        False,
        f"{REG}第二十三条第二款、第三款",
        "自收到之日起15日内书面告知接收情况以及处理途径和程序",
    ),
    DefaultRule(
        "objection",
        5,
        True,
        f"{REG}第二十三条第三款",
        "不属于本单位职权范围的，自收到之日起5个工作日内提出异议",
    ),
    DefaultRule("handling", 60, False, f"{REG}第三十四条", "第三十一条第六项事项自受理之日起60日内办结"),
    DefaultRule(
        "extension",
        30,
        False,
        f"{REG}第三十四条",
        "经负责人批准可延长，延长期限不得超过30日；实际延长天数可在批准时另行指定（不超过本值）",
    ),
    DefaultRule("review_request", 30, False, f"{REG}第三十五条", "信访人自收到书面答复之日起30日内请求复查"),
    DefaultRule("review", 30, False, f"{REG}第三十五条", "自收到复查请求之日起30日内提出复查意见"),
    DefaultRule(
        "recheck_request", 30, False, f"{REG}第三十六条第一款", "信访人自收到复查意见之日起30日内请求复核"
    ),
    DefaultRule(
        "recheck",
        30,
        False,
        f"{REG}第三十六条第一款、第二款",
        "自收到复核请求之日起30日内提出复核意见；听证所需时间不计算在期限内（以暂停区间记录）",
    ),
    DefaultRule(
        "evaluation",
        30,
        False,
        f"{REG}第二十一条第二款（仅规定可评价，未规定期限）",
        "评价期限无法定依据，30日为本系统默认值，请按本地规定修改",
    ),
    DefaultRule(
        "assigned",
        60,
        False,
        f"{REG}第二十二条第一款（交办须在指定办理期限内反馈，未规定天数）",
        "默认参照第三十四条60日；交办时应按交办单指定的期限另行传入天数",
    ),
)

# 浙江省信访条例 Art 20: "不能当场答复的，在五个工作日内按下列规定作出处理" (¶1) and, for matters routed to
# it, "应当自收到之日起五个工作日内决定是否受理，并书面告知信访人" (¶2) — stricter than the national 15 日.
PROVINCIAL_DEFAULTS: tuple[DefaultRule, ...] = (
    DefaultRule(
        "routing",
        5,
        True,
        f"{ZJ}第二十条第一款",
        "国家机关收到信访事项，不能当场答复的，在五个工作日内作出处理",
        region_prefix="33",
    ),
    DefaultRule(
        "notice",
        5,
        True,
        f"{ZJ}第二十条第二款",
        "转送、交办的信访事项，自收到之日起五个工作日内决定是否受理并书面告知",
        region_prefix="33",
    ),
)

ALL_DEFAULTS: tuple[DefaultRule, ...] = NATIONAL_DEFAULTS + PROVINCIAL_DEFAULTS
NATIONAL_BY_CLOCK: dict[str, DefaultRule] = {r.clock: r for r in NATIONAL_DEFAULTS}
