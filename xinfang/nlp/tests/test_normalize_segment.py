from __future__ import annotations

import pytest

from xinfang.nlp import EmptyTextError, NlpError
from xinfang.nlp.normalize import MAX_CHARS, join_title_body, normalize, normalize_text
from xinfang.nlp.segment import content_words, cut, domain_terms


def test_full_width_and_spaces() -> None:
    assert normalize_text("ＡＢＣ１２３　　物业\t\t费 ") == "ABC123 物业 费"


def test_control_chars_and_emoji_removed() -> None:
    out = normalize_text("物业\x00不作为\x07😡😡请处理🙏\u200b！")
    assert "\x00" not in out and "😡" not in out and "\u200b" not in out
    assert out.startswith("物业不作为") and "请处理" in out


def test_unpaired_surrogates_removed_so_every_model_can_encode_the_text() -> None:
    from xinfang.nlp.vectorize import CharTfidf

    out = normalize_text("小区\ud800噪音\udfff扰民")
    assert out == "小区噪音扰民"
    out.encode("utf-8")  # would raise on a surrogate
    assert CharTfidf((1, 3), 1).fit(["小区噪音"]).transform([out]).nnz > 0


def test_traditional_to_simplified_mixed() -> None:
    assert normalize_text("我們社區的物業長期不作為，请领导关注") == "我们社区的物业长期不作为,请领导关注"


def test_spreadsheet_artifacts_and_newlines() -> None:
    assert normalize_text("标题_x000D_\r\n\r\n  正文") == "标题\n正文"


@pytest.mark.parametrize("bad", ["", "   ", "\n\t\u3000", "😀🙏", "\x00\x01", None])
def test_empty_inputs_raise(bad: str | None) -> None:
    with pytest.raises(EmptyTextError):
        normalize(bad)
    assert issubclass(EmptyTextError, NlpError)


def test_non_string_raises_nlp_error() -> None:
    with pytest.raises(NlpError):
        normalize(12345)  # type: ignore[arg-type]


def test_huge_input_truncated_with_flag() -> None:
    n = normalize("拆迁补偿不到位。" * 12_500)  # 100,000 chars
    assert n.truncated and n.original_length == 100_000 and len(n.text) == MAX_CHARS


def test_allow_empty_and_join() -> None:
    assert normalize("  ", allow_empty=True).text == ""
    assert join_title_body("标题", "正文") == "标题\n正文"
    assert join_title_body("", "正文") == "正文"


def test_domain_dictionary_keeps_terms_whole() -> None:
    toks = cut("我要申请劳动仲裁，物业费和拆迁补偿都没解决，还有欠薪问题")
    for term in ("劳动仲裁", "物业费", "拆迁补偿", "欠薪"):
        assert term in toks
    assert {"信访", "物业", "拆迁", "征地", "社保", "欠薪"} <= set(domain_terms())


def test_content_words_drop_stopwords_and_noise() -> None:
    words = content_words("我们的A市小区，物业费123元太贵了！")
    assert "的" not in words and "A" not in words and "123" not in words
    assert "物业费" in words


def test_fast_nfkc_equals_unicode_nfkc() -> None:
    """normalize() replaces the characters NFKC changes on their own from a table; the result must be
    exactly NFKC, also next to combining marks (half-width kana voicing, accents) where it falls back."""
    import random
    import unicodedata

    from xinfang.nlp.normalize import _COMMON_COMPAT, _compat_re, _nfkc

    _pattern, table = _compat_re()
    assert set(_COMMON_COMPAT) <= set(table)
    r = random.Random(20261122)
    bmp = [chr(c) for c in range(0x20, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    tricky = [*table, *map(chr, range(0x300, 0x370)), "\u3099", "\u309a", "\uff9e", "\uff9f", "\u0f71"]
    samples = ["ｶﾞｷﾞ", "e\u0301，", "①２３㎡…", "\u3000全角　空格", "Å\u030a", "信访事项，请求处理！"]
    samples += ["".join(r.choice(bmp) for _ in range(r.randrange(1, 60))) for _ in range(3000)]
    mixed = (tricky if r.random() < 0.5 else bmp for _ in range(20 * 3000))
    samples += ["".join(r.choice(next(mixed)) for _ in range(20)) for _ in range(3000)]
    for s in samples:
        assert _nfkc(s) == unicodedata.normalize("NFKC", s), ascii(s)
