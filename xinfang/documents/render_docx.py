"""Word (.docx) rendering of a :class:`Layout` with python-docx, following GB/T 9704-2012.

Page and type as in render_pdf: A4, margins 37/35/28/26 mm, body 仿宋 三号 (16 pt) at a fixed 28.95 pt pitch
(22 lines), title 方正小标宋简体 二号 centred, first-level headings 黑体, 发文机关标志 red with a red rule
under the 发文字号, signature 右空四字 with the organ centred over the date and kept with the last paragraph,
附注, page numbers "— 1 —" in the footers (odd right, even left), 版记 with rules (report only).
Font names are the ones Chinese government desktops have; Word substitutes when one is missing.

Output is deterministic: core properties are fixed from the 成文日期 and the zip entries are rewritten
with a fixed timestamp, so identical input gives identical bytes (and hash).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from .layout import SEAL_PLACEHOLDER, Layout

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
BODY_PT = 16
TITLE_PT = 22
RECORD_PT = 14
PITCH_PT = 28.95
RED = RGBColor(0xD9, 0x00, 0x00)
TEXT_WIDTH_MM = 156
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _font(run_el: object, name: str) -> None:
    fonts = run_el._element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _para(
    doc: object,
    text: str,
    *,
    font: str = BODY_FONT,
    size: float = BODY_PT,
    align: str = "justify",
    first_chars: int = 0,
    bold: bool = False,
    color: RGBColor | None = None,
    pitch: float = PITCH_PT,
    right_chars: float = 0,
) -> Paragraph:
    p: Paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(pitch)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    if first_chars:
        fmt.first_line_indent = Pt(first_chars * size)
        ind = fmt._element.get_or_add_pPr().get_or_add_ind()
        ind.set(qn("w:firstLineChars"), str(first_chars * 100))  # 首行缩进二字, in character units
    if right_chars:
        fmt.right_indent = Pt(right_chars * size)
    if text:
        run = p.add_run(text)
        _font(run, font)
        run.font.size = Pt(size)
        run.font.bold = bold or None
        if color is not None:
            run.font.color.rgb = color
    return p


# w:pPr children that must follow w:pBdr (ECMA-376 CT_PPrBase sequence); Word rejects out-of-order elements.
_AFTER_PBDR = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
_BORDER_ORDER = ("w:top", "w:left", "w:bottom", "w:right", "w:between", "w:bar")


def _rule(p: Paragraph, side: str, color: str, size_eighths: int) -> None:
    ppr = p._element.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.insert_element_before(borders, *_AFTER_PBDR)
    line = OxmlElement(f"w:{side}")
    for k, v in (("w:val", "single"), ("w:sz", str(size_eighths)), ("w:space", "1"), ("w:color", color)):
        line.set(qn(k), v)
    following = {qn(t) for t in _BORDER_ORDER[_BORDER_ORDER.index(f"w:{side}") + 1 :]}
    after = next((child for child in borders if child.tag in following), None)
    if after is None:
        borders.append(line)
    else:
        after.addprevious(line)


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry timestamps (python-docx stamps entries with the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _width(text: str) -> float:
    """Width in character cells: a CJK character is one, an ASCII digit or letter half of one."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def _page_numbers(doc: object) -> None:
    """ "— 1 —" in 四号 under the 版心: odd pages 右空一字, even pages 左空一字 (§7.5)."""
    doc.settings.odd_and_even_pages_header_footer = True  # type: ignore[attr-defined]
    sec = doc.sections[0]  # type: ignore[attr-defined]
    sec.footer_distance = Mm(35 - 7 - 5)  # 一字线 7 mm under the 版心
    for footer, align in ((sec.footer, "right"), (sec.even_page_footer, "left")):
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
        if align == "right":
            p.paragraph_format.right_indent = Pt(RECORD_PT)
        else:
            p.paragraph_format.left_indent = Pt(RECORD_PT)
        for kind, text in (("text", "— "), ("field", "PAGE"), ("text", " —")):
            run = p.add_run()
            _font(run, "宋体")
            run.font.size = Pt(RECORD_PT)
            if kind == "text":
                run.text = text
                continue
            for tag, attr in (("w:fldChar", "begin"), ("w:instrText", text), ("w:fldChar", "end")):
                el = OxmlElement(tag)
                if tag == "w:fldChar":
                    el.set(qn("w:fldCharType"), attr)
                else:
                    el.set(qn("xml:space"), "preserve")
                    el.text = f" {attr} "
                run._element.append(el)


