"""个人信息保护法第四十五、四十六条: a registrar exports everything held about a person, and corrects their
record; each is one audit event, and no one outside the person's matters' sight gets anything."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from xinfang.accounts.services import user_create
from xinfang.audit.models import Event
from xinfang.cases.models import MatterType
from xinfang.core import crypto
from xinfang.core.errors import NotFound, PermissionDenied, ValidationFailed
from xinfang.core.pii import mask_address
from xinfang.intake.models import Petitioner
from xinfang.intake.petitioners import petitioner_known, petitioner_sealed
from xinfang.intake.validation import PetitionerInput
from xinfang.notify.models import Notification
from xinfang.privacy.exports import BOM
from xinfang.privacy.rights import petitioner_correct, petitioner_export, petitioners_find

from .conftest import person, record_of, register_for

ZHANG = person(501, "张三")


@pytest.fixture
def zhang(world):
    """张三 with two matters; the second contact gave another phone."""
    register_for(world, ZHANG)
    other = PetitionerInput(
        name="张三", id_number=ZHANG.id_number, phone="13800005555", address="深圳市福田区新址路2号"
    )
    register_for(
        world, other, title="噪音扰民", request="请求查处噪音", facts="工地夜间施工", reasons="影响休息"
    )
    return record_of(ZHANG)


def test_the_export_holds_the_decrypted_data_and_is_one_event(world, zhang) -> None:
    data = petitioner_export(
        petitioner_id=zhang.pk, actor=world.users["registrar"], reason="本人持身份证当面申请"
    )

    record = data["信访人档案"]
    assert (record["证件号码"], record["联系电话"], record["住址"]) == (
        ZHANG.id_number,
        ZHANG.phone,
        ZHANG.address,
    )
    assert [c["本件所留信息"]["联系电话"] for c in data["信访件"]] == [ZHANG.phone, "13800005555"]
    assert [c["标题"] for c in data["信访件"]][1] == "噪音扰民"
    assert {m["状态"] for m in data["信访事项"]} == {"待分流"} and len(data["信访事项"]) == 2
    # The registration texts went to both numbers; the file shows them masked.
    sent = Notification.objects.filter(audience="petitioner").count()
    assert sent == 2 and len(data["通知"]) == 2
    assert {n["接收人"] for n in data["通知"]} == {"139****0501", "138****5555"}
    text = json.dumps(data, ensure_ascii=False)
    assert "gAAAA" not in text  # no ciphertext anywhere
    event = Event.objects.get(verb="privacy.exported")
    assert event.subject_id == str(zhang.pk) and event.reason == "本人持身份证当面申请"
    assert event.new == {"contacts": 2, "matters": 2, "notifications": 2}
    assert ZHANG.phone not in json.dumps(event.new) + event.reason


def test_a_message_to_someone_else_on_the_same_matter_is_not_in_the_export(world) -> None:
    co = PetitionerInput(name="李四", id_number=person(502).id_number, phone="13700007777", address="深圳")
    from xinfang.testing.factories import register

    register(world, petitioners=[ZHANG, co])
    data = petitioner_export(
        petitioner_id=record_of(ZHANG).pk, actor=world.users["registrar"], reason="本人申请"
    )
    assert [n["接收人"] for n in data["通知"]] == ["139****0501"]


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("auditor", PermissionDenied),
        ("outsider", PermissionDenied),
        ("handler", PermissionDenied),
        ("hz_registrar", NotFound),
    ],
)
def test_only_a_registrar_who_sees_the_person_exports(world, zhang, persona, error) -> None:
    with pytest.raises(error):
        petitioner_export(petitioner_id=zhang.pk, actor=world.users[persona], reason="申请")
    assert not Event.objects.filter(verb="privacy.exported").exists()


def test_holding_the_auditor_role_besides_the_registrar_s_is_not_enough(world, zhang) -> None:
    both = user_create(
        username="both",
        password="pw",
        full_name="兼任",
        unit=world.units["city_bureau"],
        roles=["registrar", "auditor"],
    )
    with pytest.raises(PermissionDenied):
        petitioner_export(petitioner_id=zhang.pk, actor=both, reason="申请")


def test_the_accused_unit_s_registrar_finds_no_complainant(world) -> None:
    """条例第三十条: an accusation against the city bureau, registered at the province, is kept from the city
    bureau's registrars — and so is the person who made it."""
    world.users["gd_registrar"] = user_create(
        username="gd_registrar",
        password="pw",
        full_name="省登记员",
        unit=world.units["gd_bureau"],
        roles=["registrar"],
    )
    whistle = person(503, "林举报")
    register_for(
        world,
        whistle,
        actor="gd_registrar",
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=world.units["city_bureau"].pk,
    )
    with pytest.raises(NotFound):
        petitioner_export(petitioner_id=record_of(whistle).pk, actor=world.users["registrar"], reason="申请")
    assert petitioners_find(actor=world.users["registrar"], id_number=whistle.id_number) == []
    assert petitioners_find(actor=world.users["gd_registrar"], id_number=whistle.id_number)[0][1] == 1


