"""Official documents of the petition lifecycle (《信访工作条例》2022), rendered as Word and PDF.

Pure Python (python-docx, reportlab); imports no Django models, so it can become an app later and is used
from services, batch jobs and tests alike.

    from xinfang.documents import OpinionLetter, render
    doc = render(OpinionLetter(...))        # validates on construction (DocumentError with .code)
    doc.docx_bytes, doc.pdf_bytes, doc.sha256_pdf, doc.text
"""

from __future__ import annotations

from .cndate import arabic_date, hanzi_date
from .errors import DocumentError
from .kinds import (
    ALL_KINDS,
    CHANNEL_ITEM,
    DECISIONS,
    REVIEW_OUTCOMES,
    CompletionReport,
    DocumentInput,
    ExtensionNotice,
    LegalChannelNotice,
    NoticeOfAcceptance,
    OpinionLetter,
    RecheckOpinion,
    ReviewOpinion,
)
from .layout import Layout, layout_for
from .store import RenderedDocument, render

__all__ = [
    "ALL_KINDS",
    "CHANNEL_ITEM",
    "DECISIONS",
    "REVIEW_OUTCOMES",
    "CompletionReport",
    "DocumentError",
    "DocumentInput",
    "ExtensionNotice",
    "Layout",
    "LegalChannelNotice",
    "NoticeOfAcceptance",
    "OpinionLetter",
    "RecheckOpinion",
    "RenderedDocument",
    "ReviewOpinion",
    "arabic_date",
    "hanzi_date",
    "layout_for",
    "render",
]
