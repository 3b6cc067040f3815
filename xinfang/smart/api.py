from __future__ import annotations

from ninja import Router
from pydantic import BaseModel

from xinfang.core.http import ApiRequest

from .services import suggest

router = Router(tags=["智慧登记"])


# A plain pydantic model, not a ninja Schema: a Schema reads its input through a DjangoGetter (made for ORM
# objects), which takes a JSON list or string for an object whose fields are all missing — and every field
# here has a default, so ``[null, null]`` was a valid request and stored a suggestion. A non-object body is
# now a 422 and nothing is stored.
class SuggestIn(BaseModel):
    title: str = ""
    text: str = ""
    id_number: str = ""
    phone: str = ""
    name: str = ""


@router.post("/suggestions", summary="登记建议：分类、类型、涉法涉诉、判重（每次建议均留存）")
def suggestions(request: ApiRequest, payload: SuggestIn):
    return suggest(actor=request.auth, **payload.model_dump())
