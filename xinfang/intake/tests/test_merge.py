"""信访人合并: one person registered twice becomes one record, with its trail; who may merge what."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from xinfang.audit.models import Event
from xinfang.cases.models import MatterType
from xinfang.core.errors import ServiceError, ValidationFailed
from xinfang.intake.merge import petitioner_duplicates, petitioner_merge, petitioner_unmerge
from xinfang.intake.models import ContactPetitioner, Petitioner
from xinfang.intake.petitioners import party_details_settle
from xinfang.intake.selectors import petitioner_history
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import id_number, register

ID = id_number(901)
WITH_ID = PetitionerInput(name="张三", id_number=ID, phone="13800139001", address="深圳市南山区桂庙路1号")
# The same man at a window without his ID card, another phone.
PHONE_ONLY = PetitionerInput(name="张三", phone="13900139002", address="南山区桂庙路")


def _person_of(result) -> Petitioner:
    return ContactPetitioner.objects.get(contact=result).petitioner


@pytest.fixture
def twice(world):
    """张三 registered twice: once with his ID card, once by phone and name only (another phone)."""
    first = register(world, petitioners=[WITH_ID])
    second = register(world, petitioners=[PHONE_ONLY])
    keep, dup = _person_of(first), _person_of(second)
    assert keep.pk != dup.pk
    return first, second, keep, dup


def test_merge_moves_the_contacts_and_leaves_a_trail(world, twice) -> None:
    first, second, keep, dup = twice
    kept = petitioner_merge(
        keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users["registrar"], reason="同一人"
    )
    assert kept.pk == keep.pk
    assert ContactPetitioner.objects.get(contact=second).petitioner_id == keep.pk
    dup.refresh_from_db()
    assert dup.merged_into_id == keep.pk and dup.merged_at is not None  # kept, not deleted
    events = Event.objects.filter(verb="petitioner.merged")
    # One on the person, one on each matter's timeline.
    assert sorted(e.matter_id or 0 for e in events) == sorted([0, first.matter.pk, second.matter.pk])
    e = events.get(matter_id=second.matter.pk)
    assert e.reason == "同一人" and e.new["contacts_moved"] == 1 and e.old["duplicate"] == dup.pk
    assert "13900139002" not in str(e.old) + str(e.new)  # masked values only


def test_the_duplicate_still_finds_the_person(world, twice) -> None:
    """A later registration with the duplicate's phone and name, and a look-up by it, reach the kept one."""
    _, _, keep, dup = twice
    petitioner_merge(keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users["registrar"], reason="同一人")
    again = register(world, petitioners=[PHONE_ONLY])
    assert _person_of(again).pk == keep.pk
    history = petitioner_history(world.users["registrar"], phone="13900139002")
    assert len(history) == 3 and all("联系电话相同" in row["matched_by"] for row in history)


def test_identity_the_kept_record_lacks_is_taken_over(world, twice) -> None:
    _, _, with_id, phone_only = twice
    # Keep the phone-only record this time: it takes the ID number (ciphertext and blind index as they are).
    petitioner_merge(
        keep_id=phone_only.pk, duplicate_id=with_id.pk, actor=world.users["registrar"], reason="同一人"
    )
    phone_only.refresh_from_db()
    assert phone_only.id_number_hash == with_id.id_number_hash and phone_only.id_number_enc
    assert phone_only.phone_masked.startswith("139")  # its own phone stays
    assert phone_only.address_masked != with_id.address_masked  # and its own address
    event = Event.objects.filter(verb="petitioner.merged", matter_id__isnull=True).get()
    assert event.new["taken_over"] == ["证件号码"]


def test_a_contact_naming_both_keeps_one_party(world) -> None:
    elected = PetitionerInput(**{**PHONE_ONLY.__dict__, "is_representative": True})
    both = register(world, petitioners=[WITH_ID, elected])
    keep, dup = (link.petitioner for link in ContactPetitioner.objects.filter(contact=both).order_by("pk"))
    petitioner_merge(keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users["registrar"], reason="同一人")
    assert list(
        ContactPetitioner.objects.filter(contact=both).values_list("petitioner", "is_representative")
    ) == [
        (keep.pk, True)  # the duplicate was the elected representative: the person still is
    ]


@pytest.mark.parametrize(
    ("keep_name", "dup_name", "code"),
    [
        ("a", "a", "merge_same_record"),
        ("a", "other_id", "merge_identity_differs"),
        ("a", "org", "merge_kind_differs"),
    ],
)
def test_refused_merges_change_nothing(world, twice, keep_name, dup_name, code) -> None:
    keep = twice[2]
    other_id = _person_of(
        register(world, petitioners=[PetitionerInput(name="张三", id_number=id_number(902), address="某地")])
    )
    org = _person_of(
        register(
            world,
            petitioners=[
                PetitionerInput(name="某公司", kind="organisation", phone="075500000001", address="某地")
            ],
        )
    )
    rows = {"a": keep, "other_id": other_id, "org": org}
    before = list(ContactPetitioner.objects.values_list("pk", "petitioner_id").order_by("pk"))
    with pytest.raises(ValidationFailed) as exc:
        petitioner_merge(
            keep_id=rows[keep_name].pk,
            duplicate_id=rows[dup_name].pk,
            actor=world.users["registrar"],
            reason="x",
        )
    assert exc.value.code == code
    assert list(ContactPetitioner.objects.values_list("pk", "petitioner_id").order_by("pk")) == before
    assert not Event.objects.filter(verb="petitioner.merged").exists()


