"""The one segmentation of index and query (no database)."""

import subprocess
import sys

from xinfang.search.tokens import (
    PREFIX_LENGTHS,
    document_tokens,
    jurisdiction_token,
    query_tokens,
    region_tokens,
)

LETTER = [
    "投诉程明物业违规收停车费",
    "请求督促物业退还停车费用",
    "小区3栋电梯经常故障，物业A市程明物业管理有限公司一直不修。12345热线已反映",
]


def _found(query: str, texts: list[str] = LETTER) -> bool:
    tokens = query_tokens(query)
    return bool(tokens) and set(tokens) <= set(document_tokens(texts).split())


def test_words_of_every_part_are_found_together():
    assert _found("电梯故障")  # 电梯 | 故障, from the 事实
    assert _found("停车费 退还")  # title and 诉求
    assert _found("12345热线")


def test_a_word_not_in_the_matter_is_not_found():
    assert not _found("电梯 漏水")
    assert not _found("拖欠工资")


def test_dictionary_words_inside_longer_ones_are_found():
    # 停车费 is one word in the title; 停车 typed alone is a sub-word of it.
    assert _found("停车")
    assert "停车" in document_tokens(["停车费"]).split()


def test_part_of_a_name_cut_differently_is_found_by_its_characters():
    # jieba cuts 程明物业 as 程明 | 物业 in the letter but 程明 typed alone as 程 | 明.
    assert query_tokens("程明") == ["程", "明"]
    assert _found("程明")
    assert _found("程明物业")


def test_full_width_traditional_and_case_are_normalised_on_both_sides():
    assert _found("電梯")
    assert _found("ＷＩＦＩ", ["小区WiFi信号差"])
    assert query_tokens("WiFi") == ["wifi"]


def test_stop_words_punctuation_and_single_digits_are_neither_indexed_nor_asked_for():
    tokens = document_tokens(["我们的小区，3栋！"]).split()
    assert "的" not in tokens and "我们" not in tokens and "3" not in tokens and "，" not in tokens
    assert query_tokens("的了？") == []


def test_tokens_hold_only_letters_digits_and_chinese():
    # Nothing FTS5's query syntax or PostgreSQL's tsquery parser could read as an operator.
    for token in document_tokens([*LETTER, 'a"b OR c* (d) -e:f']).split():
        assert token.isalnum(), token
    assert query_tokens('"电梯" OR 故障*') == ["电梯", "or", "故障"]


def test_each_token_once_in_order_of_first_appearance():
    tokens = document_tokens(["电梯故障", "电梯又故障"]).split()
    assert len(tokens) == len(set(tokens))
    assert tokens.index("电梯") < tokens.index("故障")


def test_region_tokens_follow_the_levels_of_org():
    from xinfang.org.models import PREFIX_LENGTH

    assert tuple(n for n in sorted(PREFIX_LENGTH.values()) if n) == PREFIX_LENGTHS
    assert region_tokens("440305001") == ["qy44", "qy4403", "qy440305", "qy440305001"]
    assert jurisdiction_token("4403") in region_tokens("440305001")
    assert jurisdiction_token("4404") not in region_tokens("440305001")
    assert jurisdiction_token("") is None  # the whole country: no narrowing


def test_the_module_imports_no_django():
    code = "import sys, xinfang.search.tokens; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
