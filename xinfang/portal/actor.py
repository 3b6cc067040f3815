"""The portal's actor: registrations made on the public portal are the bureau's online desk acting, not a
staff user. It carries what ``contact_register`` and ``record_event`` read from an actor."""

from __future__ import annotations

from django.conf import settings
from django.db.models.functions import Length

from xinfang.org.models import Unit, UnitKind

PORTAL_LABEL = "阳光信访网上平台"


class PortalActor:
    """Not a User: no password, no pk; ``record_event`` stores the label and unit, no user."""

    display_label = PORTAL_LABEL
    is_user = False
    is_authenticated = False
    roles = ("registrar",)

    def __init__(self, unit: Unit) -> None:
        self.unit = unit

    @property
    def unit_id(self) -> int:
        return self.unit.pk

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def __str__(self) -> str:
        return PORTAL_LABEL


def portal_unit() -> Unit | None:
    """The bureau named by ``XINFANG_PORTAL_UNIT`` (a unit id); otherwise the active bureau with the widest
    jurisdiction (shortest region prefix; the earliest created on a tie)."""
    configured = getattr(settings, "XINFANG_PORTAL_UNIT", None)
    bureaus = Unit.objects.filter(kind=UnitKind.BUREAU, is_active=True).select_related("region")
    if configured:
        unit = bureaus.filter(pk=configured).first()
        if unit is not None:
            return unit
    # One ordered query (a province lists hundreds of bureaus; the page asks on every submission).
    return bureaus.order_by(Length("region__prefix"), "pk").first()


def portal_actor() -> PortalActor | None:
    unit = portal_unit()
    return PortalActor(unit) if unit is not None else None
