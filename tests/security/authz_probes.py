"""What each endpoint must answer, for the authorisation matrix (test_authz_matrix.py): one ``Probe`` per
request shape — how to build the request for a caller and a matter, and how to judge the answer where the
caller must see the matter and where it must not. ``API_OPERATIONS`` and ``STAFF_ROUTES`` are what exists
(the OpenAPI document, the URL configuration); ``API_PROBES`` and ``PAGE_PROBES`` must cover them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from xinfang.api import api
from xinfang.intake.services import REGISTRAR_ROLES
from xinfang.testing.factories import id_number
from xinfang.web import coordination_views, handling_views

from .authz_world import NO_ID, NO_NUMBER, Caller, MatrixWorld, MatterFacts


@dataclass
class Answer:
    status: int
    location: str
    text: str
    written: int
    code: str


def can_register(caller: Caller) -> bool:
    return any(role in REGISTRAR_ROLES for role in caller.roles)


def region_of(mw: MatrixWorld, caller: Caller) -> str:
    return mw.world.units[caller.unit_key or "city_bureau"].region.code


# -- what each endpoint must answer ------------------------------------------------------------------------

Judge = Callable[[Answer, Caller, MatterFacts], bool]


def _status(*codes: int) -> Judge:
    return lambda a, _c, _m: a.status in codes


# A refusal is a 404, or a 403 where the caller's role is refused before the matter is looked up — either
# way the same answer as for a made-up number (checked for every refusal).
_OK, _REFUSED = _status(200), _status(403, 404)


def _api_refused(a: Answer, _c: Caller, _m: MatterFacts) -> bool:
    return (a.status == 404 and a.code == "matter_not_found") or a.status == 403


def _api_write_seen(a: Answer, _c: Caller, _m: MatterFacts) -> bool:
    # A caller who sees the matter may still be refused the action (role, state, clock): any answer but the
    # scope refusal, a missing authentication or a server error.
    return a.status < 500 and a.status != 401 and a.code != "matter_not_found"


def _back_to_matter(a: Answer, _c: Caller, m: MatterFacts) -> bool:
    return a.status == 302 and a.location.endswith(f"/matters/{m.number}/")


def _to_inbox(a: Answer, _c: Caller, _m: MatterFacts) -> bool:
    return a.status == 302 and a.location == "/"


def _own_matter(mw: MatrixWorld, caller: Caller) -> MatterFacts:
    """The first matter the caller has in scope (anonymous: any)."""
    key = next((k for s, k in caller.situations if s == "in_scope"), "plain_ns")
    return mw.matters[key]


def _own_matter_path(route: str) -> Callable[[MatrixWorld, Caller, MatterFacts | None], str]:
    def build(mw: MatrixWorld, caller: Caller, _m: MatterFacts | None) -> str:
        caller.own_number = _own_matter(mw, caller).number
        return reverse(route, kwargs={"number": caller.own_number})

    return build


def _back_to_own(a: Answer, c: Caller, _m: MatterFacts) -> bool:
    """Back to the caller's own matter (with a message): for a target in sight and out of sight alike."""
    return a.status == 302 and a.location.endswith(f"/matters/{c.own_number}/")


def _acted(a: Answer, c: Caller, m: MatterFacts) -> bool:
    """A staff action on a matter in sight: back to the matter with a message, or a page of its own (e.g. a
    preview to confirm before signing)."""
    return _back_to_matter(a, c, m) or a.status == 200


@dataclass
class Probe:
    """One request shape of an endpoint. ``kind``: ``matter`` — once per (caller, situation), the request
    names the matter; ``list``/``page`` — once per caller, judged against every matter; ``public`` — once per
    caller, no one's matters may show; ``portal`` — per (caller, situation), and no staff member sees a
    matter there without its query code; ``logout``."""

    id: str
    method: str
    kind: str
    path: Callable[[MatterFacts | None], str]
    seen: Judge = field(default=_OK)
    refused: Judge = field(default=_REFUSED)
    form: Callable[[MatrixWorld, Caller, MatterFacts | None], dict] | None = None
    body: Callable[[MatrixWorld, Caller, MatterFacts | None], Any] | None = None
    query: Callable[[MatterFacts | None], dict] | None = None
    #: Where the caller sees the matter, this must be in the answer (the number, a link, the phone revealed).
    shows: Callable[[MatterFacts], str] | None = None
    api: bool = False
    write: bool = False
    ids: tuple[str, ...] = field(default_factory=tuple)  # path parameters taken from the matter
    #: A path that depends on the caller too (the matter names another part of the request).
    path_for: Callable[[MatrixWorld, Caller, MatterFacts | None], str] | None = None


