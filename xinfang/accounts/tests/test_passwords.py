"""等保 2.0 password complexity where Django validates passwords: ≥ 10 characters from ≥ 3 of 4 classes.
The demo/test accounts are created without validation and still sign in."""

from __future__ import annotations

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from xinfang.accounts.passwords import CharacterClassValidator, character_classes
from xinfang.accounts.services import user_create
from xinfang.demo.build import DEMO_PASSWORD


@pytest.mark.parametrize(
    ("password", "classes"),
    [
        ("abcdefghij", 1),
        ("abcdeFGHIJ", 2),
        ("abcde12345", 2),
        ("abcDE12345", 3),
        ("ab-DE_12 信访", 4),
        ("", 0),
    ],
)
def test_character_classes(password, classes):
    assert character_classes(password) == classes


def test_the_validator_wants_three_classes():
    validator = CharacterClassValidator()
    validator.validate("Xinfang2026")  # upper, lower, digit
    validator.validate("xinfang-2026")  # lower, digit, symbol
    with pytest.raises(ValidationError) as caught:
        validator.validate("xinfang-demo")  # lower and symbol only
    assert caught.value.error_list[0].code == "password_too_simple"
    assert "至少 3 类" in caught.value.messages[0]


@pytest.mark.parametrize(
    "password",
    [
        "Ab1-short",  # 9 characters
        "xinfangdemo1",  # two classes
        "1234567890",  # numeric (and one class)
        "Password123",  # common
        DEMO_PASSWORD,  # two classes: fine for the demo, refused for a real account
    ],
)
def test_weak_passwords_are_refused_where_django_validates(password, db):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_strong_password_passes_and_the_forms_use_the_validators(world):
    validate_password("Qiu-ju 2026 打官司")
    user = world.users["registrar"]
    form = SetPasswordForm(user, {"new_password1": "xinfang-demo", "new_password2": "xinfang-demo"})
    assert not form.is_valid() and "new_password2" in form.errors
    form = SetPasswordForm(user, {"new_password1": "Qiu-ju-2026!", "new_password2": "Qiu-ju-2026!"})
    assert form.is_valid()


def test_demo_accounts_created_by_the_service_still_sign_in(world):
    """user_create/set_password do not validate: the demo logins (password xinfang-demo) keep working."""
    user_create(username="dengji2", password=DEMO_PASSWORD, full_name="演示", unit=None, roles=["registrar"])
    client = Client()
    answer = client.post(
        "/login/", {"username": "dengji2", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert answer.status_code == 302
