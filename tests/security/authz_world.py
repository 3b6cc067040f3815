"""The organisation, matters and callers of the authorisation matrix (test_authz_matrix.py).

Thirteen matters, each placed so that one caller meets it in one situation: in scope, out of scope, or an
accusation (检举控告) against the caller's own unit, against the unit above it, or against a unit below it.
Each accusation against unit X is registered *by* X or its subtree, or lies in a jurisdiction X oversees, so
that something other than the Art 30 rule would let X see it: the rule has to be what hides it.

Who sees what is written out by hand in ``VISIBLE`` (not computed with ``visible_matters``, which is what is
under test); ``SITUATIONS`` names, per unit, which matter stands for which situation."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from xinfang.accounts.services import user_create
from xinfang.cases.documents import issue_acceptance
from xinfang.cases.models import MatterType
from xinfang.core.pii import mask_id_number, mask_phone
from xinfang.intake.attachments import attachment_add
from xinfang.intake.validation import PetitionerInput
from xinfang.routing.services import assignment_object, matter_route
from xinfang.testing.factories import World, build_world, id_number, register

#: An id no row has: the "made-up number" every refusal is compared with.
NO_ID = 987_654_321
NO_NUMBER = "440305-2026-999999"


@dataclass(frozen=True)
class MatterSpec:
    key: str
    region: str
    registered_by: str
    accused: str | None = None
    routed_to: str | None = None
    routed_by: str = "registrar"


SPECS = [
    MatterSpec("plain_ns", "440305", "registrar", routed_to="ns_housing"),
    MatterSpec("plain_team", "440305", "registrar", routed_to="ns_housing_team"),
    # Routed to 人力资源局, which objects: a pending objection for the city bureau to decide.
    MatterSpec("plain_hr", "440305", "registrar", routed_to="ns_hr"),
    MatterSpec("plain_hz", "330100", "hz_registrar"),
    # The province registers and routes it; the accused city bureau and its sub-unit 南山区信访局 oversee
    # 南山 and would see it by jurisdiction.
    MatterSpec(
        "acc_city", "440305", "gd_leader", "city_bureau", routed_to="discipline", routed_by="gd_leader"
    ),
    MatterSpec("acc_ns_bureau", "440305", "ns_registrar", "ns_bureau"),  # registered by the accused itself
    MatterSpec("acc_housing", "440305", "handler", "ns_housing"),  # registered by the accused itself
    MatterSpec("acc_housing_by_team", "440305", "team_clerk", "ns_housing"),  # by a sub-unit of the accused
    MatterSpec("acc_team", "440305", "team_clerk", "ns_housing_team"),  # by the accused itself
    # Against the sub-unit, routed to the parent: the parent handles it (it is not shielded).
    MatterSpec("acc_team_routed", "440305", "registrar", "ns_housing_team", routed_to="ns_housing"),
    MatterSpec("acc_hr", "440305", "outsider", "ns_hr"),
    MatterSpec("acc_discipline", "440305", "jiwei", "discipline"),
    MatterSpec("acc_hz", "330100", "hz_registrar", "hz_bureau"),
    # Against the province, registered and left unrouted by the city bureau: a route its staff may make.
    MatterSpec("acc_gd", "440305", "registrar", "gd_bureau"),
]

_SHENZHEN = {s.key for s in SPECS if s.region.startswith("4403")}

#: unit → the matters it must see. Bureaus see their region prefix, other units what was routed to them or
#: registered by them; an accusation never reaches the accused unit or any unit below it (条例第三十条).
VISIBLE: dict[str, set[str]] = {
    "city_bureau": _SHENZHEN - {"acc_city"},
    "ns_bureau": _SHENZHEN - {"acc_city", "acc_ns_bureau"},
    "ns_housing": {"plain_ns", "acc_team_routed"},  # not acc_housing, which it registered itself
    "ns_housing_team": {"plain_team"},  # not acc_team nor acc_housing_by_team, which it registered
    "ns_hr": {"plain_hr"},
    "discipline": {"acc_city"},
    "hz_bureau": {"plain_hz"},
    "gd_bureau": _SHENZHEN - {"acc_gd"},
}

#: unit → (situation, matter) pairs the per-endpoint matrix walks. A matter in a situation that must be seen
#: is in VISIBLE, the others are not (test_situations_follow_the_rule).
SITUATIONS: dict[str, list[tuple[str, str]]] = {
    "city_bureau": [
        ("in_scope", "plain_ns"),
        ("in_scope", "plain_hr"),
        ("out_of_scope", "plain_hz"),
        ("accused_own", "acc_city"),
        ("accused_sub", "acc_ns_bureau"),
        ("accused_other", "acc_gd"),
    ],
    "ns_bureau": [
        ("in_scope", "plain_ns"),
        ("out_of_scope", "plain_hz"),
        ("accused_own", "acc_ns_bureau"),
        ("accused_parent", "acc_city"),
    ],
    "ns_housing": [
        ("in_scope", "plain_ns"),
        ("out_of_scope", "plain_team"),  # routed to its sub-unit only
        ("accused_own", "acc_housing"),
        ("accused_sub", "acc_team_routed"),
    ],
    "ns_housing_team": [
        ("in_scope", "plain_team"),
        ("out_of_scope", "plain_ns"),  # routed to its parent only
        ("accused_own", "acc_team"),
        ("accused_parent", "acc_housing_by_team"),
    ],
    "ns_hr": [("in_scope", "plain_hr"), ("out_of_scope", "plain_ns"), ("accused_own", "acc_hr")],
    "discipline": [
        ("in_scope", "acc_city"),
        ("out_of_scope", "plain_ns"),
        ("accused_own", "acc_discipline"),
    ],
    "hz_bureau": [("in_scope", "plain_hz"), ("out_of_scope", "plain_ns"), ("accused_own", "acc_hz")],
    "gd_bureau": [
        ("in_scope", "plain_ns"),
        ("in_scope", "acc_city"),  # the province above the accused city bureau
        ("out_of_scope", "plain_hz"),
        ("accused_own", "acc_gd"),
    ],
}
MUST_SEE = {"in_scope": True, "accused_sub": True, "accused_other": True}
MUST_SEE |= {"out_of_scope": False, "accused_own": False, "accused_parent": False}

#: The personas of build_world and the one created here (物业科, the sub-unit of 南山区住房和建设局).
PERSONAS = [
    "registrar",
    "leader",
    "auditor",
    "ns_registrar",
    "handler",
    "colleague",
    "team_clerk",
    "outsider",
    "jiwei",
    "hz_registrar",
    "gd_leader",
]
TOKEN_UNITS = list(SITUATIONS)
ANONYMOUS = "anonymous"
#: Nobody signed in meets one plain matter and one accusation: refused like everyone out of scope.
SITUATIONS[ANONYMOUS] = [("anonymous", "plain_ns"), ("anonymous", "acc_city")]
MUST_SEE["anonymous"] = False


@dataclass
class MatterFacts:
    key: str
    number: str
    pk: int
    title: str
    name: str
    twin_name: str  # a second record: same phone, a name one character longer (信访人合并 candidates)
    id_number: str
    phone: str
    route_to: int  # a unit the matter may be routed to (never the accused one)
    assignment_id: int = NO_ID
    objection_id: int = NO_ID
    attachment_id: int = NO_ID
    document_id: int = NO_ID
    party_id: int = NO_ID
    petitioner_id: int = NO_ID

    @property
    def secrets(self) -> dict[str, str]:
        """What a caller who may not see the matter must never read, in any answer."""
        return {
            "number": self.number,
            "title": self.title,
            "name": self.name,
            "twin name": self.twin_name,
            "ID number": self.id_number,
            "masked ID number": mask_id_number(self.id_number),
            "phone": self.phone,
            "masked phone": mask_phone(self.phone),
        }


@dataclass
class Caller:
    """A persona with a logged-in session, a system with a Bearer token, or nobody."""

    name: str
    unit_key: str | None
    roles: tuple[str, ...]
    client: Client
    bearer: bool = False
    own_number: str = ""  # set by a probe whose path names the caller's own matter (authz_probes)

    @property
    def situations(self) -> list[tuple[str, str]]:
        return SITUATIONS[self.unit_key or ANONYMOUS]

    def sees(self, matter_key: str) -> bool:
        return matter_key in VISIBLE.get(self.unit_key or "", set())


@dataclass
class MatrixWorld:
    world: World
    matters: dict[str, MatterFacts] = field(default_factory=dict)
    callers: dict[str, Caller] = field(default_factory=dict)

    def unit_key(self, unit_id: int | None) -> str | None:
        return next((k for k, u in self.world.units.items() if u.pk == unit_id), None)


_STEMS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳"


def _register(w: World, spec: MatterSpec, i: int) -> MatterFacts:
    person = PetitionerInput(
        name=f"欧阳{_STEMS[i]}",
        id_number=id_number(701 + i, region="440305", birth="19790203"),
        phone=f"1390070{i + 1:04d}",
        address=f"深圳市南山区矩阵路{i + 1}号",
    )
    # Same phone, a name one character away, no ID number: a second record the blind indexes group with the
    # first (the 信访人合并 page lists such pairs for the matters the user may see).
    twin = PetitionerInput(name=f"{person.name}一", phone=person.phone, address=person.address)
    title = f"授权矩阵事项XFMX{i + 1:02d}"
    accused = w.units[spec.accused].pk if spec.accused else None
    contact = register(
        w,
        actor=spec.registered_by,
        region_code=spec.region,
        title=title,
        petitioners=[person, twin],
        matter_type=MatterType.ACCUSATION if accused else MatterType.PETITION,
        accused_unit_id=accused,
    )
    matter = contact.matter
    route_to = w.units["ns_hr" if spec.accused == "discipline" else "discipline"].pk
    facts = MatterFacts(
        key=spec.key,
        number=matter.number,
        pk=matter.pk,
        title=title,
        name=person.name,
        twin_name=twin.name,
        id_number=person.id_number,
        phone=person.phone,
        route_to=route_to,
        party_id=contact.parties.get(petitioner__name=person.name).pk,
        petitioner_id=contact.parties.get(petitioner__name=person.name).petitioner_id,
    )
    actor = w.users[spec.registered_by]
    body = "信访材料：矩阵测试附件".encode()
    facts.attachment_id = attachment_add(
        contact=contact, name="材料.txt", stream=io.BytesIO(body), size=len(body), actor=actor
    ).pk
    facts.document_id = issue_acceptance(
        matter=matter, unit=actor.unit, actor=actor, notice_text="已收到您的来信，将依法办理"
    ).pk
    if spec.routed_to:
        facts.assignment_id = matter_route(
            matter=matter, unit=w.units[spec.routed_to], mode="transfer", actor=w.users[spec.routed_by]
        ).pk
    return facts


def build_matrix_world() -> MatrixWorld:
    w = build_world()
    w.users["team_clerk"] = user_create(
        username="team_clerk",
        password="pw-test-123",
        full_name="物业科承办人",
        unit=w.units["ns_housing_team"],
        roles=["handler"],
    )
    mw = MatrixWorld(world=w)
    for i, spec in enumerate(SPECS):
        mw.matters[spec.key] = _register(w, spec, i)
    hr = mw.matters["plain_hr"]
    hr.objection_id = assignment_object(
        assignment=_assignment(hr.assignment_id),
        actor=w.users["outsider"],
        reason="该事项不属于本单位职责范围，请重新分流",
    ).pk
    for persona in PERSONAS:
        user = w.users[persona]
        client = Client()
        client.force_login(user)
        mw.callers[persona] = Caller(persona, mw.unit_key(user.unit_id), tuple(user.roles), client)
    for unit_key in TOKEN_UNITS:
        _token, raw = w.token(unit_key)
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        mw.callers[f"token:{unit_key}"] = Caller(f"token:{unit_key}", unit_key, ("registrar",), client, True)
    mw.callers[ANONYMOUS] = Caller(ANONYMOUS, None, (), Client())
    return mw


def _assignment(pk: int) -> Any:
    from xinfang.routing.models import Assignment

    return Assignment.objects.select_related("matter", "unit", "from_unit").get(pk=pk)
