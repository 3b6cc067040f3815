"""The ``xinfang`` console command: Django's management commands with the project's settings.

``xinfang runserver``, ``xinfang demo``, ``xinfang deadline …``, ``xinfang nlp …`` — anything
``manage.py`` knows. ``nlp`` runs without Django when the text package is used on its own.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xinfang", *argv[1:]])


if __name__ == "__main__":
    main()
