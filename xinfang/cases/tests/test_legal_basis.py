"""The legal basis of an 意见书 against the shipped library (cases/legal_basis.py)."""

import pytest

from xinfang.cases.legal_basis import LAWS, check_basis, chinese_number, require_basis
from xinfang.core.errors import ValidationFailed


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("三十二", 32),
        ("一百零五", 105),
        ("一千二百六十", 1260),
        ("54", 54),
    ],
)
def test_chinese_article_numbers(text, number) -> None:
    assert chinese_number(text) == number


def test_listed_laws_with_real_articles_pass_and_unlisted_ones_are_flagged() -> None:
    lines = check_basis(
        [
            "《物业管理条例》第五十四条",
            "《信访工作条例》第三十二条第一款",
            "《某市物业服务规定》第八条",
            "物业规定第3条",
        ]
    )
    assert [(b.law, b.article, b.listed, bool(b.flag)) for b in lines] == [
        ("物业管理条例", 54, True, False),
        ("信访工作条例", 32, True, False),
        ("某市物业服务规定", 8, False, True),
        ("", None, False, True),
    ]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("《信访工作条例》第五十一条", "legal_basis_article"),  # the 2022 条例 has 50 articles
        ("《民法典》第一千二百六十一条", "legal_basis_article"),
        ("<script>alert(1)</script>", "markup_rejected"),
        ("《物业管理条例》第五十四条<b>", "markup_rejected"),
    ],
)
def test_refused_lines(line, code) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_basis([line])
    assert refused.value.code == code


def test_a_basis_is_required_and_every_library_entry_is_well_formed() -> None:
    with pytest.raises(ValidationFailed, match="第三十二条"):
        require_basis(["", "  "])
    assert all(name and "《" not in name and (most is None or most > 0) for name, most in LAWS.items())
