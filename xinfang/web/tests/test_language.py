"""The system speaks Chinese whatever language the browser asks for (LANGUAGES is zh-hans only and no
LocaleMiddleware negotiates per request)."""

from django.test import Client


def test_an_english_browser_gets_django_s_own_pages_in_chinese(db):
    reply = Client(headers={"accept-language": "en-US,en;q=0.9"}).get("/admin/login/")
    text = reply.content.decode()
    assert reply.status_code == 200
    assert "登录" in text and "Log in" not in text
