"""The ``xinfang`` console command: Django's management commands with the project's settings.

``xinfang runserver``, ``xinfang demo``, ``xinfang deadline …``, ``xinfang nlp …`` — anything
``manage.py`` knows. ``nlp`` runs without Django when the text package is used on its own; ``serve`` (the
production web server) runs ``config.settings.production`` unless DJANGO_SETTINGS_MODULE is set.
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
    if len(argv) > 1 and argv[1] == "serve":
        # The production server runs production settings (DEBUG off, keys from the environment, checked);
        # everything else defaults to the local/demo settings. serve itself refuses DEBUG and dev keys too.
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
        if "--allow-dev-keys" in argv[2:]:
            # Read by the settings, which load before the command parses its arguments.
            os.environ["XINFANG_ALLOW_DEV_KEYS"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xinfang", *argv[1:]])


if __name__ == "__main__":
    main()