def _petitioner(tag: int) -> dict[str, str]:
    return {"name": "司马新", "phone": f"1380099{tag:04d}", "address": "深圳市南山区新路1号"}


def _api_contact(mw: MatrixWorld, c: Caller, m: MatterFacts | None) -> dict:
    from xinfang.testing.factories import api_contact_body

    number = m.number if m else NO_NUMBER
    return api_contact_body(
        region_code=region_of(mw, c), attach_to=number, petitioners=[_petitioner(1)], external_ref=""
    )


def _lookup_query(m: MatterFacts | None) -> dict:
    return {"id_number": m.id_number if m else id_number(999, region="440305", birth="19790203")}


def _suggest(_mw: MatrixWorld, _c: Caller, m: MatterFacts | None) -> dict:
    if m is None:
        return {"title": "无此事项", "id_number": id_number(999, region="440305", birth="19790203")}
    return {"title": m.title, "text": m.title, "id_number": m.id_number, "phone": m.phone, "name": m.name}


def _register_form(mw: MatrixWorld, c: Caller, m: MatterFacts | None) -> dict:
    data = {
        "channel": "visit",
        "matter_type": "petition",
        "region_code": region_of(mw, c),
        "title": "同一事项再次来访",
        "request": "请求尽快处理",
        "facts": "前次来访后无进展",
        "reasons": "问题仍未解决",
        "headcount": "1",
        "attach_to": m.number if m else NO_NUMBER,
        "p-TOTAL_FORMS": "8",
        "p-INITIAL_FORMS": "0",
        "p-MIN_NUM_FORMS": "0",
        "p-MAX_NUM_FORMS": "8",
    }
    data |= {f"p-{i}-kind": "person" for i in range(8)}
    data |= {f"p-0-{k}": v for k, v in _petitioner(2).items()}
    return data


def _register_seen(a: Answer, c: Caller, m: MatterFacts) -> bool:
    # Registers as a repeat petition and goes to the matter; a role that may not register sees the form again.
    return _back_to_matter(a, c, m) if can_register(c) else a.status == 200


def _contacts_seen(a: Answer, c: Caller, _m: MatterFacts) -> bool:
    return a.status == 201 if can_register(c) else (a.status == 403 and a.code == "role_required")


def _contacts_refused(a: Answer, c: Caller, _m: MatterFacts) -> bool:
    # The role check comes first: a caller who may not register at all learns nothing about the number.
    if not can_register(c):
        return a.status == 403 and a.code == "role_required"
    return a.status == 404 and a.code == "matter_not_found"


def _api_path(template: str) -> Callable[[MatterFacts | None], str]:
    def build(m: MatterFacts | None) -> str:
        values = {
            "number": m.number if m else NO_NUMBER,
            "assignment_id": m.assignment_id if m else NO_ID,
            "objection_id": m.objection_id if m else NO_ID,
        }
        return template.format(**values)

    return build


def _api(template: str, **kw: Any) -> Probe:
    method, path = template.split(" ", 1)
    ids = tuple(p for p in ("number", "assignment_id", "objection_id") if "{" + p + "}" in path)
    return Probe(id=template, method=method, path=_api_path(path), api=True, ids=ids, **kw)


