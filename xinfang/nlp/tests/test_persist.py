from __future__ import annotations

import json
from pathlib import Path

import pytest

from xinfang.nlp import ModelLoadError, NlpError, persist
from xinfang.nlp.classify import KIND, CategoryClassifier

from .conftest import toy_rows


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = toy_rows()
    clf = CategoryClassifier().fit([t for t, _ in rows], [y for _, y in rows], calibrate=False)
    path = tmp_path_factory.mktemp("m") / "category.model"
    fp = persist.fingerprint(rows)
    clf.save(str(path), fingerprint=fp, metrics={"macro_f1": 1.0})
    return path


def test_roundtrip_and_header(model_file: Path) -> None:
    clf = CategoryClassifier.load(str(model_file))
    assert clf.predict_one("公司拖欠工资").label == "劳动和社会保障"
    h = persist.read_header(model_file)
    assert h["kind"] == KIND and h["format_version"] == persist.FORMAT_VERSION
    assert len(h["training_fingerprint"]) == 64 and h["metrics"] == {"macro_f1": 1.0}
    assert h["package_version"] and h["created_at"]


def _rewrite(src: Path, dst: Path, fn) -> Path:  # type: ignore[no-untyped-def]
    dst.write_bytes(fn(src.read_bytes()))
    return dst


def test_corrupted_payload(model_file: Path, tmp_path: Path) -> None:
    def flip(b: bytes) -> bytes:
        arr = bytearray(b)
        arr[-100] ^= 0xFF
        return bytes(arr)

    bad = _rewrite(model_file, tmp_path / "flip.model", flip)
    with pytest.raises(ModelLoadError, match="checksum"):
        CategoryClassifier.load(str(bad))


def test_truncated(model_file: Path, tmp_path: Path) -> None:
    bad = _rewrite(model_file, tmp_path / "trunc.model", lambda b: b[: len(b) // 2])
    with pytest.raises(ModelLoadError):
        CategoryClassifier.load(str(bad))


def test_other_format_version(model_file: Path, tmp_path: Path) -> None:
    def bump(b: bytes) -> bytes:
        head, _, rest = b[len(persist.MAGIC) :].partition(b"\n")
        h = json.loads(head)
        h["format_version"] = 999
        return persist.MAGIC + json.dumps(h).encode() + b"\n" + rest

    bad = _rewrite(model_file, tmp_path / "v999.model", bump)
    with pytest.raises(ModelLoadError, match="999"):
        CategoryClassifier.load(str(bad))


@pytest.mark.parametrize("content", [b"", b"not a model", persist.MAGIC + b"{broken json\n" + b"x"])
def test_garbage_files(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "g.model"
    p.write_bytes(content)
    with pytest.raises(ModelLoadError):
        CategoryClassifier.load(str(p))


def test_missing_file_and_wrong_kind(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError):
        CategoryClassifier.load(str(tmp_path / "nope.model"))
    other = tmp_path / "other.model"
    persist.save({"x": 1}, other, kind="something-else")
    with pytest.raises(ModelLoadError, match="something-else"):
        CategoryClassifier.load(str(other))
    assert issubclass(ModelLoadError, NlpError)


def test_default_model_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XINFANG_MODEL_DIR", raising=False)
    assert persist.default_model_path() == Path("var/models/category.model")
    monkeypatch.setenv("XINFANG_MODEL_DIR", str(tmp_path))
    assert persist.default_model_path() == tmp_path / "category.model"
