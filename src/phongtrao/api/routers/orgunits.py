"""Org units: browse and search the tree within the user's scope."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from phongtrao.accounts.permissions import Action
from phongtrao.orgunits.models import OrgUnit
from phongtrao.orgunits.selectors import (
    orgunit_children,
    orgunit_get_for_user,
    orgunit_roots_for_user,
    orgunit_search,
)
from phongtrao.orgunits.services import orgunit_update_contact

router = Router()


class OrgUnitOut(Schema):
    id: int
    hierarchy: str
    code: str
    name: str
    unit_type: str
    level: str
    parent_id: int | None
    valid_from: date | None
    valid_to: date | None


class OrgUnitDetailOut(OrgUnitOut):
    contact_name: str
    contact_phone: str
    children: list[OrgUnitOut]


class ContactIn(Schema):
    contact_name: str = ""
    contact_phone: str = ""


@router.get("/", response=list[OrgUnitOut], operation_id="orgunits_list")
def list_orgunits(request: HttpRequest, q: str = "", hierarchy: str | None = None) -> list[OrgUnit]:
    """Return the user's top units, or the units matching q (name with or without diacritics)."""
    if q:
        return list(orgunit_search(user=request.user, query=q, hierarchy=hierarchy))
    return list(orgunit_roots_for_user(user=request.user))


@router.get("/{unit_id}", response=OrgUnitDetailOut, operation_id="orgunits_get")
def get_orgunit(request: HttpRequest, unit_id: int) -> dict:
    unit = orgunit_get_for_user(user=request.user, pk=unit_id)
    return {
        **OrgUnitOut.from_orm(unit).dict(),
        "contact_name": unit.contact_name,
        "contact_phone": unit.contact_phone,
        "children": list(orgunit_children(unit=unit)),
    }


@router.patch("/{unit_id}/contact", response=OrgUnitDetailOut, operation_id="orgunits_set_contact")
def set_orgunit_contact(request: HttpRequest, unit_id: int, payload: ContactIn) -> dict:
    unit = orgunit_get_for_user(user=request.user, pk=unit_id, action=Action.EDIT_UNIT)
    orgunit_update_contact(
        unit=unit, contact_name=payload.contact_name, contact_phone=payload.contact_phone
    )
    return get_orgunit(request, unit_id)