_MATTER = "/api/v1/matters/{number}"
#: (METHOD path) of every operation in the OpenAPI document → how to call it and what it must answer.
API_PROBES: dict[str, Probe] = {
    p.id: p
    for p in [
        _api(
            "POST /api/v1/contacts",
            kind="matter",
            body=_api_contact,
            seen=_contacts_seen,
            refused=_contacts_refused,
            write=True,
        ),
        _api(
            "GET /api/v1/petitioners/history",
            kind="matter",
            query=_lookup_query,
            refused=_status(200),
            shows=lambda m: m.number,
        ),
        _api("GET /api/v1/matters", kind="list", shows=lambda m: f'"number": "{m.number}"'),
        _api(f"GET {_MATTER}", kind="matter", refused=_api_refused, shows=lambda m: m.number),
        _api(f"GET {_MATTER}/route-proposals", kind="matter", refused=_api_refused),
        _api(
            f"POST {_MATTER}/route",
            kind="matter",
            body=lambda _w, _c, m: {"unit_id": m.route_to if m else NO_ID, "mode": "transfer"},
            seen=_api_write_seen,
            refused=_api_refused,
            write=True,
        ),
        _api(
            f"POST {_MATTER}/assignments/{{assignment_id}}/accept",
            kind="matter",
            body=lambda *_: {"notice_method": "书面", "notice_text": "已受理，将在法定期限内办理"},
            seen=_api_write_seen,
            refused=_api_refused,
            write=True,
        ),
        _api(
            f"POST {_MATTER}/assignments/{{assignment_id}}/object",
            kind="matter",
            body=lambda *_: {"reason": "该事项不属于本单位法定职责，请重新分流"},
            seen=_api_write_seen,
            refused=_api_refused,
            write=True,
        ),
        _api(
            f"POST {_MATTER}/objections/{{objection_id}}/decide",
            kind="matter",
            body=lambda *_: {"approve": False, "reason": "维持原转送决定"},
            seen=_api_write_seen,
            refused=_api_refused,
            write=True,
        ),
        _api(
            "POST /api/v1/suggestions",
            kind="matter",
            body=_suggest,
            refused=_status(200),
            shows=lambda m: m.number,
        ),
    ]
}


# -- the handling chain, documents, status, feed and exchange (cases/api_*.py, exchange/api.py) ------------


def _api_at(template: str, fill: Callable[[MatterFacts | None], dict], **kw: Any) -> Probe:
    """A probe whose path takes ids other than the three of ``_api`` (``document_id``) or a fixed segment
    (``{level}``, ``{ext}``): ``fill`` gives every placeholder, made-up ones for no matter."""
    method, path = template.split(" ", 1)
    ids = tuple(p for p in ("number", "document_id") if "{" + p + "}" in path)
    return Probe(id=template, method=method, path=lambda m: path.format(**fill(m)), api=True, ids=ids, **kw)


def _number(m: MatterFacts | None) -> dict:
    return {"number": m.number if m else NO_NUMBER}


def _at_level(m: MatterFacts | None) -> dict:
    return {**_number(m), "level": "opinion"}


def _pdf(m: MatterFacts | None) -> dict:
    return {**_number(m), "document_id": m.document_id if m else NO_ID, "ext": "pdf"}


_OPINION = {
    "decision": "support",
    "request": "请求维修电梯",
    "facts": "电梯停运两个月",
    "reasons": "影响老人出行",
    "findings": "经现场核查属实",
    "decision_text": "责令物业于30日内修复",
    "legal_basis": ["《物业管理条例》第五十四条"],
}


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _draft_seen(a: Answer, _c: Caller, _m: MatterFacts) -> bool:
    # No matter of the world has a draft, and only the drafting unit reads one: either answer, not scope's.
    return (a.status, a.code) in {(403, "not_drafting_unit"), (404, "draft_not_found")}


def _exchange_document(mw: MatrixWorld, c: Caller, _m: MatterFacts | None) -> dict:
    """An ``xinfang-exchange/1`` document of a made-up sender's matter placed in the caller's region, with the
    petitioner's contact details (as a bureau exports it to the unit it assigned the matter to)."""
    from django.utils import timezone

    now = timezone.now().isoformat()
    person = _petitioner(3)
    return {
        "format": "xinfang-exchange/1",
        "exported_at": now,
        "sender": {"name": "上级信访局", "region_code": "440000"},
        "contact_details_included": True,
        "matter": {
            "number": "449900-2026-000001",
            "matter_type": "petition",
            "region_code": region_of(mw, c),
            "title": "上级交办的事项",
            "first_received_at": now,
        },
        "contacts": [
            {
                "ordinal": 1,
                "channel": "letter",
                "received_at": now,
                "title": "上级交办的事项",
                "request": "请求依法处理",
                "facts": "来信反映的情况",
                "reasons": "理由见来信",
                "petitioners": [{**person, "kind": "person"}],
            }
        ],
    }


