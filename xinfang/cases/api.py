from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from xinfang.audit.selectors import matter_timeline
from xinfang.core.http import ApiRequest

from .models import MatterStatus
from .selectors import matter_for, matter_list, running_clocks

router = Router(tags=["信访事项"])

#: Past any list a deployment holds (50 a page: 50 million matters). A larger page number used to reach the
#: database as an OFFSET past 64 bits: a 500 (OverflowError on SQLite, "bigint out of range" on PostgreSQL).
MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    """ninja's page-number pagination, with the page number bounded: 422 ``invalid_input`` past MAX_PAGE."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)


class MatterRow(Schema):
    number: str
    title: str
    matter_type: str
    status: str
    region_code: str
    created_at: dt.datetime
    contact_count: int


class ClockOut(Schema):
    kind: str
    label: str
    due_on: dt.date
    alert: str
    explanation: dict


class EventOut(Schema):
    occurred_at: dt.datetime
    actor_label: str
    verb: str
    old: dict | None
    new: dict | None
    reason: str


class MatterDetail(MatterRow):
    category: str
    is_litigation: bool
    registering_unit: str
    handling_unit: str | None
    clocks: list[ClockOut]
    timeline: list[EventOut]


@router.get("/matters", response=list[MatterRow], summary="信访事项列表（仅本人权限范围内）")
@paginate(Pages, page_size=50)
def list_matters(request: ApiRequest, status: str = "", q: str = "", matter_type: str = ""):
    return matter_list(request.auth, status=status or None, q=q or None, matter_type=matter_type or None)


@router.get("/matters/{number}", response=MatterDetail, summary="信访事项详情")
def get_matter(request: ApiRequest, number: str):
    matter = matter_for(request.auth, number)
    return {
        **{
            f: getattr(matter, f)
            for f in (
                "number",
                "title",
                "matter_type",
                "status",
                "region_code",
                "created_at",
                "contact_count",
                "category",
                "is_litigation",
            )
        },
        "registering_unit": matter.registering_unit.name,
        "handling_unit": matter.handling_unit.name if matter.handling_unit else None,
        "clocks": list(running_clocks(matter)),
        "timeline": list(matter_timeline(matter.pk)),
    }


class StatusOut(Schema):
    number: str
    matter_type: str
    status: str
    status_label: str
    registering_unit: str
    handling_unit: str | None
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    clocks: list[ClockOut]


@router.get("/matters/{number}/status", response=StatusOut, summary="事项状态与正在计算的法定时限")
def matter_status(request: ApiRequest, number: str):
    matter = matter_for(request.auth, number)
    return StatusOut(
        number=matter.number,
        matter_type=matter.matter_type,
        status=matter.status,
        status_label=MatterStatus(matter.status).label,
        registering_unit=matter.registering_unit.name,
        handling_unit=matter.handling_unit.name if matter.handling_unit else None,
        updated_at=matter.updated_at,
        closed_at=matter.closed_at,
        clocks=[ClockOut.from_orm(c) for c in running_clocks(matter)],
    )


class TimelineEntryOut(EventOut):
    id: int
    #: The act in one Chinese sentence, as the audit pages write it (privacy/verbs.py).
    description: str
    is_public: bool


@router.get(
    "/matters/{number}/timeline",
    response=list[TimelineEntryOut],
    summary="事项办理记录（工作人员视图；个人信息仅为事件所存的脱敏值）",
)
def matter_timeline_api(request: ApiRequest, number: str):
    from xinfang.privacy.verbs import describe  # labels from every domain app: imported where used

    matter = matter_for(request.auth, number)
    # The events as written: they hold masked identifiers and names only, never a clear ID number or phone
    # (audit/models.py); a reveal of personal data is recorded by the fields' names, not their values.
    return [
        TimelineEntryOut(
            id=e.pk,
            occurred_at=e.occurred_at,
            actor_label=e.actor_label,
            verb=e.verb,
            description=describe(e.verb, e.new, e.old),
            old=e.old if isinstance(e.old, dict) else None,
            new=e.new if isinstance(e.new, dict) else None,
            reason=e.reason,
            is_public=e.is_public,
        )
        for e in matter_timeline(matter.pk)
    ]
