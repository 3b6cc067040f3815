"""``xinfang <command>`` on a database that has not been migrated says what to run and exits 2, instead of a
"no such table" traceback; ``xinfang serve`` refuses to start. Each case runs the installed console script
in a fresh process against an empty SQLite database in a temporary XINFANG_VAR_DIR."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from xinfang.cli import _refuse_if_unmigrated, _schema_guarded
from xinfang.core.schema import UNMIGRATED_MESSAGE, unapplied_migrations

ROOT = Path(__file__).resolve().parents[3]
XINFANG = Path(sys.executable).with_name("xinfang")  # the console script of this environment


def _run(var_dir: Path, *args: str, settings: str | None = None) -> subprocess.CompletedProcess[str]:
    """``xinfang args…`` with none of this process's settings or database: SQLite under ``var_dir``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XINFANG_", "DJANGO_", "DATABASE_URL")) and k != "PYTEST_CURRENT_TEST"
    }
    env |= {"XINFANG_VAR_DIR": str(var_dir), "XINFANG_ALLOWED_HOSTS": "127.0.0.1"}
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(XINFANG), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _tables(var_dir: Path) -> list[str]:
    path = var_dir / "xinfang.sqlite3"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def _refused(done: subprocess.CompletedProcess[str]) -> bool:
    return (
        done.returncode == 2
        and done.stderr.startswith(UNMIGRATED_MESSAGE + "\n")
        and "个迁移未执行" in done.stderr
        and "Traceback" not in done.stderr + done.stdout
    )


@pytest.mark.parametrize(
    "args",
    [
        ["demo"],
        ["sweep"],
        ["petitioners", "--user", "dengji"],
        ["smart_train"],
    ],
)
def test_a_command_on_an_empty_database_says_to_migrate(tmp_path: Path, args: list[str]):
    done = _run(tmp_path, *args)
    assert _refused(done), (done.returncode, done.stdout[-2000:], done.stderr[-4000:])
    assert _tables(tmp_path) == []  # nothing was written: the command never ran


def test_half_migrated_is_refused_and_the_schema_commands_always_run(tmp_path: Path):
    # Commands that make or show the schema, or need none, run on the empty database.
    assert _run(tmp_path, "check").returncode == 0
    assert "[ ] 0001_initial" in _run(tmp_path, "showmigrations", "org").stdout
    helped = _run(tmp_path, "demo", "--help")
    assert helped.returncode == 0 and "--if-empty" in helped.stdout

    # Some apps migrated, the rest not: "有未执行的迁移".
    assert _run(tmp_path, "migrate", "org", "-v", "0").returncode == 0
    assert "org_unit" in _tables(tmp_path)
    assert _refused(_run(tmp_path, "sweep"))


@pytest.mark.django_db
def test_a_migrated_database_passes(capsys):
    """The test database is migrated: the check finds nothing and lets the command run."""
    assert unapplied_migrations() == []
    _refuse_if_unmigrated()  # no SystemExit
    assert capsys.readouterr().err == ""


def test_serve_refuses_to_start(tmp_path: Path):
    started = _run(tmp_path, "serve", "--allow-dev-keys", "--bind", "127.0.0.1:0")
    assert started.returncode == 2, started.stdout + started.stderr
    assert UNMIGRATED_MESSAGE in started.stderr and "Traceback" not in started.stderr
    assert "gunicorn" not in started.stdout  # it stopped before printing the command it would run

    # A dry run prints the command and touches no database.
    dry = _run(tmp_path, "serve", "--allow-dev-keys", "--dry-run")
    assert dry.returncode == 0 and "gunicorn config.wsgi:application" in dry.stdout
    assert UNMIGRATED_MESSAGE not in dry.stderr


@pytest.mark.parametrize(
    ("argv", "guarded"),
    [
        (["xinfang", "demo"], "demo"),
        (["xinfang", "sweep", "--loop", "60"], "sweep"),
        (["xinfang", "runserver"], "runserver"),
        (["xinfang"], None),
        (["xinfang", "--version"], None),
        (["xinfang", "demo", "--help"], None),
        (["xinfang", "help", "demo"], None),
        (["xinfang", "migrate"], None),
        (["xinfang", "collectstatic", "--noinput"], None),
        (["xinfang", "serve"], None),  # asks for itself, once (serve.py)
    ],
)
def test_which_commands_wait_for_the_schema(argv: list[str], guarded: str | None):
    assert _schema_guarded(argv) == guarded
