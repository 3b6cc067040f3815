"""Petitioners are told by SMS after commit: registration, acceptance, extension, opinion."""

from django.db import transaction
from django.utils import timezone

from xinfang.cases import handling
from xinfang.intake.validation import PetitionerInput
from xinfang.notify.models import Notification
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import id_number, register


def _person():
    return [PetitionerInput(name="周五", id_number=id_number(601), phone="13711112222", address="某路5号")]


def test_each_step_queues_and_sends_one_sms_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        matter = register(world, petitioners=_person()).matter
        a = matter_route(
            matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
        )
        assignment_accept(
            assignment=a, actor=world.users["handler"], notice_method="短信", notice_text="已受理"
        )
        handling.extension_grant(matter=matter, days=10, reason="需鉴定", actor=world.users["colleague"])
        handling.opinion_issue(
            matter=matter,
            decision="explain",
            request="r",
            facts="f",
            reasons="r",
            findings="f",
            decision_text="d",
            legal_basis=["《信访工作条例》第三十二条"],
            actor=world.users["colleague"],
        )
    rows = list(Notification.objects.filter(matter_id=matter.pk).order_by("id"))
    assert [n.template for n in rows] == [
        "matter_registered",
        "matter_accepted",
        "extension_granted",
        "opinion_issued",
    ]
    assert all(n.state == "sent" for n in rows)
    assert all(
        "13711112222" not in n.recipient_encrypted and n.recipient_masked == "137****2222" for n in rows
    )
    assert matter.number in rows[0].body


def test_rolled_back_registration_sends_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                register(world, petitioners=_person())
                raise RuntimeError("simulated failure after registration")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()
    assert timezone.now()


def test_registration_texts_each_mobile_once_without_reading_petitioners_back(
    world, django_capture_on_commit_callbacks
):
    people = [
        PetitionerInput(name="周五", id_number=id_number(602), phone="13711113333", address="某路5号"),
        PetitionerInput(name="吴六", id_number=id_number(603), phone="13711113333", address="某路6号"),
        PetitionerInput(name="郑七", id_number=id_number(604), phone="075512345678", address="某路7号"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        matter = register(world, petitioners=people).matter
    rows = list(Notification.objects.filter(matter_id=matter.pk))
    assert [(n.recipient_masked, n.state) for n in rows] == [("137****3333", "sent")]  # landline: no SMS


def test_a_known_id_number_named_without_a_phone_texts_nobody(world, django_capture_on_commit_callbacks):
    """Only the phones given on the matter's own contacts are texted: whoever names a known ID number learns
    of nothing through the person's phone, and the person gets no SMS about a contact someone else made in
    their name (条例第三十条)."""
    register(world, petitioners=_person())
    again = [PetitionerInput(name="周五", id_number=id_number(601), address="某路5号")]
    with django_capture_on_commit_callbacks(execute=True):
        matter = register(world, petitioners=again, title="另一件事").matter
    assert not Notification.objects.filter(matter_id=matter.pk).exists()
