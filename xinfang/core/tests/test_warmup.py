"""A worker loads the PDF font (and the models) at start, so the first 受理 or 签发 of a worker renders its
document in the time of the later ones (issue 21, item 10: 1.3–6 s on a worker's first document)."""

from xinfang.core.warmup import warm_up
from xinfang.documents.fonts import pdf_cjk_font


def test_warm_up_loads_the_font_once_and_survives_missing_models(settings, tmp_path) -> None:
    settings.XINFANG_MODEL_DIR = tmp_path  # no trained model here: the warm-up goes on regardless
    pdf_cjk_font.cache_clear()
    took = warm_up()
    assert set(took) == {"pdf_font", "sample_document", "category_model", "dedup_terms", "jieba"}
    assert pdf_cjk_font.cache_info().currsize == 1  # the first document will find it loaded


def test_the_wsgi_module_warms_up_unless_told_not_to(monkeypatch) -> None:
    import gc
    import importlib
    import sys

    import xinfang.core.warmup as warmup

    calls: list[int] = []
    monkeypatch.setattr(warmup, "warm_up", lambda: calls.append(1) or {})
    monkeypatch.setattr(gc, "freeze", lambda: None)  # not in the test process
    monkeypatch.delitem(sys.modules, "config.wsgi", raising=False)
    importlib.import_module("config.wsgi")
    assert calls == [1]
    monkeypatch.setenv("XINFANG_WARM_UP", "0")
    importlib.reload(sys.modules["config.wsgi"])
    assert calls == [1]
