"""The back-office pages that act through the domain services rather than on rows: the
dashboard, a person's file (suspend, reactivate, roles), the KYC queue with the documents side
by side, a transaction with its ledger entries (reverse), a deposit or withdrawal (ask the
provider again), management requests and the moderation queue.

Every action is a POST carrying the session's CSRF token, checked before anything else; it
runs the same service function as the API route, in one transaction, so it is audited the
same way; the answer is a redirect with a French flash message (success or the error's own
message)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqladmin import BaseView, expose
from sqladmin.flash import flash
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from hostolink.admin import roles as governance
from hostolink.admin.audit import Actor
from hostolink.auth import permissions as p
from hostolink.auth import principal as principals
from hostolink.auth.principal import Principal
from hostolink.auth.roles import ROLES
from hostolink.backoffice.session import check_csrf, csrf_token, current_admin
from hostolink.db import Database, database_of
from hostolink.discussions.hub import runtime_of
from hostolink.discussions.live import withdraw_quietly
from hostolink.errors import BadRequest, HostolinkError
from hostolink.establishments import service as management
from hostolink.kit.deps import client_ip, signing_key_of
from hostolink.kyc import files as kyc_files
from hostolink.kyc import links as kyc_links
from hostolink.kyc import service as kyc
from hostolink.logging import request_id_var
from hostolink.models import Ecriture, Transaction, Utilisateur
from hostolink.models.verification_identite import STATUTS as KYC_STATUTS
from hostolink.operations import service as operations_service
from hostolink.operations.deps import operations_of
from hostolink.operations.service import Settled
from hostolink.social import moderation
from hostolink.support.conversations.figures import figures as support_figures
from hostolink.wallet import admin as wallet_admin
from hostolink.wallet import history
from hostolink.wallet.deps import notices_of

HERE = Path(__file__).resolve().parent
# identity → (permission to see the page, permission to act on it)
PERMISSIONS: dict[str, tuple[str, str | None]] = {
    "tableau-de-bord": (p.TRANSACTIONS_READ, None),
    "fiche": (p.USERS_READ, p.USERS_SUSPEND),
    "kyc": (p.KYC_REVIEW, p.KYC_REVIEW),
    "recu": (p.TRANSACTIONS_READ, p.TRANSACTIONS_REVERSE),
    "suivi": (p.OPERATIONS_READ, p.OPERATIONS_MANAGE),
    "demandes": (p.MANAGERS_VALIDATE, p.MANAGERS_VALIDATE),
    "moderation": (p.MODERATION, p.MODERATION),
    "taches": (p.TASKS_READ, p.TASKS_MANAGE),  # job_desk.JobDeskPage
    "supervision": (p.SUPERVISION_READ, None),  # supervision.SupervisionPage
    "parrainage": (p.REFERRAL_MANAGE, p.REFERRAL_MANAGE),  # referral.ReferralPage
    # support.SupportDeskPage, support_claims.ClaimsPage (approving asks for
    # reclamations:approuver), support_help.HelpPage
    "assistance": (p.SUPPORT_ANSWER, p.SUPPORT_ANSWER),
    "reclamations": (p.SUPPORT_ANSWER, p.CLAIMS_RESOLVE),
    "aide": (p.HELP_MANAGE, p.HELP_MANAGE),
}
DASHBOARD_DAYS = 30

__all__ = ["PAGES", "PERMISSIONS", "csrf_token", "dashboard", "static_files"]


def static_files() -> StaticFiles:
    """Chart.js (from npm, see static/README.md) and our small stylesheet, served locally."""
    return StaticFiles(directory=HERE / "static")


def _person() -> Principal:
    person = current_admin.get()
    if person is None:  # authentication ran before any page: cannot happen
        raise HTTPException(401)
    return person


def _require(permission: str | None) -> Principal:
    person = _person()
    if permission is None or permission not in person.permissions:
        raise HTTPException(403, f"Permission requise : {permission}.")
    return person


def _actor(request: Request) -> Actor:
    return Actor(_person(), client_ip(request), request_id_var.get())


def _db(view: BaseView) -> Database:
    return database_of(view._admin_ref.app)  # the API application's


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    if not check_csrf(request, form):
        raise HTTPException(403, "Jeton CSRF absent ou invalide : rechargez la page.")
    return {key: str(value).strip() for key, value in form.items() if isinstance(value, str)}


def _motif(form: dict[str, str]) -> str:
    motif = form.get("motif", "")
    if len(motif) < 3:
        raise HostolinkError("Indiquez un motif (au moins 3 caractères).", status_code=422)
    return motif


async def _act(
    view: BaseView,
    request: Request,
    back: str,
    work: Callable[[AsyncSession, dict[str, str]], Awaitable[str]],
    *,
    permission: str | None = None,
) -> Response:
    """Check the CSRF token and the acting permission (the page's, unless the action names
    its own), run `work` in one transaction, and come back to `back` with its message (or
    the error's)."""
    _require(permission or PERMISSIONS[view.identity][1])
    form = await _form(request)
    try:
        async with _db(view).sessionmaker() as session, session.begin():
            message = await work(session, form)
    except HostolinkError as error:
        flash(request, error.message, "danger")
    else:
        flash(request, message, "success")
    return RedirectResponse(back, status_code=303)


async def _render(view: BaseView, request: Request, template: str, **context: Any) -> Response:
    context.setdefault("csrf", csrf_token(request))
    context.setdefault("can_act", _can_act(view.identity))
    response: Response = await view.templates.TemplateResponse(request, template, context)
    return response


def _can_act(identity: str) -> bool:
    permission = PERMISSIONS[identity][1]
    person = current_admin.get()
    return bool(person and permission and permission in person.permissions)


# ------------------------------------------------------------------------------ dashboard

_DAILY = text(
    """
    WITH jours AS (
        SELECT generate_series(CAST(:debut AS date), CAST(:fin AS date), interval '1 day')::date
            AS jour
    )
    SELECT jours.jour,
        (SELECT count(*) FROM utilisateur u
          WHERE u.date_inscription >= jours.jour
            AND u.date_inscription < jours.jour + 1) AS inscriptions,
        (SELECT count(*) FROM "transaction" t
          WHERE t.date_creation >= jours.jour AND t.date_creation < jours.jour + 1
            AND t.statut = 'reussie') AS transactions,
        (SELECT coalesce(sum(t.montant), 0) FROM "transaction" t
          WHERE t.date_creation >= jours.jour AND t.date_creation < jours.jour + 1
            AND t.statut = 'reussie') AS volume,
        (SELECT count(*) FROM operation_fournisseur o
          WHERE o.date_creation >= jours.jour AND o.date_creation < jours.jour + 1
            AND o.sens = 'depot') AS depots,
        (SELECT count(*) FROM operation_fournisseur o
          WHERE o.date_creation >= jours.jour AND o.date_creation < jours.jour + 1
            AND o.sens = 'retrait') AS retraits
    FROM jours ORDER BY jours.jour
    """
)
_TOTALS = text(
    """
    SELECT
      (SELECT count(*) FROM utilisateur) AS personnes,
      (SELECT count(*) FROM verification_identite WHERE statut = 'en_attente') AS kyc,
      (SELECT count(*) FROM operation_fournisseur
        WHERE statut NOT IN ('reussie', 'echouee', 'annulee', 'expiree')) AS operations,
      (SELECT count(*) FROM signalement WHERE statut = 'en_attente') AS signalements,
      (SELECT count(*) FROM membre_etablissement WHERE statut = 'en_attente') AS demandes
    """
)


async def dashboard(site: Any, request: Request) -> Response:
    """New people, successful transactions (count and volume), deposits and withdrawals per
    day over 30 days (Abidjan is on UTC all year), what waits for a decision, and the help
    desk's service levels (support/conversations/figures.py, as the API's statistics)."""
    person = _person()
    allowed = p.TRANSACTIONS_READ in person.permissions
    days: list[dict[str, Any]] = []
    totals: dict[str, Any] = {}
    support = None
    if p.SUPPORT_ANSWER in person.permissions:
        async with database_of(site.app).sessionmaker() as session:
            support = await support_figures(session, DASHBOARD_DAYS)
    if allowed:
        end = datetime.now(UTC).date()
        start = end - timedelta(days=DASHBOARD_DAYS - 1)
        db = database_of(site.app)
        async with db.sessionmaker() as session:
            rows = await session.execute(_DAILY, {"debut": start, "fin": end})
            days = [
                {
                    "jour": row.jour.isoformat(),
                    "inscriptions": row.inscriptions,
                    "transactions": row.transactions,
                    "volume": int(row.volume),
                    "depots": row.depots,
                    "retraits": row.retraits,
                }
                for row in rows
            ]
            totals = dict((await session.execute(_TOTALS)).one()._mapping)
    response: Response = await site.templates.TemplateResponse(
        request,
        "backoffice/dashboard.html",
        {
            "allowed": allowed,
            "days": days,
            "totals": totals,
            "person": person,
            "support": support,
            "support_days": DASHBOARD_DAYS,
        },
    )
    return response


class DashboardPage(BaseView):
    name = "Tableau de bord"
    identity = "tableau-de-bord"
    icon = "fa-solid fa-chart-line"

    @expose("/tableau-de-bord", identity="tableau-de-bord")
    async def page(self, request: Request) -> Response:
        return await dashboard(self._admin_ref, request)


# ---------------------------------------------------------------------------- a person

_ROLE_LABELS = {role.code: role.label for role in ROLES}


class PersonPage(BaseView):
    name = "Fiche d'une personne"
    identity = "fiche"

    def is_visible(self, request: Request) -> bool:
        return False  # reached from the list of people

    @expose("/fiche/{id_user:int}", identity="fiche")
    async def page(self, request: Request) -> Response:
        user_id = request.path_params["id_user"]
        async with _db(self).sessionmaker() as session:
            row = (await session.execute(principals.PRINCIPAL_BY_ID, {"user_id": user_id})).first()
            if row is None:
                raise HTTPException(404, "Personne introuvable.")
            person = principals.from_row(row)
            user = await session.get(Utilisateur, user_id)
            recent = (
                await session.scalars(
                    select(Transaction)
                    .where(Transaction.id_user_initiateur == user_id)
                    .order_by(Transaction.date_creation.desc())
                    .limit(10)
                )
            ).all()
        viewer = _person()
        return await _render(
            self,
            request,
            "backoffice/person.html",
            person=person,
            user=user,
            recent=recent,
            roles=_ROLE_LABELS,
            can_assign=p.ROLES_ASSIGN in viewer.permissions,
        )

    @expose("/fiche/{id_user:int}/suspension", methods=["POST"], identity="fiche")
    async def suspend(self, request: Request) -> Response:
        return await self._set_active(request, active=False)

    @expose("/fiche/{id_user:int}/reactivation", methods=["POST"], identity="fiche")
    async def reactivate(self, request: Request) -> Response:
        return await self._set_active(request, active=True)

    async def _set_active(self, request: Request, *, active: bool) -> Response:
        user_id = request.path_params["id_user"]

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            await governance.set_active(
                session, actor=_actor(request), user_id=user_id, active=active, motif=_motif(form)
            )
            return "Compte réactivé." if active else "Compte suspendu : ses sessions sont closes."

        return await _act(self, request, f"/admin/fiche/{user_id}", work)

    @expose("/fiche/{id_user:int}/roles", methods=["POST"], identity="fiche")
    async def roles(self, request: Request) -> Response:
        _require(p.ROLES_ASSIGN)
        user_id = request.path_params["id_user"]
        chosen = [code for code in _ROLE_LABELS if code in (await request.form()).getlist("roles")]

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            codes = await governance.replace_roles(
                session, actor=_actor(request), user_id=user_id, codes=chosen, motif=_motif(form)
            )
            return "Rôles enregistrés : " + ", ".join(_ROLE_LABELS[c] for c in codes) + "."

        return await _act(self, request, f"/admin/fiche/{user_id}", work)


# ---------------------------------------------------------------------------------- KYC


class KycPage(BaseView):
    name = "Vérifications d'identité"
    identity = "kyc"
    icon = "fa-solid fa-id-card"
    category = "Personnes"

    @expose("/kyc", identity="kyc")
    async def queue(self, request: Request) -> Response:
        statut = request.query_params.get("statut", "en_attente")
        if statut not in KYC_STATUTS:
            statut = "en_attente"
        async with _db(self).sessionmaker() as session:
            page = await kyc_files.queue(session, statut=statut, cursor=None, limit=100)
        return await _render(
            self, request, "backoffice/kyc_queue.html", items=page.data, statut=statut
        )

    @expose("/kyc/{id_verification:int}", identity="kyc")
    async def review(self, request: Request) -> Response:
        verification_id = request.path_params["id_verification"]
        async with _db(self).sessionmaker() as session:
            try:
                row, person = await kyc.for_review(session, verification_id)
            except HostolinkError as error:
                raise HTTPException(error.status, error.message) from error
        key = kyc_links.link_key(signing_key_of(self._admin_ref.app))
        detail = kyc_files.review(row, person, key=key, base_url="")
        return await _render(self, request, "backoffice/kyc_review.html", item=detail)

    @expose("/kyc/{id_verification:int}/approbation", methods=["POST"], identity="kyc")
    async def approve(self, request: Request) -> Response:
        verification_id = request.path_params["id_verification"]

        async def work(session: AsyncSession, _form: dict[str, str]) -> str:
            await kyc.approve(session, actor=_person(), verification_id=verification_id)
            return "Pièce approuvée : niveau KYC relevé."

        return await _act(self, request, f"/admin/kyc/{verification_id}", work)

    @expose("/kyc/{id_verification:int}/rejet", methods=["POST"], identity="kyc")
    async def reject(self, request: Request) -> Response:
        verification_id = request.path_params["id_verification"]

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            await kyc.reject(
                session, actor=_person(), verification_id=verification_id, motif=_motif(form)
            )
            return "Pièce rejetée : la personne voit le motif."

        return await _act(self, request, f"/admin/kyc/{verification_id}", work)


# ------------------------------------------------------------------------- transactions


class TransactionPage(BaseView):
    name = "Transaction"
    identity = "recu"

    def is_visible(self, request: Request) -> bool:
        return False  # reached from the list of transactions

    @expose("/transactions/{reference}", identity="recu")
    async def page(self, request: Request) -> Response:
        reference = request.path_params["reference"]
        async with _db(self).sessionmaker() as session:
            try:
                receipt = await history.receipt(
                    session, principal=_person(), reference=reference, as_admin=True
                )
            except HostolinkError as error:
                raise HTTPException(error.status, error.message) from error
            entries = (
                await session.execute(
                    select(Ecriture)
                    .join(Transaction, Transaction.id_transaction == Ecriture.id_transaction)
                    .where(Transaction.reference == reference)
                    .order_by(Ecriture.id_ecriture)
                )
            ).scalars()
            entries_list = list(entries)
        return await _render(
            self, request, "backoffice/transaction.html", receipt=receipt, entries=entries_list
        )

    @expose("/transactions/{reference}/contre-passation", methods=["POST"], identity="recu")
    async def reverse(self, request: Request) -> Response:
        reference = request.path_params["reference"]

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            await wallet_admin.reverse(
                session, actor=_actor(request), reference=reference, motif=_motif(form), claim=None
            )
            return "Transaction contre-passée : remboursement effectué."

        return await _act(self, request, f"/admin/transactions/{reference}", work)


# ------------------------------------------------------------------ deposits, withdrawals


class OperationPage(BaseView):
    name = "Dépôt ou retrait"
    identity = "suivi"

    def is_visible(self, request: Request) -> bool:
        return False  # reached from the list of deposits and withdrawals

    @expose("/operations/{reference}", identity="suivi")
    async def page(self, request: Request) -> Response:
        reference = request.path_params["reference"]
        flow = operations_of(self._admin_ref.app)
        try:
            view = await flow.view(reference=reference, user_id=None)
        except HostolinkError as error:
            raise HTTPException(error.status, error.message) from error
        return await _render(self, request, "backoffice/operation.html", operation=view)

    @expose("/operations/{reference}/verification", methods=["POST"], identity="suivi")
    async def verify(self, request: Request) -> Response:
        _require(PERMISSIONS[self.identity][1])
        await _form(request)
        reference = request.path_params["reference"]
        flow = operations_of(self._admin_ref.app)
        try:
            view = await flow.verify_reference(reference, origin="administrateur")
        except HostolinkError as error:
            raise HTTPException(error.status, error.message) from error
        flash(request, f"Fournisseur interrogé : statut « {view.statut} ».", "success")
        return RedirectResponse(f"/admin/operations/{reference}", status_code=303)

    @expose("/operations/{reference}/resolution", methods=["POST"], identity="suivi")
    async def resolve(self, request: Request) -> Response:
        """Close by hand an operation the provider never decides, after checking with the
        provider by other means (same service, audit and notices as the API route)."""
        reference = request.path_params["reference"]
        settled: list[Settled] = []

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            outcome = form.get("statut")
            if outcome not in ("reussie", "echouee"):
                raise BadRequest("Choisissez « réussie » ou « échouée ».")
            done = await operations_service.resolve_by_hand(
                session,
                reference=reference,
                succeeded=outcome == "reussie",
                motif=_motif(form),
                actor=_actor(request),
            )
            settled.append(done)
            return f"Opération close à la main : {done.operation.statut}."

        response = await _act(self, request, f"/admin/operations/{reference}", work)
        for done in settled:  # after the commit, as the API route does
            await notices_of(self._admin_ref.app).write(done.notices)
        return response


# ------------------------------------------------------------------- management requests


class RequestsPage(BaseView):
    name = "Demandes de gestion"
    identity = "demandes"
    icon = "fa-solid fa-user-doctor"
    category = "Santé"

    @expose("/demandes", identity="demandes")
    async def page(self, request: Request) -> Response:
        async with _db(self).sessionmaker() as session:
            items, _following = await management.pending_requests(session, cursor=None, limit=100)
        return await _render(self, request, "backoffice/requests.html", items=items)

    @expose(
        "/demandes/{id_etablissement:int}/{id_user:int}/{decision}",
        methods=["POST"],
        identity="demandes",
    )
    async def decide(self, request: Request) -> Response:
        params = request.path_params
        establishment_id, user_id = params["id_etablissement"], params["id_user"]
        if params["decision"] not in {"approbation", "refus"}:
            raise HTTPException(404)

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            if params["decision"] == "approbation":
                await management.approve(
                    session,
                    establishment_id=establishment_id,
                    user_id=user_id,
                    actor=_actor(request),
                )
                return "Demande approuvée : rôle gestionnaire et compte marchand ouverts."
            await management.refuse(
                session,
                establishment_id=establishment_id,
                user_id=user_id,
                motif=_motif(form),
                actor=_actor(request),
            )
            return "Demande refusée."

        return await _act(self, request, "/admin/demandes", work)


# ---------------------------------------------------------------------------- moderation


class ModerationPage(BaseView):
    name = "Modération"
    identity = "moderation"
    icon = "fa-solid fa-flag"
    category = "Contenus"

    @expose("/moderation", identity="moderation")
    async def page(self, request: Request) -> Response:
        async with _db(self).sessionmaker() as session:
            items, _following = await moderation.pending(session, cursor=None, limit=100)
        return await _render(self, request, "backoffice/moderation.html", items=items)

    @expose("/moderation/{id_signalement:int}/{decision}", methods=["POST"], identity="moderation")
    async def decide(self, request: Request) -> Response:
        report_id = request.path_params["id_signalement"]
        decision = request.path_params["decision"]
        if decision not in {"masquer", "rejeter"}:
            raise HTTPException(404)

        withdrawn: list[tuple[int, int]] = []

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            outcome = await moderation.decide(
                session,
                actor=_person(),
                report_id=report_id,
                hide=decision == "masquer",
                motif=_motif(form),
            )
            if outcome.withdrawn_message is not None:
                withdrawn.append(outcome.withdrawn_message)
            return "Contenu masqué." if decision == "masquer" else "Signalement rejeté."

        response = await _act(self, request, "/admin/moderation", work)
        # _act has committed (or rolled back, and then `work` withdrew nothing): take the
        # hidden room message off the screens connected to its room.
        hub = runtime_of(self._admin_ref.app).hub
        for room_id, message_id in withdrawn:
            await withdraw_quietly(hub, room_id, message_id)
        return response


PAGES: tuple[type[BaseView], ...] = (
    DashboardPage,
    PersonPage,
    KycPage,
    TransactionPage,
    OperationPage,
    RequestsPage,
    ModerationPage,
)