# The writes of the handling chain need an accepted matter (or an opinion, a review request …), and the
# matrix world holds none: every caller who sees a matter is refused by state or role, never by scope. What
# this matrix holds them to is scope; their successes are tested in xinfang/cases/tests/test_api_handling.py.
_HANDLING = {"seen": _api_write_seen, "refused": _api_refused}
API_PROBES.update(
    {
        p.id: p
        for p in [
            _api(f"GET {_MATTER}/status", kind="matter", refused=_api_refused, shows=lambda m: m.number),
            # The registration event names the number (masked values only, as the events store them).
            _api(f"GET {_MATTER}/timeline", kind="matter", refused=_api_refused, shows=lambda m: m.number),
            _api(
                f"GET {_MATTER}/documents",
                kind="matter",
                refused=_api_refused,
                shows=lambda m: f"/matters/{m.number}/documents/{m.document_id}/pdf",
            ),
            _api_at(
                f"GET {_MATTER}/documents/{{document_id}}/{{ext}}", _pdf, kind="matter", refused=_api_refused
            ),
            _api_at(
                f"GET {_MATTER}/opinions/{{level}}/draft",
                _at_level,
                kind="matter",
                seen=_draft_seen,
                refused=_api_refused,
            ),
            _api_at(
                f"POST {_MATTER}/opinions/{{level}}/draft",
                _at_level,
                kind="matter",
                body=lambda *_: _OPINION,
                **_HANDLING,
            ),
            _api_at(
                f"POST {_MATTER}/opinions/{{level}}/sign",
                _at_level,
                kind="matter",
                body=lambda *_: _OPINION,
                **_HANDLING,
            ),
            _api_at(
                f"POST {_MATTER}/opinions/{{level}}/service",
                _at_level,
                kind="matter",
                body=lambda *_: {"method": "postal", "served_on": _today()},
                **_HANDLING,
            ),
            _api(
                f"POST {_MATTER}/extension",
                kind="matter",
                body=lambda *_: {"days": 10, "reason": "需委托第三方鉴定"},
                **_HANDLING,
            ),
            _api(
                f"POST {_MATTER}/evaluation",
                kind="matter",
                body=lambda *_: {"rating": "satisfied", "source": "phone"},
                **_HANDLING,
            ),
            _api(
                f"POST {_MATTER}/review-requests",
                kind="matter",
                body=lambda *_: {"reason": "不服处理意见，请求复查"},
                **_HANDLING,
            ),
            _api(
                f"POST {_MATTER}/hearings",
                kind="matter",
                body=lambda *_: {
                    "held_from": _today(),
                    "held_to": _today(),
                    "minutes": "听证笔录",
                    "outcome": "维持",
                },
                **_HANDLING,
            ),
            _api(
                f"POST {_MATTER}/legal-channel",
                kind="matter",
                body=lambda *_: {"item": 1, "channel": "诉讼", "why": "该请求属于民事纠纷，应当通过诉讼解决"},
                **_HANDLING,
            ),
            # Public progress of what the caller sees, every matter of the world from the first page.
            _api("GET /api/v1/changes", kind="list", shows=lambda m: f'"matter_number": "{m.number}"'),
            # Masked without ``to``: for whoever sees the matter.
            _api(f"GET {_MATTER}/export", kind="matter", refused=_api_refused, shows=lambda m: m.number),
            # Registers a made-up sender's matter in the caller's own region: no matter of the world is named.
            _api(
                "POST /api/v1/exchange/import",
                kind="page",
                body=_exchange_document,
                seen=_contacts_seen,
            ),
        ]
    }
)


def _converters(route: str) -> list[str]:
    """The route's path parameters; none for a route that does not exist (a stale probe, which
    test_every_probe_names_an_endpoint_that_exists reports instead of the module failing to import)."""
    pattern = staff_routes()[0].get(route)
    return list(pattern.pattern.converters) if pattern else []


