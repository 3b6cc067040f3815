"""A session cookie with a NUL in it (legal on the wire, decoded by the cookie parser) made every page a 500
on PostgreSQL; it is now simply not a session."""

from django.test import Client


def test_a_nul_in_the_session_cookie_is_no_error(world) -> None:
    client = Client(HTTP_COOKIE='sessionid="abcdefgh\\000ijkl"; csrftoken="x\\000y"')
    for path in ("/login/", "/portal/", "/api/v1/matters"):
        assert client.get(path).status_code in (200, 302, 401), path
    signed_in = Client()
    signed_in.force_login(world.users["registrar"])
    assert signed_in.get("/").status_code == 200  # ordinary cookies untouched
