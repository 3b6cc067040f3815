"""PDF rendering of a :class:`Layout` with reportlab, following GB/T 9704-2012《党政机关公文格式》.

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (§5.2.1, 版心 156 × 225 mm); body 三号 (16 pt)
with a fixed line pitch so a page holds 22 lines (§5.2.2); title 二号 (22 pt) centred; 发文字号 centred
空二行 under the red 发文机关标志 with a red separator 4 mm below it (§7.2.3–7.2.6); signature: 成文日期
(Arabic numerals) 右空四字, the organ name centred over it, the seal placeholder above (§7.3.5.2), 附注
below (§7.3.7); 版记 (report only) at the foot of the last page (§7.4); page number "— 1 —" (§7.5). Chinese
line breaking is done here (with 避头尾 rules and justified lines) rather than by reportlab's Paragraph, so
that title and headings can be set in (simulated) bold with the single available face and the output is
fully deterministic. See fonts.py for the font choice.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer

from .fonts import pdf_cjk_font
from .layout import SEAL_PLACEHOLDER, Layout

BODY = 16.0  # 三号
TITLE = 22.0  # 二号
RECORD = 14.0  # 四号, 版记
PITCH = 225 * mm / 22  # 22 lines per page
RED = colors.Color(0.85, 0.0, 0.0)
NO_LINE_START = set("，。、；：？！）】》」』”’〕…—%,.;:!?)]}")
NO_LINE_END = set("（【《「『“‘〔([{")


def _tokens(text: str) -> list[str]:
    """Split into break units: one CJK character each, runs of ASCII letters/digits kept together."""
    out: list[str] = []
    for ch in text:
        if out and ch.isascii() and ch.isalnum() and out[-1][-1].isascii() and out[-1][-1].isalnum():
            out[-1] += ch
        elif out and ch in "-./:" and out[-1][-1].isascii() and out[-1][-1].isalnum():
            out[-1] += ch  # keep 0755-1234, 1.2, URLs together
        else:
            out.append(ch)
    return out


def break_lines(text: str, font: str, size: float, first_width: float, width: float) -> list[str]:
    lines: list[list[str]] = [[]]
    used = 0.0
    for tok in _tokens(text):
        w = stringWidth(tok, font, size)
        avail = first_width if len(lines) == 1 else width
        if used + w > avail + 0.01 and lines[-1]:
            carry: list[str] = []
            # 避头尾: closing punctuation may not start a line, opening punctuation may not end one.
            if tok in NO_LINE_START and len(lines[-1]) > 1:
                carry.append(lines[-1].pop())
            while len(lines[-1]) > 1 and lines[-1][-1] in NO_LINE_END:
                carry.insert(0, lines[-1].pop())
            lines.append(carry)
            used = sum(stringWidth(t, font, size) for t in carry)
        lines[-1].append(tok)
        used += w
    return ["".join(x) for x in lines if x]


class Text(Flowable):  # type: ignore[misc]
    """A paragraph of CJK text: first-line indent, alignment, justified lines, simulated bold, colour."""

    def __init__(
        self,
        text: str,
        size: float = BODY,
        leading: float = PITCH,
        *,
        first_indent: float = 0,
        rest_indent: float = 0,
        align: str = "justify",
        bold: bool = False,
        color: Any = colors.black,
        space_after: float = 0,
    ) -> None:
        super().__init__()
        self.text, self.size, self.leading = text, size, leading
        self.first_indent, self.align, self.bold, self.color = first_indent, align, bold, color
        self.rest_indent = rest_indent  # 悬挂缩进 of wrapped lines (附件说明, §7.3.3)
        self.space_after = space_after
        self.font = pdf_cjk_font().name
        self._lines: list[str] | None = None
        self._lines_width = 0.0
        self._first = True

    def _layout(self, width: float) -> list[str]:
        if self._lines is None or self._lines_width != width:
            self._lines_width = width
            first = width - (self.first_indent if self._first else self.rest_indent)
            self._lines = break_lines(self.text, self.font, self.size, first, width - self.rest_indent)
        return self._lines

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, len(self._layout(aw)) * self.leading + self.space_after

    def split(self, aw: float, ah: float) -> list[Flowable]:
        lines = self._layout(aw)
        n = int(ah // self.leading)
        if n <= 0 or n >= len(lines):
            return []
        return [
            _Part(self, lines[:n], first=self._first, last=False),
            _Part(self, lines[n:], first=False, last=True),
        ]

    def draw(self) -> None:
        self._draw_lines(self._layout(self.width), first=self._first, last=True)

    def _draw_lines(self, lines: list[str], *, first: bool, last: bool) -> None:
        c: Canvas = self.canv
        c.setFillColor(self.color)
        c.setStrokeColor(self.color)
        if self.bold:
            c.setLineWidth(self.size * 0.035)
        y = len(lines) * self.leading + (self.space_after if last else 0)
        for i, line in enumerate(lines):
            y -= self.leading
            indent = self.first_indent if (i == 0 and first) else self.rest_indent
            avail = self.width - indent
            toks = _tokens(line)
            widths = [stringWidth(tok, self.font, self.size) for tok in toks]
            w = sum(widths)
            x = indent
            gap = 0.0
            is_last_line = last and i == len(lines) - 1
            if self.align == "center":
                x = (self.width - w) / 2
            elif self.align == "right":
                x = self.width - w
            elif self.align == "justify" and not is_last_line and len(toks) > 1:
                # 两端对齐: spread the slack over the gaps between break units (ASCII runs stay intact)
                gap = (avail - w) / (len(toks) - 1)
                if not 0 < gap < self.size * 0.6:
                    gap = 0.0
            t = c.beginText()
            t.setFont(self.font, self.size)
            t.setTextRenderMode(2 if self.bold else 0)
            # baseline: the glyphs sit in the middle of the line pitch
            base = y + (self.leading - self.size) / 2 + self.size * 0.12
            for tok, tw in zip(toks, widths, strict=True):
                t.setTextOrigin(x, base)
                t.textOut(tok)
                x += tw + gap
            c.drawText(t)


class _Part(Flowable):  # type: ignore[misc]
    """One page's share of a split Text."""

    def __init__(self, parent: Text, lines: list[str], *, first: bool, last: bool) -> None:
        super().__init__()
        self.parent, self.lines, self.first, self.last = parent, lines, first, last

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, len(self.lines) * self.parent.leading + (self.parent.space_after if self.last else 0)

    def split(self, aw: float, ah: float) -> list[Flowable]:
        n = int(ah // self.parent.leading)
        if n <= 0 or n >= len(self.lines):
            return []
        return [
            _Part(self.parent, self.lines[:n], first=self.first, last=False),
            _Part(self.parent, self.lines[n:], first=False, last=self.last),
        ]

    def draw(self) -> None:
        self.parent.canv, self.parent.width = self.canv, self.width
        self.parent._draw_lines(self.lines, first=self.first, last=self.last)


class Rule(Flowable):  # type: ignore[misc]
    def __init__(self, color: Any, thickness: float, space_before: float, space_after: float) -> None:
        super().__init__()
        self.color, self.thickness, self.before, self.after = color, thickness, space_before, space_after

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, self.before + self.after

    def draw(self) -> None:
        self.canv.setStrokeColor(self.color)
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, self.after, self.width, self.after)