def _page_path(route: str, **fixed: str) -> Callable[[MatterFacts | None], str]:
    names = _converters(route)

    def build(m: MatterFacts | None) -> str:
        values = {
            "number": m.number if m else NO_NUMBER,
            "assignment_id": m.assignment_id if m else NO_ID,
            "objection_id": m.objection_id if m else NO_ID,
            "attachment_id": m.attachment_id if m else NO_ID,
            "document_id": m.document_id if m else NO_ID,
            "party_id": m.party_id if m else NO_ID,
            "petitioner_id": m.petitioner_id if m else NO_ID,
            "incident_id": NO_ID,
            **fixed,
        }
        return reverse(route, kwargs={n: values[n] for n in names})

    return build


def _page(route: str, method: str, kind: str, *, variant: str = "", fixed: dict | None = None, **kw) -> Probe:
    fixed = fixed or {}
    ids = tuple(n for n in _converters(route) if n not in fixed)
    probe_id = f"{method} {route}" + (f"[{variant}]" if variant else "")
    return Probe(id=probe_id, method=method, kind=kind, path=_page_path(route, **fixed), ids=ids, **kw)


def _upload(*_: Any) -> dict:
    return {"file": SimpleUploadedFile("补充材料.txt", "补充材料：现场照片说明".encode(), "text/plain")}


# The four actions whose views look the matter up inside the action answer an out-of-sight number with a
# redirect to the matter page (which is then 404) and an error message — the same answer as for a number
# that does not exist, so no oracle and no data; the other actions answer 404 straight away.
_REDIRECTS_INSTEAD_OF_404 = _back_to_matter


