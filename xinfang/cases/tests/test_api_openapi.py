"""The OpenAPI document (/api/v1/openapi.json) lists the handling, document, status, feed and exchange
operations with Chinese summaries, states the Idempotency-Key header on every write that honours it, and
the error shape on every write."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

NEW_OPERATIONS = {
    ("post", "/api/v1/matters/{number}/extension"),
    ("get", "/api/v1/matters/{number}/opinions/{level}/draft"),
    ("post", "/api/v1/matters/{number}/opinions/{level}/draft"),
    ("post", "/api/v1/matters/{number}/opinions/{level}/sign"),
    ("post", "/api/v1/matters/{number}/opinions/{level}/service"),
    ("post", "/api/v1/matters/{number}/evaluation"),
    ("post", "/api/v1/matters/{number}/review-requests"),
    ("post", "/api/v1/matters/{number}/hearings"),
    ("post", "/api/v1/matters/{number}/legal-channel"),
    ("get", "/api/v1/matters/{number}/documents"),
    ("get", "/api/v1/matters/{number}/documents/{document_id}/{ext}"),
    ("get", "/api/v1/matters/{number}/status"),
    ("get", "/api/v1/matters/{number}/timeline"),
    ("get", "/api/v1/changes"),
    ("get", "/api/v1/matters/{number}/export"),
    ("post", "/api/v1/exchange/import"),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/api/v1/openapi.json").json()


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_new_operation_is_documented_in_chinese(schema):
    documented = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    assert documented >= NEW_OPERATIONS
    for method, path in NEW_OPERATIONS:
        op = schema["paths"][path][method]
        assert _has_chinese(op["summary"]), (method, path)
        assert _has_chinese("".join(op["tags"])), (method, path)


def test_every_post_but_the_registration_states_the_idempotency_key(schema):
    posts = [(p, ops["post"]) for p, ops in schema["paths"].items() if "post" in ops]
    assert len(posts) >= 14
    for path, op in posts:
        if path in ("/api/v1/contacts", "/api/v1/suggestions"):
            continue  # the registration keeps its own implementation; a suggestion changes no matter
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        assert names == ["Idempotency-Key"], path
        assert {"403", "404", "422"} <= set(op["responses"]), path
        error = op["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
        assert error.endswith("/ErrorOut"), path


def test_a_document_download_is_a_file_in_the_document(schema):
    op = schema["paths"]["/api/v1/matters/{number}/documents/{document_id}/{ext}"]["get"]
    assert set(op["responses"]["200"]["content"]) == {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    ext = next(p for p in op["parameters"] if p["name"] == "ext")
    assert ext["schema"].get("enum") == ["pdf", "docx"] or "$ref" in ext["schema"]
