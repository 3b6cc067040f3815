"""Wrong query codes sent for a matter from other addresses never keep its holder out; one address's brute
force is still stopped (security.py, the query throttles). Before: 8 wrong codes from anywhere locked the
matter for everyone, the holder included."""

from __future__ import annotations

import pytest
from django.test import Client

from xinfang.portal import security

from .helpers import submit, ticket

pytestmark = pytest.mark.django_db

WRONG = "ABCD-EFGH-JKLM"
HOLDER = "192.0.2.7"


def _query(address: str, number: str, code: str, client: Client | None = None):
    client = client or Client(REMOTE_ADDR=address)
    return client.post("/portal/query/", {"number": number, "code": code}, REMOTE_ADDR=address)


def test_fifty_wrong_codes_from_other_addresses_do_not_lock_the_holder_out(portal):
    number, code = ticket(submit(Client(REMOTE_ADDR=HOLDER)))
    answers = [_query(f"10.1.{i // 200}.{i % 200 + 1}", number, WRONG).status_code for i in range(50)]
    assert answers == [400] * 50  # each address's first wrong code is checked (and fails)
    holder = Client(REMOTE_ADDR=HOLDER)
    response = _query(HOLDER, number, code, holder)
    assert response.status_code == 302 and response["Location"] == f"/portal/progress/{number}/"
    assert number in holder.get(response["Location"]).content.decode()


def test_an_attack_spread_over_addresses_is_slowed_to_one_guess_per_address(portal):
    number, code = ticket(submit(Client(REMOTE_ADDR=HOLDER)))
    under_attack = security.query_number_limit().count
    for i in range(under_attack):
        assert _query(f"10.2.0.{i + 1}", number, WRONG).status_code == 400
    # The number is under attack: an address that has failed on it once gets no second guess in the window,
    # even with the right code, while a fresh address still gets its one.
    assert _query("10.2.0.1", number, "BCDE-FGHJ-KLMN").status_code == 429
    assert _query("10.2.0.1", number, code).status_code == 429
    assert _query("10.2.1.1", number, "BCDE-FGHJ-KLMN").status_code == 400
    assert _query("10.2.1.2", number, code).status_code == 302


def test_one_address_brute_force_is_stopped(portal):
    number, code = ticket(submit(Client(REMOTE_ADDR=HOLDER)))
    attacker = "10.3.0.1"
    answers = [_query(attacker, number, f"ABCD-EFGH-JK{c}{c}").status_code for c in "ABCDEFGHJK"]
    allowed = security.query_failure_limit().count
    assert answers == [400] * allowed + [429] * (len(answers) - allowed)
    assert "尝试次数过多，请稍后再试" in _query(attacker, number, code).content.decode()
    assert _query(attacker, number, code).status_code == 429  # stopped for this number, right code or not
    # The holder, elsewhere, is not: the attacker's failures are the attacker's.
    assert _query(HOLDER, number, code).status_code == 302


def test_one_address_cannot_walk_through_numbers(portal, settings):
    settings.XINFANG_PORTAL_QUERIES_PER_10MIN = 4
    number, code = ticket(submit(Client(REMOTE_ADDR=HOLDER)))
    attacker = "10.4.0.1"
    answers = [_query(attacker, f"440300-2026-00{i:04d}", WRONG).status_code for i in range(6)]
    assert answers == [400] * 4 + [429] * 2
    assert _query(attacker, number, code).status_code == 429


def test_a_holder_who_mistypes_a_few_times_still_gets_in(portal):
    number, code = ticket(submit(Client(REMOTE_ADDR=HOLDER)))
    for typo in ("ABCD-EFGH-JKLM", code[:-1] + ("A" if code[-1] != "A" else "B"), "ABCDEFGHJKLN"):
        assert _query(HOLDER, number, typo).status_code == 400
    assert _query(HOLDER, number, code).status_code == 302
