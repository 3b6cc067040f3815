"""三员分立: the auditor reads and changes nothing; the administrator cannot touch the audit trail.

The auditor of the standard world works at the city bureau, so every matter registered there is in their
sight: only the separation keeps them from acting on it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from xinfang.accounts.services import user_create
from xinfang.audit.models import Event
from xinfang.cases.selectors import visible_matters
from xinfang.intake.models import Attachment, Contact, Petitioner
from xinfang.privacy.separation import role_conflicts
from xinfang.testing.factories import api_contact_body, contact_input

from .conftest import person, register_for

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def party(world):
    return register_for(world, person(301))


def test_the_auditor_sees_the_matter_they_may_not_act_on(world, party) -> None:
    # The premise of every test below: without the separation the auditor could act.
    assert visible_matters(world.users["auditor"]).filter(pk=party.contact.matter_id).exists()


@pytest.mark.parametrize(("persona", "status"), [("registrar", 200), ("auditor", 403), ("outsider", 404)])
def test_reveal(world, party, persona, status) -> None:
    reveals = Event.objects.filter(verb="pii.reveal")
    before = reveals.count()
    resp = _as(world.users[persona]).post(
        f"/parties/{party.pk}/reveal/", {"fields": "phone,id_number", "reason": "核对"}
    )
    assert resp.status_code == status
    body = json.loads(resp.content)
    if status == 200:
        assert body["values"]["phone"] == "13900000301"
        assert reveals.count() == before + 1
    else:
        assert "values" not in body and "13900000301" not in resp.content.decode()
        assert reveals.count() == before
    if persona == "auditor":
        assert body["code"] == "auditor_read_only"


def test_the_auditor_cannot_register_through_the_api(world) -> None:
    contacts = Contact.objects.count()
    resp = _as(world.users["auditor"]).post(
        "/api/v1/contacts", json.dumps(api_contact_body()), content_type="application/json"
    )
    assert resp.status_code == 403
    assert Contact.objects.count() == contacts


def test_the_auditor_cannot_register_on_the_form(world) -> None:
    data = contact_input()
    who = data.petitioners[0]
    form = {
        "channel": data.channel,
        "title": data.title,
        "request": data.request,
        "facts": data.facts,
        "reasons": data.reasons,
        "region_code": data.region_code,
        "matter_type": data.matter_type,
        "category": data.category,
        "received_at": "2026-01-05 09:30",
        "headcount": "1",
        "p-TOTAL_FORMS": "1",
        "p-INITIAL_FORMS": "0",
        "p-0-name": who.name,
        "p-0-kind": "person",
        "p-0-id_number": who.id_number,
        "p-0-phone": who.phone,
        "p-0-address": who.address,
    }
    contacts, people = Contact.objects.count(), Petitioner.objects.count()
    resp = _as(world.users["auditor"]).post("/register/", form)
    # The form page answers with its errors (200), as for any refused registration; nothing is written.
    assert resp.status_code == 200
    assert "您没有登记信访件的权限" in resp.content.decode()
    assert (Contact.objects.count(), Petitioner.objects.count()) == (contacts, people)


def test_the_auditor_cannot_upload(world, party, settings, tmp_path) -> None:
    settings.ATTACHMENT_ROOT = tmp_path
    number = party.contact.matter.number
    client = _as(world.users["auditor"])
    resp = client.post(f"/matters/{number}/attachments/", {"file": _upload()}, follow=True)
    # No row and no file are left behind, and the matter page says why.
    assert not Attachment.objects.exists()
    assert "审计员" in resp.content.decode()
    assert list(tmp_path.iterdir()) == []
    # The same upload by the registrar goes through: the refusal is the auditor's, not the file's.
    _as(world.users["registrar"]).post(f"/matters/{number}/attachments/", {"file": _upload()})
    assert Attachment.objects.count() == 1


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")


def test_holding_another_role_besides_does_not_lift_the_auditor_s_limits(world, party) -> None:
    both = user_create(
        username="both",
        password="pw",
        full_name="兼任",
        unit=world.units["city_bureau"],
        roles=["registrar", "auditor"],
    )
    resp = _as(both).post(f"/parties/{party.pk}/reveal/", {"fields": "phone"})
    assert resp.status_code == 403


def test_role_conflicts_names_the_accounts_that_break_the_separation(world) -> None:
    unit = world.units["city_bureau"]
    user_create(username="a1", password="pw", full_name="甲", unit=unit, roles=["admin", "auditor"])
    user_create(username="a2", password="pw", full_name="乙", unit=unit, roles=["auditor", "handler"])
    user_create(username="a3", password="pw", full_name="丙", unit=unit, roles=["admin", "security"])
    user_create(username="ok", password="pw", full_name="丁", unit=unit, roles=["security"])
    found = {c.username: c.why for c in role_conflicts()}
    assert found == {
        "a1": "同时担任管理员、审计员",
        "a2": "审计员同时承担业务角色",
        "a3": "同时担任管理员、安全管理员",
    }


def test_the_admin_site_shows_the_trail_to_the_auditor_only_and_never_changes_it(world, party) -> None:
    unit = world.units["city_bureau"]
    admin = user_create(
        username="sysadmin", password="pw", full_name="系统管理员", unit=unit, roles=["admin"]
    )
    assert admin.is_staff
    assert _as(admin).get("/admin/audit/event/").status_code == 403
    auditor = world.users["auditor"]
    auditor.is_staff = True  # given the admin site as well
    auditor.save(update_fields=["is_staff"])
    client = _as(auditor)
    assert client.get("/admin/audit/event/").status_code == 200
    event = Event.objects.filter(matter_id=party.contact.matter_id).first()
    assert event is not None
    before = (event.verb, event.reason)
    assert client.post(f"/admin/audit/event/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/audit/event/{event.pk}/change/", {"verb": "x", "reason": "改"})
    event.refresh_from_db()
    assert (event.verb, event.reason) == before
    assert Event.objects.filter(pk=event.pk).exists()