class TwoSided(Flowable):  # type: ignore[misc]
    """发文字号 左空一字 and 签发人 右空一字 on one line (上行文, GB/T 9704-2012 §7.2.4–7.2.5)."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__()
        self.left, self.right, self.font = left, right, pdf_cjk_font().name

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, PITCH

    def draw(self) -> None:
        y = (PITCH - BODY) / 2 + BODY * 0.12
        self.canv.setFont(self.font, BODY)
        self.canv.drawString(BODY, y, self.left)
        self.canv.drawRightString(self.width - BODY, y, self.right)


class SignatureBlock(Flowable):  # type: ignore[misc]
    """Seal placeholder, organ name centred over the date, date 右空四字 (GB/T 9704-2012 §7.3.5.2)."""

    def __init__(self, organ: str, date: str) -> None:
        super().__init__()
        self.organ, self.date, self.font = organ, date, pdf_cjk_font().name

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, 3 * PITCH

    def draw(self) -> None:
        c = self.canv
        right = self.width - 4 * BODY
        wo, wd = (stringWidth(s, self.font, BODY) for s in (self.organ, self.date))
        cx = right - max(wo, wd) / 2
        base = (PITCH - BODY) / 2 + BODY * 0.12
        c.setFillColor(RED)
        c.setFont(self.font, BODY)
        c.drawCentredString(cx, 2 * PITCH + base, SEAL_PLACEHOLDER)
        c.setFillColor(colors.black)
        c.drawCentredString(cx, PITCH + base, self.organ)
        c.drawCentredString(cx, base, self.date)


class RecordBlock(Flowable):  # type: ignore[misc]
    """版记 at the foot of the last page: lines between rules (thick first and last, GB/T 9704 §7.4.1)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines, self.font = lines, pdf_cjk_font().name
        self.needed = len(lines) * RECORD * 2 + 4

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        self.height = ah if ah >= self.needed else self.needed  # take the rest of the frame: sits at the foot
        return aw, self.height

    def draw(self) -> None:
        c, step = self.canv, RECORD * 2
        c.setStrokeColor(colors.black)
        for i, line in enumerate(reversed(self.lines)):
            y0 = i * step
            c.setLineWidth(1.0 if i == 0 else 0.5)
            c.line(0, y0, self.width, y0)
            c.setFont(self.font, RECORD)
            left, _, right = line.partition("　　")
            c.drawString(RECORD, y0 + (step - RECORD) / 2 + 2, left)
            if right:
                c.drawRightString(self.width - RECORD, y0 + (step - RECORD) / 2 + 2, right)
        c.setLineWidth(1.0)
        c.line(0, len(self.lines) * step, self.width, len(self.lines) * step)


