"""Password complexity for staff accounts: 等保 2.0 level 3 (GB/T 22239-2019 §8.1.4.1 a) asks that
"身份鉴别信息具有复杂度要求" — here at least 10 characters (MinimumLengthValidator) from at least 3 of 4
character classes (this module), besides Django's common-password and user-similarity checks.

Run wherever Django validates a password (``validate_password``): the admin's add-user and change-password
forms, ``changepassword``, ``createsuperuser``. ``user_create`` and ``set_password`` do not validate, so the
demo accounts (password ``xinfang-demo``) and the test fixtures keep working.

A changed password must differ from the current one (``NotCurrentPasswordValidator``): a "change" that keeps
it would restart its age (xinfang/accounts/password_age.py) without changing anything.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


def character_classes(password: str) -> int:
    """How many of the four classes the password uses: lower-case and upper-case ASCII letters, digits, and
    anything else (symbols, spaces, Chinese characters)."""
    return sum(
        (
            any("a" <= c <= "z" for c in password),
            any("A" <= c <= "Z" for c in password),
            any("0" <= c <= "9" for c in password),
            any(not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9") for c in password),
        )
    )


class CharacterClassValidator:
    """At least ``min_classes`` of the four character classes (default 3 of 4)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、符号四类中的至少 {self.min_classes} 类。"


class NotCurrentPasswordValidator:
    """The new password is not the account's current one."""

    def validate(self, password: str, user: Any = None) -> None:
        encoded = getattr(user, "password", None)
        # The hashers' check_password, not user.check_password: that one may re-hash and save the user.
        if encoded and check_password(password, encoded):
            raise ValidationError("新密码不能与当前密码相同。", code="password_unchanged")

    def get_help_text(self) -> str:
        return "新密码不能与当前密码相同。"
