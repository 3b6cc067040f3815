"""Type and litigation screening on the project's own written evaluation set.

    .venv/bin/python bench/nlp_screening.py

Honesty note: the same engineer wrote the examples and the rules. The rules and the small model only ever
used the ``dev`` half; the ``heldout`` half was written first and evaluated once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    from xinfang.nlp.screening import evaluate, packaged_examples

    for split in ("dev", "heldout"):
        rows = packaged_examples(split)
        for use_model in (False, True):
            m = evaluate(rows, use_model=use_model)
            errors = m.pop("errors")
            label = "rules+model" if use_model else "rules only"
            print(
                f"[{split}, {label}] "
                + json.dumps(
                    {k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()}, ensure_ascii=False
                )
            )
        if split == "heldout":
            print(f"held-out errors ({len(errors)}):")
            for e in errors:
                print("  ", json.dumps(e, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