def _page_number(canvas: Canvas, doc: Any) -> None:
    # §7.5: "— 1 —" in 四号 Arabic numerals below the 版心; odd pages right, even pages left (空一字).
    n = canvas.getPageNumber()
    canvas.setFont(pdf_cjk_font().name, RECORD)
    y = 35 * mm - 7 * mm - RECORD
    label = f"— {n} —"
    if n % 2:
        canvas.drawRightString(A4[0] - 26 * mm - RECORD, y, label)
    else:
        canvas.drawString(28 * mm + RECORD, y, label)


def story(lay: Layout) -> list[Flowable]:
    ind = 2 * BODY  # 首行缩进二字
    head_size = min(30.0, (156 * mm) / max(len(lay.organ), 1) * 0.92)
    red = RED if lay.red_header else colors.black
    out: list[Flowable] = [
        Text(lay.organ, head_size, head_size * 1.6, align="center", bold=True, color=red),
        Spacer(1, PITCH * 1.4),  # 发文字号 空二行 under the 发文机关标志 (§7.2.4)
    ]
    if lay.header_signer:
        out.append(TwoSided(lay.doc_number, lay.header_signer))
    else:
        out.append(Text(lay.doc_number, align="center"))
    out += [Rule(red, 1.5, 4 * mm, PITCH), Text(lay.title, TITLE, TITLE * 1.6, align="center", bold=True)]
    out += [Spacer(1, PITCH * 0.8), Text(lay.addressee, align="left")]
    out += [Text(p, first_indent=ind) for p in lay.opening]
    for heading, paras in lay.numbered_sections():
        # 一级标题 (黑体 in Word), kept with the first lines of its section
        block: list[Flowable] = [Text(heading, first_indent=ind, bold=True, align="left")]
        block += [Text(p, first_indent=ind) for p in paras]
        out += [KeepTogether(block[:2]), *block[2:]]
    out += [Text(p, first_indent=ind) for p in lay.closing]
    if lay.attachments:
        out.append(Spacer(1, PITCH))
        # 附件：1. name — a wrapped name lines up with the first character of the name above (§7.3.3)
        out += [
            Text(
                f"{'附件：' if i == 1 else '　　　'}{i}. {a}",
                first_indent=ind,
                rest_indent=ind + 3 * BODY + stringWidth(f"{i}. ", pdf_cjk_font().name, BODY),
                align="left",
            )
            for i, a in enumerate(lay.attachments, 1)
        ]
    # The signature never stands alone on a page: it takes the last body paragraph with it (a sealed page
    # without text could be misused; GB/T 9704-2012 §7.3.5.4 says to adjust spacing instead).
    tail = out.pop()
    signed: list[Flowable] = [
        tail,
        Spacer(1, PITCH * 0.5),
        SignatureBlock(lay.signature_organ, lay.signature_date),
    ]
    if lay.note:  # 附注: 居左空二字加圆括号, on the line after the 成文日期 (§7.3.7)
        signed.append(Text(lay.note, first_indent=ind, align="left"))
    out.append(KeepTogether(signed))
    if lay.record_lines:
        out += [Spacer(1, PITCH), RecordBlock(list(lay.record_lines))]
    return out


def render_pdf(lay: Layout) -> bytes:
    buf = io.BytesIO()
    font = pdf_cjk_font()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        title=f"{lay.title} {lay.doc_number}",
        author=lay.organ,
        subject=f"{lay.kind}; {lay.signoff}",  # who signed, in which role: metadata, not print
        creator="xinfang",
        producer="xinfang documents (reportlab)",
        keywords=font.describe(),
        invariant=1,  # fixed /CreationDate and /ID: identical input → identical bytes → identical hash
        showBoundary=0,
    )
    doc.build(story(lay), onFirstPage=_page_number, onLaterPages=_page_number)
    return buf.getvalue()
