"""Idle time-out: a staff session ends XINFANG_SESSION_IDLE_MINUTES (30) after its last request; activity
moves the expiry, at most once per XINFANG_SESSION_TOUCH_SECONDS so pages do not each write the session."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from xinfang.accounts.sessions import TOUCHED


def _signed_in(world) -> tuple[Client, Session]:
    client = Client()
    client.force_login(world.users["registrar"])
    return client, Session.objects.get(session_key=client.session.session_key)


def test_the_session_lasts_thirty_idle_minutes_by_default():
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_activity_moves_the_expiry_at_most_once_a_minute(world):
    client, row = _signed_in(world)
    touched = client.session[TOUCHED]  # set at sign-in, which saved the session anyway
    for _ in range(2):  # within the minute: the row is not written again
        assert client.get("/").status_code == 200
        assert Session.objects.get(pk=row.pk).expire_date == row.expire_date

    # A minute and more later (the mark set back): the next page moves the expiry and the cookie.
    session = client.session
    session[TOUCHED] = touched - settings.XINFANG_SESSION_TOUCH_SECONDS
    session.save()
    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() + timedelta(minutes=5))
    response = client.get("/")
    renewed = Session.objects.get(pk=row.pk).expire_date
    assert renewed > timezone.now() + timedelta(minutes=29)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_an_idle_session_has_ended(world):
    client, row = _signed_in(world)
    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    answer = client.get("/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


def test_requests_without_a_session_are_left_alone(world):
    """The API and first visits: no session is loaded or created for them."""
    before = Session.objects.count()
    answer = Client().get("/login/")
    assert answer.status_code == 200 and settings.SESSION_COOKIE_NAME not in answer.cookies
    assert Session.objects.count() == before
