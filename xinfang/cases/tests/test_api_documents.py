"""A matter's issued documents through the API (cases/api_documents.py): listed and downloaded as PDF and
Word by whoever sees the matter — session or token —, 404 for everyone else, accused units included."""

from __future__ import annotations

import pytest

from xinfang.cases.models import IssuedDocument

from .api_world import accepted, accusation_against_city, bearer, get, session

pytestmark = pytest.mark.django_db


def test_the_handler_and_the_city_token_list_and_download_the_documents(world):
    matter = accepted(world)
    notice = IssuedDocument.objects.get(matter=matter, kind="notice_of_acceptance")
    for client in (session(world, "handler"), bearer(world, "city_bureau")):
        r = get(client, f"/matters/{matter.number}/documents")
        assert r.status_code == 200, r.content
        [row] = r.json()
        assert row["doc_number"] == notice.doc_number and row["unit"] == "南山区住房和建设局"
        pdf = client.get(row["pdf"])
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
        docx = client.get(row["docx"])
        assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
        assert b"".join(docx.streaming_content).startswith(b"PK\x03\x04")
        assert "attachment" in docx["Content-Disposition"]


def test_a_document_of_another_matter_is_not_reached_through_a_visible_one(world):
    mine, other = accepted(world), accepted(world)
    theirs = IssuedDocument.objects.get(matter=other, kind="notice_of_acceptance")
    r = get(session(world, "handler"), f"/matters/{mine.number}/documents/{theirs.pk}/pdf")
    assert (r.status_code, r.json()["code"]) == (404, "document_not_found")
    r = get(session(world, "handler"), f"/matters/{mine.number}/documents/{theirs.pk}/exe")
    assert r.status_code == 422


@pytest.mark.parametrize("persona", ["outsider", "hz_registrar"])
def test_out_of_scope_callers_get_404(world, persona):
    matter = accepted(world)
    doc = IssuedDocument.objects.get(matter=matter, kind="notice_of_acceptance")
    client = session(world, persona)
    for path in (f"/matters/{matter.number}/documents", f"/matters/{matter.number}/documents/{doc.pk}/pdf"):
        r = get(client, path)
        assert (r.status_code, r.json()["code"]) == (404, "matter_not_found"), path


@pytest.mark.parametrize("caller", ["registrar", "ns_registrar", "token:city_bureau", "token:ns_bureau"])
def test_the_accused_subtree_gets_404_for_an_accusations_documents(world, caller):
    matter = accusation_against_city(world)
    doc = IssuedDocument.objects.get(matter=matter, kind="notice_of_acceptance")
    client = bearer(world, caller.split(":")[1]) if caller.startswith("token:") else session(world, caller)
    for path in (f"/matters/{matter.number}/documents", f"/matters/{matter.number}/documents/{doc.pk}/docx"):
        r = get(client, path)
        assert (r.status_code, r.json()["code"]) == (404, "matter_not_found"), path
    assert get(session(world, "jiwei"), f"/matters/{matter.number}/documents").status_code == 200


def test_a_document_whose_file_is_gone_is_a_structured_404(world, settings, tmp_path):
    matter = accepted(world)
    doc = IssuedDocument.objects.get(matter=matter, kind="notice_of_acceptance")
    settings.DOCUMENT_ROOT = tmp_path  # an empty store: a restore without the document files
    r = get(session(world, "handler"), f"/matters/{matter.number}/documents/{doc.pk}/pdf")
    assert (r.status_code, r.json()["code"]) == (404, "document_file_missing")
