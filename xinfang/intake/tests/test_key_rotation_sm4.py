"""``xinfang rotate_pii_keys`` moves stored personal data between Fernet and SM4: every ciphertext of the
petitioners and of what each contact gave is rewritten under the algorithm now set, after which the other
algorithm's keys are no longer needed to read it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from xinfang.core import crypto
from xinfang.intake.models import ContactPetitioner, Petitioner
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import id_number, register

FIELDS = ("id_number_enc", "phone_enc", "address_enc")
PERSON = PetitionerInput(name="孙八", id_number=id_number(81), phone="13900008101", address="某路8号")


@pytest.fixture(autouse=True)
def _defaults(settings):
    """Start from the default algorithms whatever the environment chose (the suite also runs with
    XINFANG_PII_ALGORITHM=sm4 XINFANG_BLIND_INDEX_ALGORITHM=hmac-sm3)."""
    settings.XINFANG_PII_ALGORITHM = "fernet"
    settings.XINFANG_BLIND_INDEX_ALGORITHM = "hmac-sha256"


def _tokens() -> list[str]:
    rows = [*Petitioner.objects.values_list(*FIELDS), *ContactPetitioner.objects.values_list(*FIELDS)]
    return [token for row in rows for token in row]


def _plain() -> list[str]:
    return sorted(crypto.decrypt(token) for token in _tokens())


def test_rotation_moves_fernet_to_sm4_and_back(world, settings):
    register(world, petitioners=[PERSON])
    plain = _plain()
    assert len(plain) == 6 and all(t.startswith("gAAAA") for t in _tokens())

    settings.XINFANG_PII_ALGORITHM = "sm4"
    call_command("rotate_pii_keys")
    assert all(t.startswith("sm4:") for t in _tokens())
    fernet_keys, settings.XINFANG_PII_KEYS = settings.XINFANG_PII_KEYS, []
    assert _plain() == plain  # read without any Fernet key

    settings.XINFANG_PII_KEYS = fernet_keys
    settings.XINFANG_PII_ALGORITHM = "fernet"
    call_command("rotate_pii_keys")
    assert all(t.startswith("gAAAA") for t in _tokens())
    settings.XINFANG_PII_SM4_KEYS = []
    assert _plain() == plain  # read without any SM4 key