def test_a_reason_is_required_and_a_merged_record_cannot_be_merged_again(world, twice) -> None:
    _, _, keep, dup = twice
    with pytest.raises(ValidationFailed, match="合并理由"):
        petitioner_merge(keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users["registrar"], reason=" ")
    petitioner_merge(keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users["registrar"], reason="同一人")
    with pytest.raises(ValidationFailed) as exc:
        petitioner_merge(
            keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users["registrar"], reason="同一人"
        )
    assert exc.value.code == "already_merged"


@pytest.mark.parametrize(
    ("persona", "allowed", "code"),
    [
        ("registrar", True, ""),  # owner: the city bureau, whose jurisdiction holds both matters
        ("ns_registrar", True, ""),  # colleague: the district bureau where both matters are
        # Out of scope: the same answer as for a record that does not exist (no oracle).
        ("ft_registrar", False, "not_found"),  # another district's bureau
        ("hz_registrar", False, "not_found"),  # outsider: another province
        ("handler", False, "merge_forbidden"),  # a handling unit: not a registrar
    ],
)
def test_who_may_merge(world, twice, persona, allowed, code) -> None:
    _, _, keep, dup = twice
    if allowed:
        petitioner_merge(keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users[persona], reason="同一人")
        return
    with pytest.raises(ServiceError) as exc:
        petitioner_merge(keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users[persona], reason="同一人")
    assert exc.value.code == code
    assert Petitioner.objects.get(pk=dup.pk).merged_into_id is None


def test_an_accused_unit_never_merges_the_complainant(world) -> None:
    """条例第三十条: a bureau accused in a 检举控告 cannot see the complainant, so it cannot merge him."""
    keep = _person_of(register(world, petitioners=[WITH_ID]))
    accusation = register(
        world,
        petitioners=[PHONE_ONLY],
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=world.units["ns_bureau"].pk,
    )
    dup = _person_of(accusation)
    with pytest.raises(ValidationFailed, match="不存在，或您无权查看"):
        petitioner_merge(
            keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users["ns_registrar"], reason="同一人"
        )
    petitioner_merge(keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users["registrar"], reason="同一人")


def test_duplicates_are_listed_and_the_same_id_merged_by_command(world) -> None:
    """Two records of one ID number (as the PostgreSQL race before ``lock_new_people`` made) are listed and
    merged by ``xinfang petitioners --merge-same-id``; phone + name matches are only listed."""
    a = _person_of(register(world, petitioners=[WITH_ID]))
    b = Petitioner.objects.create(
        name="张三", id_number_hash=a.id_number_hash, id_number_enc=a.id_number_enc, id_number_masked="x"
    )
    ContactPetitioner.objects.create(contact=register(world), petitioner=b)
    family = [
        _person_of(
            register(world, petitioners=[PetitionerInput(name="李四", phone="13700137000", address="某地")])
        )
    ]
    twin = Petitioner.objects.create(
        name="李四", phone_hash=family[0].phone_hash, phone_enc=family[0].phone_enc
    )
    ContactPetitioner.objects.create(contact=register(world), petitioner=twin)

    groups = petitioner_duplicates(world.users["registrar"])
    assert [[p.pk for p in g.people] for g in groups] == [[a.pk, b.pk], [family[0].pk, twin.pk]]
    assert [g.why for g in groups] == ["证件号码相同", "电话和姓名相同"]
    assert len(groups[0].matters[a.pk]) == 1 and len(groups[0].matters[b.pk]) == 1
    assert petitioner_duplicates(world.users["hz_registrar"]) == []  # outside its jurisdiction
    out = io.StringIO()
    call_command(
        "petitioners", "--user", "registrar", "--merge-same-id", "--reason", "并发登记重复", stdout=out
    )
    assert "1 条" in out.getvalue()
    assert Petitioner.objects.get(pk=b.pk).merged_into_id == a.pk
    assert Petitioner.objects.get(pk=twin.pk).merged_into_id is None  # a family may share a phone
    with pytest.raises(CommandError, match="合并理由"):
        call_command("petitioners", "--user", "registrar", "--merge", str(family[0].pk), str(twin.pk))
    call_command("petitioners", "--user", "registrar", "--unmerge", str(b.pk), "--reason", "误并", stdout=out)
    assert Petitioner.objects.get(pk=b.pk).merged_into_id is None


