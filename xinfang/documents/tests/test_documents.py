"""Rendering of the 信访 lifecycle documents: required parts in .docx and PDF, validation, determinism.

No database: xinfang.documents is pure Python.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
import zipfile

import docx
import pypdf
import pytest

from xinfang.documents import (
    ALL_KINDS,
    DocumentError,
    OpinionLetter,
    RenderedDocument,
    arabic_date,
    hanzi_date,
    layout_for,
    render,
)
from xinfang.documents import samples as S
from xinfang.documents.render_pdf import break_lines

KINDS = list(S.SAMPLES)


@pytest.fixture(scope="module")
def rendered() -> dict[str, RenderedDocument]:
    return {name: render(factory()) for name, factory in S.SAMPLES.items()}


def docx_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in d.paragraphs)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_every_kind_has_a_sample() -> None:
    assert {f().KIND for f in S.SAMPLES.values()} == {k.KIND for k in ALL_KINDS}


@pytest.mark.parametrize("name", KINDS)
def test_renders_both_formats(rendered: dict[str, RenderedDocument], name: str) -> None:
    doc = rendered[name]
    assert doc.docx_bytes.startswith(b"PK") and doc.pdf_bytes.startswith(b"%PDF")
    assert len(doc.sha256_docx) == len(doc.sha256_pdf) == 64
    assert zipfile.ZipFile(io.BytesIO(doc.docx_bytes)).testzip() is None


@pytest.mark.parametrize("name", KINDS)
def test_common_parts_in_docx_and_pdf(rendered: dict[str, RenderedDocument], name: str) -> None:
    inp = S.SAMPLES[name]()
    doc = rendered[name]
    expected = [
        inp.organ,
        inp.TITLE,
        inp.doc_number,
        "（印章）",
        arabic_date(inp.issued_on),  # 成文日期 in Arabic numerals (GB/T 9704-2012 §7.3.5.1)
        "（联系人：王芳，联系电话：0755-26610000）",  # 附注 (§7.3.7)
    ]
    dtext, ptext = docx_text(doc.docx_bytes), pdf_text(doc.pdf_bytes)
    for part in expected:
        assert part in dtext, f"docx lacks {part}"
        assert squash(part) in ptext, f"pdf lacks {part}"
        assert part in doc.text
    assert hanzi_date(inp.issued_on) not in dtext + ptext
    # 签发人 is printed only in the header of the up-going report (§7.2.5), never on a letter to a
    # petitioner; who signed stays in the metadata of both files.
    assert ("签发人" in dtext) == ("签发人" in ptext) == (name == "completion_report")
    assert ("印发" in dtext) == (name == "completion_report")
    signoff = f"签发人：{inp.signer}（{inp.signer_role}）"
    assert signoff in str(pypdf.PdfReader(io.BytesIO(doc.pdf_bytes)).metadata.subject)
    assert signoff in docx.Document(io.BytesIO(doc.docx_bytes)).core_properties.comments


def test_docx_has_page_numbers_and_keeps_the_signature_with_the_text(
    rendered: dict[str, RenderedDocument],
) -> None:
    d = docx.Document(io.BytesIO(rendered["opinion_letter"].docx_bytes))
    sec = d.sections[0]
    for footer in (sec.footer, sec.even_page_footer):  # "— 1 —": odd pages right, even pages left (§7.5)
        assert "PAGE" in footer._element.xml and footer.paragraphs[0].text == "—  —"
    assert d.settings.odd_and_even_pages_header_footer
    paras = d.paragraphs
    date = next(i for i, p in enumerate(paras) if p.text == "2026年11月22日")
    rights = next(i for i, p in enumerate(paras) if "请求复查" in p.text)
    assert all(p.paragraph_format.keep_with_next for p in paras[rights:date])


def test_docx_title_is_centred_and_header_red(rendered: dict[str, RenderedDocument]) -> None:
    d = docx.Document(io.BytesIO(rendered["opinion_letter"].docx_bytes))
    paras = {p.text: p for p in d.paragraphs if p.text}
    assert paras["信访事项处理意见书"].alignment == 1  # CENTER
    header = d.paragraphs[0]
    assert header.text == "深圳市南山区住房和建设局"
    assert str(header.runs[0].font.color.rgb) == "D90000"
    assert paras["张三："].text == "张三："
    sec = d.sections[0]
    assert (round(sec.top_margin.mm), round(sec.left_margin.mm), round(sec.right_margin.mm)) == (37, 28, 26)


def test_opinion_letter_has_art32_parts(rendered: dict[str, RenderedDocument]) -> None:
    inp = S.opinion_letter()
    doc = rendered["opinion_letter"]
    parts = [
        "张三：",
        "一、投诉请求",
        inp.request,
        "二、事实和理由",
        inp.findings,
        "三、处理意见（支持）",
        "予以支持",
        "四、法律法规依据",
        *inp.legal_basis,
        "五、复查权利告知",
        "30日内，向深圳市南山区人民政府请求复查",
        "本机关将督促有关机关、单位执行",  # Art 32¶2
    ]
    dtext, ptext = docx_text(doc.docx_bytes), pdf_text(doc.pdf_bytes)
    for part in parts:
        assert part in dtext, part
        assert squash(part) in ptext, part


@pytest.mark.parametrize(
    ("decision", "phrase"),
    [("支持", "予以支持"), ("解释说明", "作如下解释说明"), ("不予支持", "本机关不予支持")],
)
def test_each_decision_is_stated(decision: str, phrase: str) -> None:
    doc = render(S.opinion_letter(decision=decision))
    assert f"处理意见（{decision}）" in pdf_text(doc.pdf_bytes)
    assert phrase in docx_text(doc.docx_bytes)
    assert ("督促有关机关" in doc.text) == (decision == "支持")


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("notice_of_acceptance", ["接收情况", "处理途径和程序", "60日内办结", "第二十三条", "特此告知。"]),
        ("legal_channel_notice", ["第三十一条第（一）项", "深圳市南山区人民法院依法提起诉讼", "诉讼时效"]),
        ("extension_notice", ["延期理由", "延长30日", "2026年12月2日", "经本机关局长李明批准", "第三十四条"]),
        (
            "review_opinion",
            ["复查意见（维持）", "向深圳市人民政府请求复核", "《建设工程质量管理条例》第四十条"],
        ),
        (
            "recheck_opinion",
            ["复核意见（维持）", "听证情况", "不再受理", "第三十六条第三款", "同一事实和理由"],
        ),
        (
            "completion_report",
            [
                "深圳市南山区信访局：",
                "签发人：李明",
                "办理结果",
                "特此报告。",
                "附件：1.",
                "处理意见为“支持”",
            ],
        ),
    ],
)
def test_kind_specific_parts(rendered: dict[str, RenderedDocument], name: str, parts: list[str]) -> None:
    doc = rendered[name]
    dtext, ptext = docx_text(doc.docx_bytes), pdf_text(doc.pdf_bytes)
    for part in parts:
        assert part in dtext, part
        assert squash(part) in ptext, part


def test_identical_input_identical_hashes() -> None:
    a, b = render(S.opinion_letter()), render(S.opinion_letter())
    assert (a.sha256_docx, a.sha256_pdf) == (b.sha256_docx, b.sha256_pdf)
    assert a.docx_bytes == b.docx_bytes and a.pdf_bytes == b.pdf_bytes
    c = render(S.opinion_letter(decision="不予支持"))
    assert c.sha256_pdf != a.sha256_pdf and c.sha256_docx != a.sha256_docx


def test_docx_core_properties_are_fixed() -> None:
    d = docx.Document(io.BytesIO(render(S.extension_notice()).docx_bytes))
    stamp = dt.datetime(2026, 10, 28, tzinfo=dt.UTC)
    assert d.core_properties.created == stamp
    assert d.core_properties.modified == stamp


def test_red_header_optional() -> None:
    d = docx.Document(io.BytesIO(render(S.notice_of_acceptance(red_header=False)).docx_bytes))
    assert str(d.paragraphs[0].runs[0].font.color.rgb) == "000000"


# --- validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "changes", "code"),
    [
        (S.opinion_letter, {"legal_basis": []}, "legal_basis_required"),
        (S.opinion_letter, {"legal_basis": ["  "]}, "legal_basis_required"),
        (S.opinion_letter, {"decision": "部分支持"}, "decision_invalid"),
        (S.opinion_letter, {"request": ""}, "request_required"),
        (S.opinion_letter, {"facts": " "}, "facts_required"),
        (S.opinion_letter, {"reasons": ""}, "reasons_required"),
        (S.opinion_letter, {"review_organ": ""}, "review_organ_required"),
        (S.opinion_letter, {"review_organ": "", "review_rights_text": "可以申诉"}, "review_rights_invalid"),
        (S.opinion_letter, {"doc_number": "深南住建信意[2026]12号"}, "doc_number_invalid"),
        (S.opinion_letter, {"signer": ""}, "signoff_required"),
        (S.opinion_letter, {"accepted_on": dt.date(2026, 8, 1)}, "date_order"),
        (S.extension_notice, {"days": 31, "new_due": dt.date(2026, 12, 3)}, "extension_too_long"),
        (S.extension_notice, {"days": 20}, "extension_dates_inconsistent"),
        (S.extension_notice, {"reason": ""}, "extension_reason_required"),
        (S.extension_notice, {"approver": ""}, "extension_approver_required"),
        (S.extension_notice, {"issued_on": dt.date(2026, 11, 3)}, "extension_after_due"),
        (S.legal_channel_notice, {"channel": "仲裁"}, "channel_item_mismatch"),
        (S.legal_channel_notice, {"channel": "上访"}, "channel_invalid"),
        (S.notice_of_acceptance, {"received_via": "微信"}, "channel_invalid"),
        (S.notice_of_acceptance, {"petitioner_name": ""}, "petitioner_name_required"),
        (S.review_opinion, {"request_received_on": dt.date(2026, 12, 26)}, "request_out_of_time"),
        (S.review_opinion, {"outcome": "驳回"}, "outcome_invalid"),
        (S.review_opinion, {"legal_basis": ()}, "legal_basis_required"),
        (S.recheck_opinion, {"hearing_summary": ""}, "hearing_summary_required"),
        (
            S.recheck_opinion,
            {"hearing_held": False, "hearing_summary": "", "publish": True},
            "publication_requires_hearing",
        ),
        (S.completion_report, {"issued_on": dt.date(2026, 12, 5)}, "late_reason_required"),
        (S.completion_report, {"opinion_doc_number": ""}, "opinion_doc_number_required"),
    ],
)
def test_validation_errors(factory: object, changes: dict[str, object], code: str) -> None:
    with pytest.raises(DocumentError) as err:
        factory(**changes)  # type: ignore[operator]
    assert err.value.code == code
    assert code in str(err.value)


def test_extension_of_exactly_30_days_is_allowed() -> None:
    assert S.extension_notice().days == 30


def test_legal_basis_string_is_one_item() -> None:
    letter = S.opinion_letter(legal_basis="《物业管理条例》第五十四条")
    assert letter.legal_basis == ("《物业管理条例》第五十四条",)


def test_instances_are_frozen() -> None:
    letter = S.opinion_letter()
    with pytest.raises(AttributeError):
        letter.decision = "不予支持"  # type: ignore[misc]
    assert isinstance(letter, OpinionLetter)


def test_layout_text_is_in_reading_order() -> None:
    text = layout_for(S.opinion_letter()).text()
    order = [
        "深南住建信意〔2026〕12号",
        "信访事项处理意见书",
        "张三：",
        "一、投诉请求",
        "三、处理意见",
        "四、法律法规依据",
    ]
    order += ["五、复查权利告知", "（印章）", "深圳市南山区住房和建设局\n2026年11月22日", "（联系人"]
    positions = [text.index(p) for p in order]
    assert positions == sorted(positions)


# --- helpers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2026, 11, 22), "二〇二六年十一月二十二日"),
        (dt.date(2026, 1, 1), "二〇二六年一月一日"),
        (dt.date(2030, 10, 10), "二〇三〇年十月十日"),
        (dt.date(2027, 12, 31), "二〇二七年十二月三十一日"),
        (dt.date(2026, 2, 20), "二〇二六年二月二十日"),
    ],
)
def test_hanzi_date(day: dt.date, text: str) -> None:
    assert hanzi_date(day) == text


def test_line_breaking_keeps_closing_punctuation_off_line_start() -> None:
    from xinfang.documents.fonts import pdf_cjk_font

    font = pdf_cjk_font().name
    text = "一二三四五六七八九十，一二三四五六七八九十。（一二三四五六七八九十）"
    for width in range(5, 12):
        lines = break_lines(text, font, 10, width * 10, width * 10)
        assert "".join(lines) == text
        assert all(line[0] not in "，。）" for line in lines[1:])
        assert all(line[-1] != "（" for line in lines)


def test_no_django_import() -> None:
    code = (
        "import sys; from xinfang.documents import render, samples; render(samples.opinion_letter()); "
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_pdf_embeds_its_font_when_the_setup_installed_it() -> None:
    """``make test`` installs fonts-arphic-uming; with it the PDF carries its glyphs (same look anywhere)."""
    import os

    from xinfang.documents.fonts import pdf_cjk_font

    if not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"):
        pytest.skip("fonts-arphic-uming not installed (make chromium)")
    assert pdf_cjk_font().embedded
    pdf = render(S.opinion_letter()).pdf_bytes
    assert b"/FontFile2" in pdf  # an embedded TrueType subset


def test_findings_do_not_repeat_the_sections_lead() -> None:
    """ "经调查核实：经查…" printed the lead twice (issue 21, item 13)."""
    from xinfang.documents.layout import _findings

    assert _findings("经查，电梯主板损坏属实") == "电梯主板损坏属实"
    assert _findings("经调查核实：物业未履行维修义务") == "物业未履行维修义务"
    assert _findings("物业已安排维修") == "物业已安排维修"
    assert _findings("经查") == "经查"  # nothing else to say: kept as typed