def page_probes() -> dict[str, list[Probe]]:
    """Every staff page (and the portal's) → its request shapes."""
    post_back = {"seen": _acted}
    probes = [
        _page("web:login", "GET", "public"),
        _page("web:logout", "POST", "logout", seen=_status(200)),  # the signed-out page
        _page("web:inbox", "GET", "page"),
        _page("web:matters", "GET", "list", shows=lambda m: f'href="/matters/{m.number}/"'),
        _page("web:register", "GET", "page"),
        _page(
            "web:register",
            "POST",
            "matter",
            variant="attach_to",
            form=_register_form,
            seen=_register_seen,
            refused=_status(200),  # the form again, with "未找到信访事项 …，或您无权查看"
        ),
        _page("web:matter", "GET", "matter", shows=lambda m: m.number),
        _page(
            "web:route",
            "POST",
            "matter",
            form=lambda _w, _c, m: {"unit": m.route_to if m else NO_ID, "mode": "transfer"},
            refused=_REDIRECTS_INSTEAD_OF_404,
            **post_back,
        ),
        _page(
            "web:accept",
            "POST",
            "matter",
            form=lambda *_: {"notice_method": "书面", "notice_text": "已受理"},
            refused=_REDIRECTS_INSTEAD_OF_404,
            **post_back,
        ),
        _page(
            "web:object",
            "POST",
            "matter",
            form=lambda *_: {"reason": "该事项不属于本单位法定职责，请重新分流"},
            refused=_REDIRECTS_INSTEAD_OF_404,
            **post_back,
        ),
        _page(
            "web:decide",
            "POST",
            "matter",
            form=lambda *_: {"approve": "0", "reason": "维持原转送决定"},
            # No objection on the matter: 404 "未找到该异议", for those who see the matter too.
            seen=lambda a, c, m: _back_to_matter(a, c, m) if m.objection_id != NO_ID else a.status == 404,
        ),
        _page(
            "web:accept_direct",
            "POST",
            "matter",
            form=lambda *_: {"notice_text": "已直接受理"},
            refused=_REDIRECTS_INSTEAD_OF_404,
            **post_back,
        ),
        _page("web:attachment_upload", "POST", "matter", form=_upload, **post_back),
        _page("web:matter_print", "GET", "matter", shows=lambda m: m.number),
        # 批量转交 from 待分流: every number gets its own answer in a message, the page is the inbox again —
        # for a number out of sight the same "未找到…" as for one that does not exist, and nothing routed.
        _page(
            "web:route_batch",
            "POST",
            "matter",
            form=lambda _w, _c, m: (
                {"numbers": m.number if m else NO_NUMBER, "unit": m.route_to if m else NO_ID}
                | {"mode": "transfer"}
            ),
            seen=_to_inbox,
            refused=_to_inbox,
        ),
        _page(
            "web:merge",
            "POST",
            "matter",
            form=lambda *_: {"target": NO_NUMBER, "reason": "重复"},
            **post_back,
        ),
        # 并入 the other way round: the caller's own matter into the cell's matter, which must be in sight.
        _page(
            "web:merge",
            "POST",
            "matter",
            variant="into",
            path_for=_own_matter_path("web:merge"),
            form=lambda _w, _c, m: {"target": m.number if m else NO_NUMBER, "reason": "同一事项重复登记"},
            seen=_back_to_own,
            refused=_back_to_own,
        ),
        _page("web:unmerge", "POST", "matter", form=lambda *_: {"reason": "并入有误"}, **post_back),
        _page("web:attachment", "GET", "matter"),
        _page(
            "web:reveal",
            "POST",
            "matter",
            form=lambda *_: {"fields": "phone"},
            # 三员分立: the auditor reads the logs, never personal data (403 even where it sees the matter).
            seen=lambda a, c, _m: a.status == 200 or (a.status == 403 and "auditor" in c.roles),
            shows=lambda m: m.phone,
        ),
        _page(
            "web:settle_details",
            "POST",
            "matter",
            form=lambda *_: {"accept": "0", "reason": "电话核实"},
            **post_back,
        ),
        _page(
            "web:history",
            "GET",
            "matter",
            query=_lookup_query,
            refused=_status(200),
            shows=lambda m: m.number,
        ),
        _page(
            "web:petitioner_duplicates",
            "GET",
            "page",
            seen=lambda a, c, _m: a.status == (200 if "registrar" in c.roles else 403),
        ),
        _page("web:suggest", "POST", "matter", form=_suggest, refused=_status(200), shows=lambda m: m.number),
        _page("portal:home", "GET", "public"),
        _page("portal:submit", "GET", "public"),
        _page("portal:query", "GET", "public"),
        # Without the query code in its session nobody — staff included — reads a matter on the portal.
        _page("portal:progress", "GET", "portal", refused=_status(302)),
        _page("portal:evaluate", "POST", "portal", form=lambda *_: {"rating": "satisfied"}),
        _page("portal:review", "POST", "portal", form=lambda *_: {"reason": "不服处理意见"}),
        # The 登记回执: only for the browser that submitted (its code sealed in the session) or a session that
        # opened the matter with its code; anyone else goes to the query page, as for a made-up number.
        _page("portal:receipt", "GET", "portal", refused=_status(302)),
        _page("portal:recover", "GET", "public"),
        # The desk's 登记回执 of a matter in sight (the code only in the registrar's own browser).
        _page("web:receipt", "GET", "matter", shows=lambda m: m.number),
    ]
    for ext in ("pdf", "docx"):
        probes.append(_page("web:document", "GET", "matter", variant=ext, fixed={"ext": ext}))
        probes.append(_page("portal:document", "GET", "portal", variant=ext, fixed={"ext": ext}))
    # Every action of the handling and coordination views, as the views list them.
    for action in handling_views.ACTIONS:
        probes.append(
            _page("web:handle", "POST", "matter", variant=action, fixed={"action": action}, **post_back)
        )
    for action in coordination_views.ACTIONS:
        probes.append(
            _page("web:coordinate", "POST", "matter", variant=action, fixed={"action": action}, **post_back)
        )
    namespaces = get_resolver().namespace_dict
    if "privacy" in namespaces:
        probes += _privacy_probes()
    if "accounts" in namespaces:
        probes += _account_probes()
    by_route: dict[str, list[Probe]] = {}
    for p in probes:
        by_route.setdefault(p.id.split(" ", 1)[1].split("[")[0], []).append(p)
    return by_route


def _role(role: str, status: int) -> Judge:
    """``status`` for a caller holding ``role``, the separation page's 403 for everyone else."""
    return lambda a, c, _m: a.status == (status if role in c.roles else 403)


def _role_or_404(role: str) -> Judge:
    return lambda a, c, _m: a.status == (404 if role in c.roles else 403)


