"""Command line for the text layer (exposed by Django as ``xinfang nlp …``; usable alone as
``python -m xinfang.nlp.cli``). Pure argparse, no Django.

    train      --data CSV [--seg CSV] [--out PATH] [--taxonomy CSV]
    eval       --data CSV [--seg CSV] [--folds 5] [--json PATH]
    predict    --input CSV --output CSV [--model PATH]
    duplicates --input CSV --output CSV [--threshold X] [--window-days 365]

Exit codes: 0 ok, 2 a clear input/model problem (message on stderr), never a traceback for NlpError.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from . import persist, training
from .classify import CategoryClassifier, Prediction
from .data import read_rows, row_text
from .errors import DataError, EmptyTextError, NlpError
from .normalize import normalize


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="xinfang nlp", description="智慧信访 text tools")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train the category classifier")
    t.add_argument("--data", required=True)
    t.add_argument("--seg")
    t.add_argument("--out", default=None, help="default: $XINFANG_MODEL_DIR or var/models, /category.model")
    t.add_argument("--taxonomy", help="CSV with a 'label' or 'level1' column; labels outside it are rejected")
    e = sub.add_parser("eval", help="stratified k-fold cross-validation")
    e.add_argument("--data", required=True)
    e.add_argument("--seg")
    e.add_argument("--folds", type=int, default=5)
    e.add_argument("--seed", type=int, default=42)
    e.add_argument("--json")
    pr = sub.add_parser("predict", help="classify and screen messages in a CSV")
    pr.add_argument("--input", required=True)
    pr.add_argument("--output", required=True)
    pr.add_argument("--model", default=None)
    d = sub.add_parser("duplicates", help="find same-matter pairs in a CSV")
    d.add_argument("--input", required=True)
    d.add_argument("--output", required=True)
    d.add_argument("--threshold", type=float, default=None)
    d.add_argument(
        "--window-days",
        type=float,
        default=365.0,
        help="pair only messages at most this many days apart (default 365; 0: no window)",
    )
    return p


def _cmd_train(a: argparse.Namespace) -> int:
    taxonomy = training.load_taxonomy(a.taxonomy) if a.taxonomy else None
    clf, rep = training.train(a.data, a.seg, taxonomy=taxonomy)
    out = Path(a.out) if a.out else persist.default_model_path()
    header = clf.save(str(out), fingerprint=rep["fingerprint"], metrics={"train": rep})
    print(f"trained on {rep['rows']} rows (+{rep['extra_rows_used']} extra) in {rep['train_seconds']} s")
    print(f"saved {out} (sha256 {header['payload_sha256'][:12]}…, fingerprint {rep['fingerprint'][:12]}…)")
    return 0


def _cmd_eval(a: argparse.Namespace) -> int:
    if a.folds < 2:
        raise DataError("--folds must be at least 2")
    rep = training.cross_validate(a.data, a.seg, folds=a.folds, seed=a.seed)
    print(training.format_report(rep))
    if a.json:
        Path(a.json).write_text(json.dumps(rep, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def _cmd_predict(a: argparse.Namespace) -> int:
    from .screening import screen

    clf = CategoryClassifier.load(a.model or str(persist.default_model_path()))
    fields, rows = read_rows(a.input)
    if "text" not in fields and not {"title", "body"} <= set(fields):
        raise DataError(f"{a.input}: needs a 'text' column or 'title' and 'body' columns")
    texts = [row_text(r, fields) for r in rows]
    good = []
    for i, (raw, _title) in enumerate(texts):
        try:
            normalize(raw)
            good.append(i)
        except EmptyTextError:
            continue  # left blank in the output and counted below
    batch = clf.predict([texts[i][0] for i in good], explain=0) if good else []
    preds: dict[int, Prediction] = dict(zip(good, batch, strict=True))
    out_fields = [*fields, "category", "category_score", "top3", "type", "litigation", "channel"]
    skipped = 0
    with open(a.output, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=out_fields)
        w.writeheader()
        for i, row in enumerate(rows):
            p = preds.get(i)
            if p is None:
                skipped += 1
                w.writerow(
                    {
                        **row,
                        "category": "",
                        "category_score": "",
                        "top3": "",
                        "type": "",
                        "litigation": "",
                        "channel": "",
                    }
                )
                continue
            s = screen(texts[i][0])
            top = p.top
            w.writerow(
                {
                    **row,
                    "category": top[0].label,
                    "category_score": f"{top[0].probability:.4f}",
                    "top3": json.dumps([[c.label, round(c.probability, 4)] for c in top], ensure_ascii=False),
                    "type": s.type,
                    "litigation": int(s.litigation),
                    "channel": s.channel or "",
                }
            )
    print(f"predicted {len(rows) - skipped} rows; {skipped} empty rows left blank → {a.output}")
    return 0


def _epoch(value: str | None) -> float | None:
    if not value or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("/", "-")[:19]).timestamp()
    except ValueError:
        return None


def _cmd_duplicates(a: argparse.Namespace) -> int:
    from .dedup.detector import Doc, DuplicateDetector

    fields, rows = read_rows(a.input)
    need = {"message_id", "title", "body"}
    if not need <= set(fields):
        raise DataError(f"{a.input}: needs columns {sorted(need)} (and ideally user, time); has {fields}")
    docs = [
        Doc(
            r["message_id"],
            r.get("title") or "",
            r.get("body") or "",
            _epoch(r.get("time")),
            r.get("user") or None,
        )
        for r in rows
    ]
    docs = [d for d in docs if (d.title + d.body).strip()]
    det = DuplicateDetector(
        threshold=a.threshold,  # None: the shipped operating threshold
        window_days=a.window_days if a.window_days and a.window_days > 0 else None,
    )
    pairs = det.find(docs)
    with open(a.output, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id_a", "id_b", "score", "reason"])
        for p in pairs:
            reason = {"reasons": p.reasons, "features": p.features, "passages": p.passages}
            w.writerow([p.id_a, p.id_b, f"{p.score:.4f}", json.dumps(reason, ensure_ascii=False)])
    print(f"{len(pairs)} pairs at threshold {det.threshold} among {len(docs)} messages → {a.output}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {
        "train": _cmd_train,
        "eval": _cmd_eval,
        "predict": _cmd_predict,
        "duplicates": _cmd_duplicates,
    }
    try:
        return handlers[args.cmd](args)
    except NlpError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
