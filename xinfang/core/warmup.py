"""Load at a worker's start what the first request of each kind would otherwise load while a person waits:
the CJK font the issued PDFs embed (a 受理 or 签发 renders one; the font took 1.3–6 s on the first document of
a worker, then ~0.1 s), the category model and the 判重 term index (the 登记 form's first suggestion) and
jieba's dictionary. Each is best-effort: a deployment without a trained model or without the font still starts
(the pages that need them say so). Called from ``config/wsgi.py``; ``XINFANG_WARM_UP=0`` turns it off."""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)


def warm_up() -> dict[str, float]:
    """Load each piece once; returns the seconds each took (for the log and the test)."""
    took: dict[str, float] = {}

    def step(name: str, load) -> None:
        started = time.perf_counter()
        try:
            load()
        except Exception:
            log.warning("warm-up of %s failed", name, exc_info=True)
        took[name] = round(time.perf_counter() - started, 3)

    from xinfang.documents.fonts import pdf_cjk_font
    from xinfang.documents.samples import SAMPLES
    from xinfang.documents.store import render
    from xinfang.nlp.segment import cut
    from xinfang.smart import engine

    step("pdf_font", pdf_cjk_font)
    # One document rendered in memory (nothing stored): python-docx, reportlab's layout and the templates'
    # code paths are then loaded too, not only the font.
    step("sample_document", lambda: render(next(iter(SAMPLES.values()))()))
    step("category_model", engine.classifier)
    step("dedup_terms", engine.load_dedup_terms)
    step("jieba", lambda: cut("信访事项登记"))
    log.info("warm-up: %s", took)
    return took
