"""Render every sample document to .docx/.pdf and page PNGs for visual review.

    python -m xinfang.documents.preview [OUTDIR]     (default: test-artifacts/documents, git-ignored)

PNG pages come from poppler's ``pdftoppm -png -r 80`` (``apt-get install poppler-utils``); without it only
the .docx/.pdf files are written.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .samples import SAMPLES
from .store import render


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "test-artifacts/documents")
    out.mkdir(parents=True, exist_ok=True)
    pdftoppm = shutil.which("pdftoppm")
    for name, factory in SAMPLES.items():
        doc = render(factory())
        (out / f"{name}.docx").write_bytes(doc.docx_bytes)
        pdf = out / f"{name}.pdf"
        pdf.write_bytes(doc.pdf_bytes)
        line = f"{name}: {doc.title} {doc.doc_number} pdf={doc.sha256_pdf[:12]} docx={doc.sha256_docx[:12]}"
        if pdftoppm:
            for old in out.glob(f"{name}-*.png"):
                old.unlink()
            subprocess.run([pdftoppm, "-png", "-r", "80", str(pdf), str(out / name)], check=True)
            line += f" pages={len(list(out.glob(f'{name}-*.png')))}"
        print(line)
    print(f"font: {doc.pdf_font}; output in {out}")
    if not pdftoppm:
        print("pdftoppm not found: no PNGs (apt-get install poppler-utils)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
