"""The claims in the back-office (`/admin/reclamations`): the decisions waiting for a second
person's approval and the claims still open, with the decision form (reclamations:traiter)
and approve / refuse (reclamations:approuver; never the proposer: the service refuses them
with its French reason, and the page shows it instead of the buttons).

The actions are shared with the conversation page (its claims panel posts here and comes
back through `retour`). Each runs the claims service of the API in one transaction (the
money moves through wallet/admin.py, audited), then publishes the live frames."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqladmin import BaseView, expose
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from hostolink.auth import permissions as p
from hostolink.backoffice.pages import _act, _actor, _db, _person, _render
from hostolink.backoffice.support import RESOLUTIONS, viewer_rights
from hostolink.errors import HostolinkError
from hostolink.kit.deps import settings_of
from hostolink.support.claims import effects
from hostolink.support.claims import service as claims
from hostolink.support.claims.effects import Pending
from hostolink.support.claims.schemas import DecisionBody, MotifBody

IDENTITY = "reclamations"
BACK = "/admin/reclamations"


def _back(form: dict[str, str]) -> str:
    """Where the form came from: a back-office page only (never an outside address)."""
    wanted = form.get("retour", "")
    if wanted.startswith("/admin/") and "//" not in wanted and "\\" not in wanted:
        return wanted
    return BACK


def _validated(model: Any, values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["loc"] and first["loc"][0] == "motif":
            message = "Indiquez un motif (au moins 5 caractères)."
        elif first["loc"] and first["loc"][0] == "montant":
            message = "Montant : un nombre entier positif de francs CFA est attendu."
        raise HostolinkError(message, status_code=422) from None


def decision_body(form: dict[str, str]) -> DecisionBody:
    resolution = form.get("resolution", "")
    raw = form.get("montant", "").replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    values: dict[str, Any] = {"resolution": resolution, "motif": form.get("motif", "")}
    if resolution in ("ajustement_credit", "ajustement_debit"):
        values["montant"] = raw or None
    return _validated(DecisionBody, values)  # type: ignore[no-any-return]


class ClaimsPage(BaseView):
    name = "Réclamations"
    identity = IDENTITY
    icon = "fa-solid fa-scale-balanced"
    category = "Assistance"

    @expose("/reclamations", identity=IDENTITY)
    async def page(self, request: Request) -> Response:
        async with _db(self).sessionmaker() as session:
            waiting = await claims.listing(session, statut="a_approuver")
            opened = await claims.listing(session, statut="ouverte")
        return await _render(
            self,
            request,
            "backoffice/support_claims.html",
            waiting=waiting,
            open=opened,
            me=_person().id,
            back=BACK,
            show_conversation=True,
            **viewer_rights(self._admin_ref.app),
        )

    @expose("/reclamations/{id_reclamation:int}/decision", methods=["POST"], identity=IDENTITY)
    async def decide(self, request: Request) -> Response:
        claim_id = request.path_params["id_reclamation"]
        threshold = settings_of(self._admin_ref.app).support_approval_threshold

        async def work(session: AsyncSession, form: dict[str, str]) -> tuple[str, Pending | None]:
            claim, pending = await claims.decide(
                session,
                actor=_actor(request),
                claim_id=claim_id,
                body=decision_body(form),
                threshold=threshold,
            )
            if claim.statut == "a_approuver":
                return "Décision proposée : une seconde personne doit l'approuver.", pending
            if claim.statut == "rejetee":
                return "Réclamation classée sans suite : la personne est prévenue.", pending
            done = RESOLUTIONS.get(claim.resolution or "", "Décision")
            return f"{done} effectuée : la personne est prévenue.", pending

        return await self._decision(request, work, permission=p.CLAIMS_RESOLVE)

    @expose("/reclamations/{id_reclamation:int}/approbation", methods=["POST"], identity=IDENTITY)
    async def approve(self, request: Request) -> Response:
        claim_id = request.path_params["id_reclamation"]

        async def work(session: AsyncSession, form: dict[str, str]) -> tuple[str, Pending | None]:
            body = _validated(MotifBody, {"motif": form.get("motif", "")})
            _claim, pending = await claims.approve(
                session, actor=_actor(request), claim_id=claim_id, motif=body.motif
            )
            return "Décision approuvée et exécutée : la personne est prévenue.", pending

        return await self._decision(request, work, permission=p.CLAIMS_APPROVE)

    @expose("/reclamations/{id_reclamation:int}/refus", methods=["POST"], identity=IDENTITY)
    async def refuse(self, request: Request) -> Response:
        claim_id = request.path_params["id_reclamation"]

        async def work(session: AsyncSession, form: dict[str, str]) -> tuple[str, Pending | None]:
            body = _validated(MotifBody, {"motif": form.get("motif", "")})
            _claim, pending = await claims.refuse(
                session, actor=_actor(request), claim_id=claim_id, motif=body.motif
            )
            return "Proposition refusée : la réclamation est de nouveau ouverte.", pending

        return await self._decision(request, work, permission=p.CLAIMS_APPROVE)

    async def _decision(self, request: Request, decision: Any, *, permission: str) -> Response:
        """One claim decision through `_act` (CSRF, permission, one transaction), back to
        the page the form came from, then its live frames once committed."""
        back = _back({k: str(v) for k, v in (await request.form()).items()})
        published: list[Pending] = []

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            said, pending = await decision(session, form)
            if pending is not None:
                published.append(pending)
            return str(said)

        response = await _act(self, request, back, work, permission=permission)
        for pending in published:
            await effects.publish(self._admin_ref.app, pending)
        return response
