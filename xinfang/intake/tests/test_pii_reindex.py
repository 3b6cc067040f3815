"""``xinfang pii_reindex``: after a switch of XINFANG_BLIND_INDEX_ALGORITHM the stored look-up hashes are
recomputed from the ciphertexts, so a returning petitioner is found again — by ID number, and by phone and
name — with one audit event for the run."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from xinfang.audit.models import Event
from xinfang.core import crypto
from xinfang.intake.models import Petitioner
from xinfang.intake.petitioners import petitioner_known, petitioner_sealed
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import id_number, register

WITH_ID = PetitionerInput(name="周九", id_number=id_number(71), phone="13900007101", address="某路9号")
PHONE_ONLY = PetitionerInput(name="吴十", phone="+86 139-0000-7102", address="某路11号")
NOBODY = PetitionerInput(name="郑一", address="某路10号")  # neither hash: nothing to look up by


@pytest.fixture(autouse=True)
def _defaults(settings):
    """Start from the default algorithms whatever the environment chose (the suite also runs with
    XINFANG_PII_ALGORITHM=sm4 XINFANG_BLIND_INDEX_ALGORITHM=hmac-sm3)."""
    settings.XINFANG_PII_ALGORITHM = "fernet"
    settings.XINFANG_BLIND_INDEX_ALGORITHM = "hmac-sha256"


def _known(data: PetitionerInput) -> Petitioner | None:
    return petitioner_known(data=data, sealed=petitioner_sealed(data))


def _reindex(*args: str) -> str:
    out = StringIO()
    call_command("pii_reindex", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("pii_algorithm", ["fernet", "sm4"])
def test_switching_to_hmac_sm3_and_reindexing_keeps_look_ups_working(world, settings, pii_algorithm):
    settings.XINFANG_PII_ALGORITHM = pii_algorithm  # the hashes are recomputed from either kind of ciphertext
    register(world, petitioners=[WITH_ID])
    register(world, petitioners=[PHONE_ONLY])
    register(world, petitioners=[NOBODY])
    before = {name: _known(data) for name, data in (("with_id", WITH_ID), ("phone_only", PHONE_ONLY))}
    assert all(before.values())

    settings.XINFANG_BLIND_INDEX_ALGORITHM = "hmac-sm3"
    # The mixed state the command exists for: the stored hashes are SHA-256, the look-ups now SM3.
    assert _known(WITH_ID) is None and _known(PHONE_ONLY) is None
    with pytest.raises(CommandError, match="2 / 3 名信访人的检索哈希不是按 hmac-sm3 计算的"):
        _reindex("--check")

    assert "重新计算 3 名信访人的检索哈希，其中 2 名有变化" in _reindex("--batch", "2")

    assert _known(WITH_ID) == before["with_id"]
    assert _known(PHONE_ONLY) == before["phone_only"]
    person = Petitioner.objects.get(pk=before["with_id"].pk)  # type: ignore[union-attr]
    assert person.id_number_enc.startswith("sm4:" if pii_algorithm == "sm4" else "gAAAA")
    assert person.id_number_hash == crypto.blind_index("id_number", WITH_ID.id_number)
    assert (
        person.id_number_hash
        == crypto.hmac_sm3(
            settings.XINFANG_BLIND_INDEX_KEY.encode(), f"id_number:{WITH_ID.id_number}".encode()
        ).hex()[:40]
    )
    assert Petitioner.objects.get(name="郑一").id_number_hash == ""
    event = Event.objects.get(verb="pii.reindexed")
    assert event.subject_type == "intake.petitioner" and event.subject_id == "0"
    assert event.new == {"algorithm": "hmac-sm3", "rows": 3, "changed": 2}
    assert "3 名信访人的检索哈希均已按 hmac-sm3 计算" in _reindex("--check")


def test_reindexing_again_changes_nothing_and_switching_back_restores_the_old_hashes(world, settings):
    register(world, petitioners=[WITH_ID])
    sha256 = Petitioner.objects.values_list("id_number_hash", "phone_hash").get()
    settings.XINFANG_BLIND_INDEX_ALGORITHM = "hmac-sm3"
    _reindex()
    sm3 = Petitioner.objects.values_list("id_number_hash", "phone_hash").get()
    assert sm3 != sha256 and all(len(h) == 40 for h in sm3)
    assert "其中 0 名有变化" in _reindex()
    assert Petitioner.objects.values_list("id_number_hash", "phone_hash").get() == sm3
    settings.XINFANG_BLIND_INDEX_ALGORITHM = "hmac-sha256"
    _reindex()
    assert Petitioner.objects.values_list("id_number_hash", "phone_hash").get() == sha256
    assert Event.objects.filter(verb="pii.reindexed").count() == 3


def test_a_missing_key_stops_the_run_with_a_message(world, settings):
    register(world, petitioners=[WITH_ID])
    settings.XINFANG_BLIND_INDEX_ALGORITHM = "hmac-sm3"
    settings.XINFANG_PII_KEYS = [Fernet.generate_key().decode()]  # not the key that wrote the data
    with pytest.raises(CommandError, match="无法解密"):
        _reindex()
    assert not Event.objects.filter(verb="pii.reindexed").exists()


@pytest.mark.django_db
def test_nothing_on_record_writes_no_event():
    assert "重新计算 0 名信访人" in _reindex()
    assert not Event.objects.filter(verb="pii.reindexed").exists()
