"""``render(kind_input) -> RenderedDocument``: both formats, their SHA-256 and the plain text.

The Django side stores ``docx_bytes`` / ``pdf_bytes`` immutably keyed by the hash; rendering is deterministic
(fixed docx core properties and zip timestamps, reportlab ``invariant=1``), so the same input on the same
installation always gives the same hashes. The PDF hash also depends on the CJK font chosen (``pdf_font``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .fonts import pdf_cjk_font
from .kinds import DocumentInput
from .layout import Layout, layout_for
from .render_docx import render_docx
from .render_pdf import render_pdf


@dataclass(frozen=True)
class RenderedDocument:
    kind: str
    title: str
    doc_number: str
    docx_bytes: bytes
    pdf_bytes: bytes
    sha256_docx: str
    sha256_pdf: str
    text: str  # plain text in reading order, for indexing and display
    pdf_font: str  # which CJK font the PDF uses (see fonts.py)

    DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    PDF_MIME = "application/pdf"

    def filename(self, ext: str) -> str:
        """e.g. 信访事项处理意见书-深南住建信意〔2026〕12号.pdf"""
        return f"{self.title}-{self.doc_number}.{ext}"


def render(doc: DocumentInput) -> RenderedDocument:
    lay: Layout = layout_for(doc)
    docx_bytes = render_docx(lay, doc.issued_on)
    pdf_bytes = render_pdf(lay)
    return RenderedDocument(
        kind=lay.kind,
        title=lay.title,
        doc_number=lay.doc_number,
        docx_bytes=docx_bytes,
        pdf_bytes=pdf_bytes,
        sha256_docx=hashlib.sha256(docx_bytes).hexdigest(),
        sha256_pdf=hashlib.sha256(pdf_bytes).hexdigest(),
        text=lay.text(),
        pdf_font=pdf_cjk_font().describe(),
    )
