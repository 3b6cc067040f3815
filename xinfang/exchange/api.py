"""转送/交办 between levels as documents (``xinfang-exchange/1``, schema.py): export a matter, import one."""

from __future__ import annotations

from ninja import Query, Router, Schema, Status

from xinfang.accounts.models import ApiToken
from xinfang.cases.selectors import matter_for
from xinfang.core.errors import NotFound
from xinfang.core.http import ApiRequest
from xinfang.core.idempotency import idempotent
from xinfang.intake.api import ErrorOut
from xinfang.org.models import Unit

from .schema import ExchangeDocument
from .services import exchange_import, matter_export

router = Router(tags=["交办交换"])


@router.get(
    "/matters/{number}/export",
    response={200: ExchangeDocument, 403: ErrorOut, 404: ErrorOut},
    summary="导出事项交换文件（xinfang-exchange/1）；指定接收单位 to 时含信访人联系方式并记入"
    "个人信息查阅记录",
)
def export(
    request: ApiRequest,
    number: str,
    to: int | None = Query(
        None, ge=1, le=2**63 - 1, description="本单位已向其转送/交办该事项的接收单位编号（含联系方式）"
    ),
):
    matter = matter_for(request.auth, number)
    unit = None
    if to is not None:
        unit = Unit.objects.select_related("region").filter(pk=to).first()
        if unit is None:
            raise NotFound("unit_not_found", "接收单位不存在", field="to")
    return matter_export(matter=matter, actor=request.auth, to=unit)


class ImportOut(Schema):
    matter_number: str
    contact_id: int
    status: str
    is_repeat: bool
    external_ref: str
    imported: bool


@router.post(
    "/exchange/import",
    response={201: ImportOut, 200: ImportOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="导入上级转送/交办的交换文件，登记为“上级交办”信访件（按来文事项编号只登记一次）",
)
@idempotent
def import_document(request: ApiRequest, payload: ExchangeDocument):
    token = request.auth if isinstance(request.auth, ApiToken) else None
    contact, created = exchange_import(document=payload, actor=request.auth, token=token)
    out = ImportOut(
        matter_number=contact.matter.number,
        contact_id=contact.pk,
        status=contact.matter.status,
        is_repeat=contact.is_repeat,
        external_ref=contact.external_ref,
        imported=created,
    )
    return Status(201 if created else 200, out)
