"""Password policy (等保 2.0 三级): each user changes their own password at /account/password/ — the old one
required, the validators applied, the current one refused, audited without the password — and a password older
than XINFANG_PASSWORD_MAX_AGE_DAYS sends its owner there before anything else, except sign-out, the second
factor's pages, static files and the API; 0 turns that off. Existing accounts are dated by the migration."""

from __future__ import annotations

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.password_age import password_expired
from xinfang.accounts.services import user_create
from xinfang.audit.models import Event

PASSWORD = "pw-test-123"  # the factories' password
NEW = "Qiu-ju-2026!"
OFFICE = "10.1.2.3"


def signed_in(username: str = "registrar") -> Client:
    client = Client()
    answer = client.post("/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR=OFFICE)
    assert answer.status_code == 302 and SESSION_KEY in client.session
    return client


def age(user: User, days: int) -> None:
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=days))


def change(client: Client, old: str, new: str, again: str | None = None, next_url: str = ""):
    return client.post(
        "/account/password/",
        {"old_password": old, "new_password1": new, "new_password2": again or new, "next": next_url},
    )


def events(user: User) -> list[Event]:
    return list(Event.objects.filter(verb="accounts.password_changed", subject_id=str(user.pk)))


def test_every_set_password_dates_the_password(world):
    user = world.users["registrar"]
    assert user.password_changed_at is not None
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
    age(user, 10)
    user.refresh_from_db()
    user.set_password("anything")
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)


def test_the_page_changes_the_password_and_audits_it_without_the_password(world):
    user = world.users["registrar"]
    age(user, 10)
    client = signed_in()
    page = client.get("/account/password/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "修改密码" in body and 'name="old_password"' in body and "密码已超过" not in body

    answer = change(client, PASSWORD, NEW, next_url="/matters/")
    assert answer.status_code == 302 and answer["Location"] == "/matters/"
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
    # This session stays signed in; the old password no longer signs in.
    assert client.get("/").status_code == 200
    refused = Client().post("/login/", {"username": "registrar", "password": PASSWORD}, REMOTE_ADDR=OFFICE)
    assert refused.status_code == 200 and SESSION_KEY not in refused.wsgi_request.session

    (event,) = events(user)
    assert event.actor_id == user.pk and event.new["ip"] == "127.0.0.1"
    stored = f"{event.old} {event.new} {event.reason}"
    assert NEW not in stored and PASSWORD not in stored and user.password not in stored


@pytest.mark.parametrize(
    ("old", "new", "again", "field"),
    [
        ("wrong-password", NEW, None, "old_password"),  # the old password is required
        (PASSWORD, "xinfang-demo", None, "new_password2"),  # too simple: the project's validators
        (PASSWORD, "short", None, "new_password2"),
        (PASSWORD, NEW, "Qiu-ju-2027!", "new_password2"),  # the two differ
    ],
)
def test_the_page_refuses(world, old, new, again, field):
    user = world.users["registrar"]
    client = signed_in()
    answer = change(client, old, new, again)
    assert answer.status_code == 200
    assert answer.context["form"].errors[field]
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and events(user) == []


def test_the_current_password_cannot_be_kept(world):
    strong = "Xinfang-2026-ok"
    user_create(username="keeper", password=strong, full_name="留", unit=None, roles=["registrar"])
    client = Client()
    client.post("/login/", {"username": "keeper", "password": strong}, REMOTE_ADDR=OFFICE)
    answer = change(client, strong, strong)
    assert answer.status_code == 200
    assert "新密码不能与当前密码相同。" in answer.context["form"].errors["new_password2"]


def test_signed_out_users_go_to_sign_in(db):
    answer = Client().get("/account/password/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


def test_an_expired_password_sends_its_owner_to_the_change_page(world):
    user = world.users["registrar"]
    client = signed_in()
    age(user, 91)
    answer = client.get("/matters/?q=1")
    assert answer.status_code == 302
    assert answer["Location"] == "/account/password/?next=%2Fmatters%2F%3Fq%3D1"
    assert client.post("/route/batch/", {})["Location"] == "/account/password/"
    page = client.get(answer["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and "密码已超过90天未更换，请先修改密码" in body
    assert "待办" not in body  # no workspace menu: every link of it would lead back here

    # Exempt: the change page itself, the second factor's pages, static files, sign-out.
    assert client.get("/account/2fa/").status_code == 200
    assert client.get("/login/otp/").status_code == 302  # nothing owed: it sends on, not to the change page
    assert client.get("/static/css/app.css").status_code != 302  # served (or 404 in tests), not redirected

    done = change(client, PASSWORD, NEW, next_url="/matters/?q=1")
    assert done["Location"] == "/matters/?q=1"
    assert client.get("/matters/").status_code == 200

    age(user, 91)
    assert client.post("/logout/").status_code == 200  # signed out, not sent to the change page
    assert SESSION_KEY not in client.session


def test_exactly_ninety_days_is_not_yet_expired(world):
    user = world.users["registrar"]
    age(user, 89)
    user.refresh_from_db()
    assert not password_expired(user)
    age(user, 91)
    user.refresh_from_db()
    assert password_expired(user)


def test_the_api_is_not_affected(world):
    _, raw = world.token()
    age(world.users["registrar"], 400)
    assert Client().get("/api/v1/matters", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    client = signed_in()
    assert client.get("/api/v1/matters").status_code == 200
    assert client.get("/api/v1/matters", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_zero_turns_expiry_off(world, settings):
    settings.XINFANG_PASSWORD_MAX_AGE_DAYS = 0
    age(world.users["registrar"], 4000)
    assert signed_in().get("/matters/").status_code == 200


def test_a_shorter_age_is_named_in_the_notice(world, settings):
    settings.XINFANG_PASSWORD_MAX_AGE_DAYS = 30
    age(world.users["registrar"], 31)
    page = signed_in().get("/matters/", follow=True)
    assert "密码已超过30天未更换，请先修改密码" in page.content.decode()


def test_an_undated_password_is_not_expired(world):
    User.objects.filter(pk=world.users["registrar"].pk).update(password_changed_at=None)
    assert signed_in().get("/matters/").status_code == 200


def test_fresh_accounts_the_demo_and_the_fixtures_are_not_redirected(world):
    user_create(username="dengji9", password="xinfang-demo", full_name="演示", unit=None, roles=["registrar"])
    client = Client()
    client.post("/login/", {"username": "dengji9", "password": "xinfang-demo"}, REMOTE_ADDR=OFFICE)
    assert client.get("/").status_code == 200
    assert signed_in().get("/").status_code == 200


def test_the_migration_dates_existing_accounts_to_its_run(world):
    """Null — an account from before the field — becomes now: nobody is locked out by the upgrade; an
    account that has a date keeps it."""
    migration = importlib.import_module("xinfang.accounts.migrations.0002_user_password_changed_at")
    old, dated = world.users["registrar"], world.users["handler"]
    User.objects.filter(pk=old.pk).update(password_changed_at=None)
    age(dated, 200)
    before = timezone.now()
    # The function the migration runs, on the test database (a schema editor cannot open inside the test's
    # transaction on SQLite; the function only reads its connection).
    migration.date_existing_passwords(apps, SimpleNamespace(connection=connection))
    old.refresh_from_db()
    dated.refresh_from_db()
    assert old.password_changed_at is not None and old.password_changed_at >= before
    assert not password_expired(old)
    assert timezone.now() - dated.password_changed_at > timedelta(days=199)
