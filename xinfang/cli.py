"""The ``xinfang`` console command: Django's management commands with the project's settings.

``xinfang runserver``, ``xinfang demo``, ``xinfang deadline …``, ``xinfang nlp …`` — anything
``manage.py`` knows. ``nlp`` runs without Django when the text package is used on its own.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "nlp":
        # The text package needs no Django: train/eval/predict/duplicates run on CSV files directly.
        from xinfang.nlp.cli import main as nlp_main

        raise SystemExit(nlp_main(argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xinfang", *argv[1:]])


if __name__ == "__main__":
    main()
