from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
TIPDM = SHARED / "tipdm2020c"


@pytest.fixture(scope="session")
def tipdm() -> Path:
    if not (TIPDM / "messages_labelled.csv").exists():
        pytest.skip(f"real data not found at {TIPDM} (the project root's sibling shared/data)")
    return TIPDM


def toy_rows() -> list[tuple[str, str]]:
    """Small hand-written training set: three categories, clearly separable by vocabulary."""
    base = {
        "城乡建设": [
            "小区物业乱收停车费",
            "开发商延期交房",
            "小区电梯经常停运物业不修",
            "拆迁安置房迟迟不建",
            "小区绿化被改成停车场",
            "楼盘烂尾多年无人管",
            "物业费上涨业主不同意",
            "违章建筑挡住采光",
        ],
        "劳动和社会保障": [
            "公司拖欠工资三个月",
            "单位不给缴纳社保",
            "养老金停发了",
            "工伤认定公司不配合",
            "医保报销比例太低",
            "农民工工资被包工头拖欠",
            "失业保险金领不到",
            "公积金单位少缴",
        ],
        "教育文体": [
            "孩子入学划片不合理",
            "学校乱收补课费",
            "幼儿园收费太高",
            "校外培训机构跑路不退费",
            "学位不足孩子上不了学",
            "老师体罚学生",
            "学校食堂卫生差",
            "图书馆开放时间太短",
        ],
    }
    rows = []
    for label, texts in base.items():
        for i, t in enumerate(texts):
            rows.append((f"{t}，请尽快处理。第{i}次反映。", label))
            rows.append((f"反映{t}的问题，希望有关部门重视", label))
    return rows