def test_unmerge_undoes_exactly_that_merge(world, twice) -> None:
    first, second, with_id, phone_only = twice
    registrar = world.users["registrar"]
    petitioner_merge(keep_id=phone_only.pk, duplicate_id=with_id.pk, actor=registrar, reason="同一人")
    later = register(world, petitioners=[PHONE_ONLY])  # registered for the kept record since
    assert _person_of(later).pk == phone_only.pk

    restored = petitioner_unmerge(duplicate_id=with_id.pk, actor=registrar, reason="核实后不是同一人")
    assert restored.pk == with_id.pk and restored.merged_into_id is None
    assert _person_of(first).pk == with_id.pk  # its contact is back
    assert _person_of(second).pk == _person_of(later).pk == phone_only.pk  # the rest stays
    phone_only.refresh_from_db()
    assert not phone_only.id_number_enc and not phone_only.id_number_hash  # the ID number given back
    again = register(world, petitioners=[WITH_ID])
    assert _person_of(again).pk == with_id.pk  # its ID number finds it again
    events = Event.objects.filter(verb="petitioner.unmerged")
    assert {e.matter_id for e in events} == {None, first.matter_id, second.matter_id, later.matter_id}
    assert events.filter(matter_id__isnull=True).get().reason == "核实后不是同一人"


def test_unmerge_restores_a_contact_naming_both(world) -> None:
    elected = PetitionerInput(**{**PHONE_ONLY.__dict__, "is_representative": True})
    both = register(world, petitioners=[WITH_ID, elected])
    keep, dup = (link.petitioner for link in ContactPetitioner.objects.filter(contact=both).order_by("pk"))
    petitioner_merge(keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users["registrar"], reason="同一人")
    petitioner_unmerge(duplicate_id=dup.pk, actor=world.users["registrar"], reason="不是同一人")
    parties = ContactPetitioner.objects.filter(contact=both).order_by("petitioner_id")
    assert list(parties.values_list("petitioner_id", "is_representative")) == [
        (keep.pk, False),
        (dup.pk, True),
    ]


def test_unmerge_refusals(world, twice) -> None:
    _, _, keep, dup = twice
    with pytest.raises(ValidationFailed) as exc:
        petitioner_unmerge(duplicate_id=dup.pk, actor=world.users["registrar"], reason="x")
    assert exc.value.code == "not_merged"
    petitioner_merge(keep_id=keep.pk, duplicate_id=dup.pk, actor=world.users["registrar"], reason="同一人")
    with pytest.raises(ValidationFailed, match="理由"):
        petitioner_unmerge(duplicate_id=dup.pk, actor=world.users["registrar"], reason="")
    with pytest.raises(ValidationFailed) as exc:  # out of scope: as if there were no such record
        petitioner_unmerge(duplicate_id=dup.pk, actor=world.users["hz_registrar"], reason="x")
    assert exc.value.code == "not_found"
    assert Petitioner.objects.get(pk=dup.pk).merged_into_id == keep.pk


def test_an_id_card_brought_later_completes_the_record_instead_of_opening_a_second(world) -> None:
    """First at the window without his ID card (phone and name), then with it: one record, which takes the ID
    number once the registrar has checked the card (a claim alone changes no record — 条例第三十条). A
    different ID number under the same phone and name is another person."""
    first = _person_of(register(world, petitioners=[PHONE_ONLY]))
    with_card = PetitionerInput(**{**PHONE_ONLY.__dict__, "id_number": ID})
    contact = register(world, petitioners=[with_card])
    assert _person_of(contact).pk == first.pk
    first.refresh_from_db()
    assert not first.id_number_hash
    party = contact.parties.get()
    assert party.unconfirmed == "id_number"
    party_details_settle(
        party_id=party.pk, actor=world.users["registrar"], accept=True, reason="当面核对身份证"
    )
    first.refresh_from_db()
    assert first.id_number_hash and first.id_number_masked.startswith(ID[:3])
    other = PetitionerInput(**{**PHONE_ONLY.__dict__, "id_number": id_number(903)})
    assert _person_of(register(world, petitioners=[other])).pk != first.pk
    assert _person_of(register(world, petitioners=[PHONE_ONLY])).pk == first.pk  # the oldest record


def test_shared_phone_groups_need_a_like_name_and_no_second_id_number(world) -> None:
    """Records sharing a phone are listed with the oldest when the name is the same or one typo away (张三 /
    张叁) and no ID number contradicts it — not a family member with another name, not a second ID number."""
    oldest = _person_of(register(world, petitioners=[WITH_ID]))

    def sharing(name: str, id_hash: str = "") -> Petitioner:
        p = Petitioner.objects.create(name=name, phone_hash=oldest.phone_hash, id_number_hash=id_hash)
        ContactPetitioner.objects.create(contact=register(world), petitioner=p)
        return p

    legacy = sharing("张三")  # the same name, no ID number (registered before the look-up found it)
    typo = sharing("张叁")
    sharing("李梅")  # his wife, on the family phone
    sharing("张三", id_hash="another-id-number")  # a namesake with his own ID number
    [group] = petitioner_duplicates(world.users["registrar"])
    assert group.why == "电话相同、姓名相近"
    assert [p.pk for p in group.people] == [oldest.pk, legacy.pk, typo.pk]
