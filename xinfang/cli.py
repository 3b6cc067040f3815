"""The ``xinfang`` console command: Django's management commands with the project's settings.

``xinfang runserver``, ``xinfang demo``, ``xinfang deadline …``, ``xinfang nlp …`` — anything
``manage.py`` knows. ``nlp`` runs without Django when the text package is used on its own; ``serve`` (the
production web server) runs ``config.settings.production`` unless DJANGO_SETTINGS_MODULE is set. A command
that needs the tables refuses to run on a database with unapplied migrations, saying what to run (exit 2).
"""

from __future__ import annotations

import os
import sys
from typing import Any

# Commands that need no table, or make the tables themselves: they create or show the schema, open a prompt,
# check settings, copy static files or build their own test database. ``serve`` asks for itself, once, after
# vetting the settings (xinfang/core/management/commands/serve.py).
SCHEMA_NOT_NEEDED = frozenset(
    {
        "migrate",
        "makemigrations",
        "showmigrations",
        "sqlmigrate",
        "squashmigrations",
        "optimizemigration",
        "check",
        "shell",
        "dbshell",
        "help",
        "version",
        "collectstatic",
        "findstatic",
        "diffsettings",
        "test",
        "serve",
    }
)


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
    _execute(argv)


def _schema_guarded(argv: list[str]) -> str | None:
    """The subcommand that must wait for an up-to-date schema, or None (no command, help, or one of
    SCHEMA_NOT_NEEDED)."""
    if len(argv) < 2 or argv[1].startswith("-") or argv[1] in SCHEMA_NOT_NEEDED:
        return None
    if any(arg in ("-h", "--help") for arg in argv[2:]):
        return None
    return argv[1]


def _refuse_if_unmigrated() -> None:
    from django.apps import apps
    from django.db import DatabaseError

    from xinfang.core.schema import (
        UNMIGRATED_EXIT_STATUS,
        UNMIGRATED_MESSAGE,
        unapplied_migrations,
        unmigrated_details,
    )

    if not apps.ready:
        # django.setup() failed, and runserver left the error to its reloader: the command reports it.
        return
    try:
        pending = unapplied_migrations()
    except DatabaseError:
        # Cannot tell (server down, no rights on django_migrations): the command meets the same error and
        # reports it as before — the check never stops a command it could not judge.
        return
    if pending:
        sys.stderr.write(f"{UNMIGRATED_MESSAGE}\n{unmigrated_details(pending)}\n")
        raise SystemExit(UNMIGRATED_EXIT_STATUS)


def _execute(argv: list[str]) -> None:
    """Django's ``execute_from_command_line``, asking about the schema just before a guarded command runs."""
    from django.core.management import ManagementUtility

    guarded = _schema_guarded(argv)

    class Utility(ManagementUtility):
        def fetch_command(self, subcommand: str) -> Any:
            # execute() calls this once it has applied --settings/--pythonpath and run django.setup(), right
            # before the command: the first moment the configured database can be asked.
            command = super().fetch_command(subcommand)
            if subcommand == guarded:
                _refuse_if_unmigrated()
            return command

    Utility(["xinfang", *argv[1:]]).execute()


if __name__ == "__main__":
    main()