def _privacy_probes() -> list[Probe]:
    """个人信息保护 pages (/privacy/): the auditor's logs, the registrar's 查阅复制/更正 of a petitioner's
    record (keyed by the record, reached only through a matter the registrar sees), the security officer's
    incidents and retention (no persona holds that role)."""
    rights = {"refused": _role_or_404("registrar")}
    probes = [
        _page("privacy:audit_log", "GET", "page", seen=_role("auditor", 200)),
        _page("privacy:pii_log", "GET", "page", seen=_role("auditor", 200)),
        _page("privacy:petitioners", "GET", "page", seen=_role("registrar", 200)),
        _page(
            "privacy:petitioners",
            "GET",
            "matter",
            variant="lookup",
            query=_lookup_query,
            seen=_role("registrar", 200),
            refused=_role("registrar", 200),
        ),
        _page("privacy:petitioner", "GET", "matter", seen=_role("registrar", 200), **rights),
        _page(
            "privacy:petitioner_export",
            "POST",
            "matter",
            form=lambda *_: {"format": "json", "reason": "本人持身份证当面申请查阅"},
            seen=_role("registrar", 200),
            **rights,
        ),
        _page(
            "privacy:petitioner_correct",
            "POST",
            "matter",
            form=lambda *_: {"address": "深圳市南山区更正路1号", "reason": "本人持户口簿申请更正"},
            seen=lambda a, c, _m: a.status == 302 if "registrar" in c.roles else a.status == 403,
            **rights,
        ),
        _page("privacy:incidents", "GET", "page", seen=_status(403)),
        _page("privacy:incident", "GET", "page", seen=_status(403)),
        _page("privacy:retention", "GET", "page", seen=_status(403)),
    ]
    # The actions incident_action dispatches on (the view names them inline; keep in step with it).
    for action in ("update", "report", "notify", "close"):
        probes.append(
            _page(
                "privacy:incident_action",
                "POST",
                "page",
                variant=action,
                fixed={"action": action},
                seen=_status(403),
            )
        )
    return probes


def _account_probes() -> list[Probe]:
    """The signed-in user's own account pages (two-factor sign-in, password): no matter on them, for anyone.
    The password change is sent with a wrong current password: the form again, nothing changed."""
    own = {"seen": _status(200, 302)}
    wrong = {
        "old_password": "not-the-password",
        "new_password1": "Xf-矩阵-2026-a",
        "new_password2": "Xf-矩阵-2026-a",
    }
    return [
        _page("accounts:otp_verify", "GET", "page", **own),
        _page("accounts:two_factor", "GET", "page", **own),
        _page("accounts:two_factor_remove", "POST", "page", form=lambda *_: {"token": "000000"}, **own),
        _page("accounts:password_change", "GET", "page", **own),
        _page("accounts:password_change", "POST", "page", variant="wrong", form=lambda *_: wrong, **own),
    ]


# -- enumeration: what exists ------------------------------------------------------------------------------

#: Namespaces included in config/urls.py that are not staff pages: the JSON API (walked from its OpenAPI
#: document instead) and Django's admin (is_staff only, the 管理员 role).
NOT_PAGES = {"api", "admin"}
PAGE_NAMESPACES = {"web", "portal", "privacy", "accounts"}


def staff_routes() -> tuple[dict[str, URLPattern], list[str]]:
    """``namespace:name`` → pattern for every page of the staff UI and the portal, and what the root URL
    configuration holds that is none of those and not listed as something else (a new app's pages)."""
    routes: dict[str, URLPattern] = {}
    unknown: list[str] = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in NOT_PAGES:
            continue
        if isinstance(entry, URLResolver) and entry.namespace in PAGE_NAMESPACES:
            for p in entry.url_patterns:
                if isinstance(p, URLPattern) and p.name:
                    routes[f"{entry.namespace}:{p.name}"] = p
                else:
                    unknown.append(f"{entry.namespace}: {p.pattern}")
            continue
        unknown.append(str(entry.pattern))
    return routes, unknown


def _api_operations() -> list[str]:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return sorted(f"{m.upper()} {path}" for path, ops in schema["paths"].items() for m in ops)


API_OPERATIONS = _api_operations()
STAFF_ROUTES = sorted(staff_routes()[0])
PAGE_PROBES = page_probes()