def test_an_export_needs_a_reason(world, zhang) -> None:
    with pytest.raises(ValidationFailed):
        petitioner_export(petitioner_id=zhang.pk, actor=world.users["registrar"], reason="  ")


def test_correction_seals_the_new_values_and_logs_them_masked(world, zhang) -> None:
    person_ = petitioner_correct(
        petitioner_id=zhang.pk,
        actor=world.users["registrar"],
        reason="本人持户口簿申请更正",
        name="张叁",
        phone="13911112222",
        address="深圳市南山区更正路9号",
    )
    person_.refresh_from_db()
    assert person_.name == "张叁"
    assert crypto.decrypt(person_.phone_enc) == "13911112222" and person_.phone_masked == "139****2222"
    assert crypto.decrypt(person_.address_enc) == "深圳市南山区更正路9号"
    # Sealed as a registration seals: the new phone finds the record by its blind index.
    query = PetitionerInput(name="张叁", phone="13911112222")
    assert petitioner_known(data=query, sealed=petitioner_sealed(query)) == person_
    event = Event.objects.get(verb="privacy.corrected")
    assert event.old == {"name": "张*", "phone": "139****0501", "address": mask_address(ZHANG.address)}
    assert event.new["phone"] == "139****2222" and event.new["name"] == "张*"
    assert "13911112222" not in json.dumps(event.new) and "更正路" not in json.dumps(event.new)


def test_correction_refusals(world, zhang) -> None:
    registrar = world.users["registrar"]
    with pytest.raises(ValidationFailed, match="没有需要更正"):
        petitioner_correct(petitioner_id=zhang.pk, actor=registrar, reason="r", phone=ZHANG.phone)
    with pytest.raises(ValidationFailed, match="电话号码格式"):
        petitioner_correct(petitioner_id=zhang.pk, actor=registrar, reason="r", phone="12345")
    with pytest.raises(ValidationFailed, match="核验"):
        petitioner_correct(petitioner_id=zhang.pk, actor=registrar, reason="", name="张叁")
    for persona in ("auditor", "outsider"):
        with pytest.raises(PermissionDenied):
            petitioner_correct(petitioner_id=zhang.pk, actor=world.users[persona], reason="r", name="张叁")
    with pytest.raises(NotFound):
        petitioner_correct(petitioner_id=zhang.pk, actor=world.users["hz_registrar"], reason="r", name="张叁")
    assert Petitioner.objects.get(pk=zhang.pk).name == "张三"
    assert not Event.objects.filter(verb="privacy.corrected").exists()


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_pages(world, zhang) -> None:
    registrar = _as(world.users["registrar"])
    found = registrar.get("/privacy/petitioners/", {"id_number": ZHANG.id_number}).content.decode()
    assert f"/privacy/petitioners/{zhang.pk}/" in found and ZHANG.phone not in found
    page = registrar.get(f"/privacy/petitioners/{zhang.pk}/").content.decode()
    assert "139****0501" in page and ZHANG.phone not in page
    url = f"/privacy/petitioners/{zhang.pk}/export/"
    resp = registrar.post(url, {"format": "json", "reason": "本人申请"})
    assert resp["Content-Disposition"].startswith("attachment;")
    assert json.loads(resp.content)["信访人档案"]["联系电话"] == ZHANG.phone
    resp = registrar.post(url, {"format": "csv", "reason": "本人申请"})
    text = b"".join(resp.streaming_content).decode("utf-8")
    assert text.startswith(BOM + "部分,序号,项目,内容") and f"信访人档案,,联系电话,{ZHANG.phone}" in text
    assert Event.objects.filter(verb="privacy.exported").count() == 2
    resp = registrar.post(
        f"/privacy/petitioners/{zhang.pk}/correct/", {"address": "新住址1号", "reason": "本人申请"}
    )
    assert resp.status_code == 302 and Event.objects.filter(verb="privacy.corrected").count() == 1
    # Others: the auditor and a handler are refused, another province's registrar finds nothing.
    assert _as(world.users["auditor"]).get(f"/privacy/petitioners/{zhang.pk}/").status_code == 403
    assert _as(world.users["handler"]).post(url, {"format": "json", "reason": "x"}).status_code == 403
    assert _as(world.users["hz_registrar"]).get(f"/privacy/petitioners/{zhang.pk}/").status_code == 404
    assert Event.objects.filter(verb="privacy.exported").count() == 2
