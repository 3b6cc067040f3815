"""A staff action on a matter the user may not see answers 404, as a number that does not exist does, and
writes nothing (it was a 500: matter_for's NotFound escaped the view)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xinfang.audit.models import Event
from xinfang.intake.models import Attachment
from xinfang.routing.services import assignment_object, matter_route
from xinfang.testing.factories import register


@pytest.fixture
def objected(world):
    matter = register(world).matter
    assignment = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    objection = assignment_object(
        assignment=assignment,
        actor=world.users["handler"],
        reason="该事项属于人社部门职责，不属于本单位职责范围",
    )
    return matter, objection


@pytest.mark.parametrize("number", ["real", "440300-2099-999999"])
def test_actions_out_of_scope_are_404_and_change_nothing(world, objected, number) -> None:
    matter, objection = objected
    number = matter.number if number == "real" else number
    outsider = Client(raise_request_exception=False)
    outsider.force_login(world.users["hz_registrar"])
    events = Event.objects.count()
    decide = outsider.post(
        f"/matters/{number}/objections/{objection.pk}/decide/", {"approve": "1", "reason": "x"}
    )
    upload = outsider.post(
        f"/matters/{number}/attachments/",
        {"file": SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")},
    )
    assert (decide.status_code, upload.status_code) == (404, 404)
    assert Event.objects.count() == events and not Attachment.objects.exists()
