import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from xinfang.core import crypto
from xinfang.intake.models import Petitioner
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import id_number, register


def test_rotation_reencrypts_under_new_key_and_old_key_can_go(world, settings):
    number = id_number(42)
    register(world, petitioners=[PetitionerInput(name="周九", id_number=number, address="某路9号")])
    old_key = settings.XINFANG_PII_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.XINFANG_PII_KEYS = [new_key, old_key]
    call_command("rotate_pii_keys")
    settings.XINFANG_PII_KEYS = [new_key]  # the old key is retired
    p = Petitioner.objects.get(name="周九")
    assert crypto.decrypt(p.id_number_enc) == number
    assert crypto.decrypt(p.address_enc) == "某路9号"
    settings.XINFANG_PII_KEYS = [old_key]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(p.id_number_enc)