def render_docx(lay: Layout, issued_on: dt.date) -> bytes:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _font(normal, BODY_FONT)  # type: ignore[arg-type]

    red = RED if lay.red_header else RGBColor(0, 0, 0)
    head_pt = min(30.0, TEXT_WIDTH_MM / 0.3528 / max(len(lay.organ), 1) * 0.92)
    _para(doc, lay.organ, font=TITLE_FONT, size=head_pt, align="center", color=red, pitch=head_pt * 1.6)
    _para(doc, "", pitch=PITCH_PT * 1.4)  # 发文字号 空二行 under the 发文机关标志 (§7.2.4)
    if lay.header_signer:  # 上行文: 发文字号 左空一字, 签发人 右空一字 (§7.2.4–7.2.5)
        p = _para(doc, "", align="left")
        p.paragraph_format.left_indent = Pt(BODY_PT)
        p.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM) - Pt(2 * BODY_PT), WD_TAB_ALIGNMENT.RIGHT)
        run = p.add_run(f"{lay.doc_number}\t{lay.header_signer}")
        _font(run, BODY_FONT)
    else:
        p = _para(doc, lay.doc_number, align="center")
    _rule(p, "bottom", str(red), 12)  # red separator under the 发文字号 (§7.2.6)
    _para(doc, "")
    _para(doc, lay.title, font=TITLE_FONT, size=TITLE_PT, align="center", pitch=TITLE_PT * 1.6)
    _para(doc, "")
    _para(doc, lay.addressee, align="left")
    for text in lay.opening:
        _para(doc, text, first_chars=2)
    for heading, paras in lay.numbered_sections():
        head = _para(doc, heading, font=HEADING_FONT, first_chars=2, align="left")
        head.paragraph_format.keep_with_next = True  # a heading never ends a page
        for text in paras:
            _para(doc, text, first_chars=2)
    for text in lay.closing:
        _para(doc, text, first_chars=2)
    if lay.attachments:
        _para(doc, "")
        for i, a in enumerate(lay.attachments, 1):
            # 附件：1. name — a wrapped name lines up with the first character of the name above (§7.3.3)
            p = _para(doc, f"{'附件：' if i == 1 else '　　　'}{i}. {a}", align="left")
            hang = Pt(BODY_PT * (3 + _width(f"{i}. ")))
            p.paragraph_format.left_indent = Pt(2 * BODY_PT) + hang
            p.paragraph_format.first_line_indent = -hang

    # Signature: 成文日期 右空四字, organ centred over it, seal placeholder above (§7.3.5.2). It never stands
    # alone on a page: the last body paragraph is kept with it (§7.3.5.4).
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    width = max(_width(lay.signature_organ), _width(lay.signature_date))
    signature = [_para(doc, "")]
    for text, color in ((SEAL_PLACEHOLDER, RED), (lay.signature_organ, None), (lay.signature_date, None)):
        signature.append(
            _para(doc, text, align="right", color=color, right_chars=4 + (width - _width(text)) / 2)
        )
    if lay.note:  # 附注: 居左空二字加圆括号, on the line after the 成文日期 (§7.3.7)
        signature.append(_para(doc, lay.note, first_chars=2, align="left"))
    for p in signature[:-1]:
        p.paragraph_format.keep_with_next = True
    _page_numbers(doc)

    # 版记 (§7.4, the up-going report only): rules above and below, 印发机关和印发日期.
    if lay.record_lines:
        _para(doc, "")
    for i, line in enumerate(lay.record_lines):
        left, _, right = line.partition("　　")
        p = _para(doc, "", size=RECORD_PT, align="left", pitch=RECORD_PT * 2)
        p.paragraph_format.left_indent = Pt(RECORD_PT)
        p.paragraph_format.tab_stops.add_tab_stop(
            Mm(TEXT_WIDTH_MM) - Pt(2 * RECORD_PT), WD_TAB_ALIGNMENT.RIGHT
        )
        run = p.add_run(f"{left}\t{right}" if right else left)
        _font(run, BODY_FONT)
        run.font.size = Pt(RECORD_PT)
        if i == 0:
            _rule(p, "top", "000000", 8)
        _rule(p, "bottom", "000000", 8 if i == len(lay.record_lines) else 4)

    props = doc.core_properties
    stamp = dt.datetime(issued_on.year, issued_on.month, issued_on.day, tzinfo=dt.UTC)
    props.created = props.modified = props.last_printed = stamp
    props.author = props.last_modified_by = lay.organ
    props.title = f"{lay.title} {lay.doc_number}"
    props.subject = lay.kind
    props.revision = 1
    props.comments = f"generated by xinfang; {lay.signoff}"  # who signed: metadata, not print
    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())
