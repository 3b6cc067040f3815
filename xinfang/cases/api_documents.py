"""A matter's issued documents (告知书, 意见书, 办结报告 …) through the API: the list and the files
(.pdf, .docx), for whoever sees the matter — as on the staff page. The document is looked up within the
matter found through ``matter_for``, so an id of a document of another matter is the same 404 as one that
does not exist."""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum

from django.http import FileResponse
from ninja import Router, Schema

from xinfang.core.errors import NotFound
from xinfang.core.http import ApiRequest
from xinfang.intake.api import ErrorOut

from .documents import document_path
from .models import IssuedDocument
from .selectors import matter_for

router = Router(tags=["文书"])
log = logging.getLogger(__name__)


class DocumentFormat(StrEnum):
    PDF = "pdf"
    DOCX = "docx"


MIME = {
    DocumentFormat.PDF: "application/pdf",
    DocumentFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    doc_number: str
    unit: str
    signer_role: str
    is_public: bool
    created_at: dt.datetime
    sha256_pdf: str
    sha256_docx: str
    pdf: str
    docx: str


@router.get(
    "/matters/{number}/documents",
    response={200: list[DocumentOut], 404: ErrorOut},
    summary="事项文书列表（告知书、意见书、办结报告等）",
)
def list_documents(request: ApiRequest, number: str):
    matter = matter_for(request.auth, number)
    base = f"/api/v1/matters/{matter.number}/documents"
    return [
        DocumentOut(
            id=d.pk,
            kind=d.kind,
            title=d.title,
            doc_number=d.doc_number,
            unit=d.unit.name,
            signer_role=d.signer_role,
            is_public=d.is_public,
            created_at=d.created_at,
            sha256_pdf=d.sha256_pdf,
            sha256_docx=d.sha256_docx,
            pdf=f"{base}/{d.pk}/pdf",
            docx=f"{base}/{d.pk}/docx",
        )
        for d in IssuedDocument.objects.filter(matter=matter)
        .select_related("unit")
        .order_by("created_at", "id")
    ]


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/matters/{number}/documents/{document_id}/{ext}",
    response={404: ErrorOut},
    summary="下载文书（PDF 或 Word）",
    openapi_extra={
        "responses": {
            "200": {
                "description": "文书文件（作为附件下载）",
                "content": {mime: _BINARY for mime in MIME.values()},
            }
        }
    },
)
def download_document(request: ApiRequest, number: str, document_id: int, ext: DocumentFormat):
    matter = matter_for(request.auth, number)
    document = IssuedDocument.objects.filter(pk=document_id, matter=matter).first()
    if document is None:
        raise NotFound("document_not_found", "未找到该文书")
    path = document_path(document, ext.value)
    try:
        stream = open(path, "rb")  # noqa: SIM115  # FileResponse closes it when the body is sent
    except FileNotFoundError:
        # Stored under its hash when issued; a missing file is an operations fault (a restore without the
        # document store), reported as such rather than as a traceback.
        log.error("issued document %s: file missing at %s", document.pk, path)
        raise NotFound("document_file_missing", "文书文件缺失，请联系系统管理员") from None
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{document.title}-{document.doc_number}.{ext.value}",
        content_type=MIME[ext],
    )
