"""Choice of the CJK font for PDF output.

Why this order:
1. A TrueType-outline (glyf) CJK font found on the system is *embedded* (subset) with
   ``reportlab.pdfbase.ttfonts.TTFont``: the PDF then looks the same on every viewer and can be archived.
   ``XINFANG_CJK_FONT=/path/font.ttf[:subfont-index]`` forces one.
2. reportlab cannot embed PostScript/CFF outlines. Debian's ``fonts-noto-cjk`` ships Noto Sans/Serif CJK
   as CFF-based ``.ttc`` files, so ``TTFont(..., subfontIndex=i)`` fails on them with "postscript outlines
   are not supported" — they are tried, but normally rejected.
3. Fallback: the built-in Adobe CID font ``STSong-Light`` (``UnicodeCIDFont``, Adobe-GB1, UniGB-UCS2-H).
   It needs no font file and is *not embedded*: the viewer supplies a Song (宋体) face — Acrobat/Foxit/WPS
   use their Chinese Song font, poppler substitutes a system CJK font via fontconfig. Text stays
   extractable (ToUnicode via the standard CMap) and the output is byte-identical on every machine.

Decision (issue 3): an issued 意见书 must look the same on every viewer and stay legible in the archive, so
the PDF embeds its font. The project's set-up (``make test`` / ``make chromium``) installs Debian's
``fonts-arphic-uming`` — "AR PL UMing CN", a Song (明体) face with TrueType outlines covering about 26,800
characters incl. 〇 and the rarer name characters — and it is found at its known path, at render time,
without network. Not chosen: ``fonts-arphic-gbsn00lp`` (GB 2312 only: no 〇, no 堃/喆), the Noto CJK faces
from Debian or PyPI (CFF outlines, which reportlab cannot embed), a 仿宋 face (no free simplified-Chinese
FangSong with TrueType outlines is packaged). The Word file names 仿宋/黑体/方正小标宋简体 instead, which
Chinese government desktops have. Without the package the STSong-Light fallback below is used, and
``RenderedDocument.pdf_font`` says so.

The chosen font is cached per process; ``RenderedDocument.pdf_font`` records which one was used, since the
PDF hash depends on it.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

FALLBACK_CID_FONT = "STSong-Light"
# Characters every document uses; a font missing any of them would print tofu boxes.
COVERAGE_SAMPLE = "信访事项处理意见书受理告知〔〕〇一二三四五六七八九十：；，。（）“”《》、印章签发人复查核"
# Serif (宋/明) faces first: the 公文 body face is 仿宋/宋体, a sans face looks unofficial.
_PREFERRED = re.compile(r"(uming|song|sung|ming|serif|simsun|fang|kai)", re.IGNORECASE)
_SIMPLIFIED = re.compile(r"(\bCN\b|\bSC\b|GB|Simplified)")
_KNOWN_PATHS = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/simfang.ttf",
)


@dataclass(frozen=True)
class PdfFont:
    name: str  # reportlab font name to use with setFont
    embedded: bool
    path: str = ""
    subfont: int = 0

    def describe(self) -> str:
        return (
            f"{self.name} (embedded from {self.path}#{self.subfont})"
            if self.embedded
            else f"{self.name} (CID, not embedded)"
        )


def _candidates() -> list[str]:
    found: list[str] = []
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
        found = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
    except (OSError, subprocess.SubprocessError):
        found = []
    found += [p for p in _KNOWN_PATHS if os.path.exists(p)]
    seen: set[str] = set()
    ordered = [p for p in found if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]
    ordered.sort(key=lambda p: 0 if _PREFERRED.search(os.path.basename(p)) else 1)
    return [p for p in ordered if p.lower().endswith((".ttf", ".ttc", ".otf"))]


def _covers(font: TTFont, sample: str = COVERAGE_SAMPLE) -> bool:
    cmap = font.face.charToGlyph
    return all(ord(ch) in cmap for ch in sample)


def _try_ttf(path: str, index: int | None) -> PdfFont | None:
    indices = [index] if index is not None else list(range(8 if path.lower().endswith(".ttc") else 1))
    usable: list[tuple[int, TTFont]] = []
    for i in indices:
        name = f"XinfangCJK-{os.path.basename(path).split('.')[0]}-{i}"
        try:
            font = TTFont(name, path, subfontIndex=i)
        except Exception:  # noqa: S112 - TTFError for CFF outlines, an error past the last subfont
            continue
        if _covers(font):
            usable.append((i, font))
    if not usable:
        return None
    # In a collection prefer the simplified-Chinese member (e.g. "AR PL UMing CN" over "… TW").
    simplified = [u for u in usable if _SIMPLIFIED.search(str(getattr(u[1].face, "familyName", "")))]
    i, font = (simplified or usable)[0]
    pdfmetrics.registerFont(font)
    return PdfFont(name=font.fontName, embedded=True, path=path, subfont=i)


@functools.lru_cache(maxsize=1)
def pdf_cjk_font() -> PdfFont:
    forced = os.environ.get("XINFANG_CJK_FONT", "").strip()
    if forced:
        forced_path, _, forced_index = forced.partition(":")
        chosen = _try_ttf(forced_path, int(forced_index) if forced_index else None)
        if chosen:
            return chosen
    if os.environ.get("XINFANG_CJK_FONT_EMBED", "1") != "0":
        for path in _candidates():
            chosen = _try_ttf(path, None)
            if chosen:
                return chosen
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return PdfFont(name=FALLBACK_CID_FONT, embedded=False)
