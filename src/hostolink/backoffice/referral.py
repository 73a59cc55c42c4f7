"""The back-office referral page (`/admin/parrainage`): the campaigns with their budget used
and left, a form to create one and one to change each, behind `parrainage:gerer`. Every
change goes through `referral.campaigns` (the API's service): checked, audited with its
before/after and the mandatory reason, in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqladmin import BaseView, expose
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from hostolink.backoffice.pages import _act, _actor, _db, _render
from hostolink.errors import HostolinkError
from hostolink.referral import campaigns
from hostolink.referral.schemas import CampaignBody, CampaignOut, CampaignPatch

_Model = TypeVar("_Model", bound=BaseModel)
IDENTITY = "parrainage"
BACK = "/admin/parrainage"
_NUMBERS = ("montant_parrain", "montant_filleul", "depot_minimum", "budget")
_LABELS = {
    "nom": "Nom",
    "montant_parrain": "Bonus du parrain",
    "montant_filleul": "Bonus du filleul",
    "depot_minimum": "Dépôt minimum",
    "budget": "Budget",
    "date_debut": "Début",
    "date_fin": "Fin",
    "delai_validation_heures": "Délai de validation",
    "motif": "Motif",
}


def _fields(form: dict[str, str], *, partial: bool) -> dict[str, Any]:
    """The form's values as the API's body: numbers as integers (spaces allowed), the
    checkbox as a boolean, empty fields left out of a change."""
    values: dict[str, Any] = {}
    for name in (*_NUMBERS, "delai_validation_heures"):
        raw = form.get(name, "").replace(" ", "").replace("\u202f", "")
        if raw == "" and partial:
            continue
        try:
            values[name] = int(raw)
        except ValueError:
            raise HostolinkError(
                f"{_LABELS[name]} : un nombre entier de francs CFA est attendu.", status_code=422
            ) from None
    for name in ("nom", "date_debut", "date_fin", "motif"):
        if form.get(name) or not partial:
            values[name] = form.get(name, "")
    values["active"] = form.get("active") == "on"
    return values


def _body(model: type[_Model], values: dict[str, Any]) -> _Model:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        raise HostolinkError(
            f"{_LABELS.get(name, name)} : valeur invalide ({first['msg']}).", status_code=422
        ) from None


def _money(value: int) -> str:
    """« 1 000 000 F », never broken across lines."""
    return f"{value:,}".replace(",", "\u00a0") + "\u00a0F"


def _local(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


class ReferralPage(BaseView):
    name = "Parrainage"
    identity = IDENTITY
    icon = "fa-solid fa-gift"
    category = "Argent"

    @expose("/parrainage", identity=IDENTITY)
    async def page(self, request: Request) -> Response:
        async with _db(self).sessionmaker() as session:
            items = await campaigns.listing(session)
        chosen: CampaignOut | None = None
        wanted = request.query_params.get("campagne")
        if wanted and wanted.isdigit():
            chosen = next((c for c in items if c.id_campagne == int(wanted)), None)
        return await _render(
            self,
            request,
            "backoffice/referral.html",
            items=items,
            chosen=chosen,
            local=_local,
            money=_money,
        )

    @expose("/parrainage/campagnes", methods=["POST"], identity=IDENTITY)
    async def create(self, request: Request) -> Response:
        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            body = _body(CampaignBody, _fields(form, partial=False))
            created = await campaigns.create(session, actor=_actor(request), body=body)
            return f"Campagne « {created.nom} » créée."

        return await _act(self, request, BACK, work)

    @expose("/parrainage/campagnes/{id_campagne:int}", methods=["POST"], identity=IDENTITY)
    async def update(self, request: Request) -> Response:
        campaign_id = request.path_params["id_campagne"]

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            body = _body(CampaignPatch, _fields(form, partial=True))
            changed = await campaigns.update(
                session, actor=_actor(request), campaign_id=campaign_id, body=body
            )
            return f"Campagne « {changed.nom} » modifiée."

        return await _act(self, request, BACK, work)
