from __future__ import annotations

from ninja import Router, Schema

from xinfang.core.http import ApiRequest

from .services import suggest

router = Router(tags=["智慧登记"])


class SuggestIn(Schema):
    title: str = ""
    text: str = ""
    id_number: str = ""
    phone: str = ""
    name: str = ""


@router.post("/suggestions", summary="登记建议：分类、类型、涉法涉诉、判重（每次建议均留存）")
def suggestions(request: ApiRequest, payload: SuggestIn):
    return suggest(actor=request.auth, **payload.dict())
