"""Establishment accounts: management requests, the manager's establishments, their merchant
wallet, and the experts they invite.

Every `/api/mes-etablissements/{id}/…` route answers 404 for an establishment that does not
exist and 403 to anyone who is not an active manager of that one (checked before anything
else, the Idempotency-Key and the PIN included)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from hostolink.admin.audit import Actor, actor_of
from hostolink.auth import permissions
from hostolink.auth.deps import CurrentUser, authenticated_router, require
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.establishments import errors, experts, service
from hostolink.establishments.schemas import (
    DecisionAnswer,
    DeclineBody,
    ExpertAnswer,
    ExpertsAnswer,
    InvitationBody,
    InvitationsAnswer,
    ManagedAnswer,
    ManagedOut,
    ManagementRequestBody,
    MembershipAnswer,
    MembershipOut,
    MerchantWalletOut,
    PendingRequestsAnswer,
    PortfolioAnswer,
    PortfolioOut,
    RefusalBody,
    StaticQrOut,
)
from hostolink.health.deps import DirectoryDep
from hostolink.health.schemas import EstablishmentAnswer, EstablishmentEdit
from hostolink.health.service import abidjan_moment, update_establishment
from hostolink.kit.deps import SettingsDep
from hostolink.kit.keys import KeyRing
from hostolink.kit.params import EstablishmentId, UserId
from hostolink.operations.answers import FLOW_DOC, started_answer
from hostolink.operations.deps import OperationsDep
from hostolink.operations.schemas import OperationAnswer, WithdrawalBody
from hostolink.qr import images
from hostolink.qr import service as qr_codes
from hostolink.qr.deps import KeyRingDep
from hostolink.qr.schemas import DynamicQrBody, QrAnswer, QrImages
from hostolink.wallet import history
from hostolink.wallet.deps import PinCheckDep
from hostolink.wallet.idempotency import required_claim
from hostolink.wallet.pin import confirm_pin
from hostolink.wallet.schemas import HistoryAnswer, HistoryFilters, ReceiptAnswer

router = authenticated_router(tags=["Établissements — gestion"])
admin_router = authenticated_router(tags=["Administration — gestionnaires"])
ManagersValidator = Annotated[Principal, Depends(require(permissions.MANAGERS_VALIDATE))]

Limit = Annotated[int, Query(ge=1, le=history.MAX_PAGE, description="Éléments par page.")]
Cursor = Annotated[str | None, Query(max_length=200, description="Page suivante.")]
BASE = "/api/mes-etablissements/{id_etablissement}"
# The static code never changes; a dynamic one may be paid any minute.
STATIC_CACHE = "private, max-age=3600"
DYNAMIC_CACHE = "private, no-store"


def _actor(principal: Principal, request: Request) -> Actor:
    return actor_of(principal, request)


def _images(establishment_id: int, code: str) -> QrImages:
    base = BASE.format(id_etablissement=establishment_id)
    return QrImages(png=f"{base}/qr/{code}.png", svg=f"{base}/qr/{code}.svg")


async def _image(payload: str, media_type: str, cache: str) -> Response:
    render = images.render_png if media_type == images.PNG else images.render_svg
    content = await asyncio.to_thread(render, payload)
    return Response(content, media_type=media_type, headers={"Cache-Control": cache})


# --------------------------------------------------------------- requests to manage


@router.post(
    "/api/etablissements/{id_etablissement}/demandes-gestion",
    summary="Demander à gérer un établissement (validé par un administrateur)",
    status_code=201,
    response_model=MembershipAnswer,
)
async def request_management(
    id_etablissement: EstablishmentId,
    body: ManagementRequestBody,
    principal: CurrentUser,
    session: SessionDep,
) -> MembershipAnswer:
    data = await service.request_management(
        session,
        establishment_id=id_etablissement,
        principal=principal,
        justificatif=body.justificatif,
    )
    return MembershipAnswer(
        message="Demande envoyée : un administrateur va la vérifier.", data=data
    )


@admin_router.get(
    "/api/admin/demandes-gestion",
    summary="Demandes de gestion en attente (les plus anciennes d'abord)",
    response_model=PendingRequestsAnswer,
    dependencies=[Depends(require(permissions.MANAGERS_VALIDATE))],
)
async def pending_requests(
    session: SessionDep, curseur: Cursor = None, limite: Limit = 50
) -> PendingRequestsAnswer:
    items, following = await service.pending_requests(session, cursor=curseur, limit=limite)
    return PendingRequestsAnswer(data=items, curseur_suivant=following)


@admin_router.post(
    "/api/admin/demandes-gestion/{id_etablissement}/{id_user}/approbation",
    summary="Approuver une demande : rôle gestionnaire et compte marchand ouvert",
    response_model=DecisionAnswer,
)
async def approve(
    id_etablissement: EstablishmentId,
    id_user: UserId,
    principal: ManagersValidator,
    session: SessionDep,
    request: Request,
) -> DecisionAnswer:
    data = await service.approve(
        session,
        establishment_id=id_etablissement,
        user_id=id_user,
        actor=_actor(principal, request),
    )
    return DecisionAnswer(message="Demande approuvée.", data=data)


@admin_router.post(
    "/api/admin/demandes-gestion/{id_etablissement}/{id_user}/refus",
    summary="Refuser une demande (motif obligatoire)",
    response_model=DecisionAnswer,
)
async def refuse(
    id_etablissement: EstablishmentId,
    id_user: UserId,
    *,
    body: RefusalBody,
    principal: ManagersValidator,
    session: SessionDep,
    request: Request,
) -> DecisionAnswer:
    data = await service.refuse(
        session,
        establishment_id=id_etablissement,
        user_id=id_user,
        motif=body.motif,
        actor=_actor(principal, request),
    )
    return DecisionAnswer(message="Demande refusée.", data=data)


# ---------------------------------------------------------------- the manager's side


@router.get(
    "/api/mes-etablissements",
    summary="Les établissements que je gère (et ceux dont je suis expert)",
    response_model=ManagedAnswer,
)
async def my_establishments(principal: CurrentUser, session: SessionDep) -> ManagedAnswer:
    rows = await service.my_establishments(session, principal=principal)
    data = [
        ManagedOut(
            id_etablissement=row.id_etablissement,
            nom=row.nom,
            categorie=row.categorie,
            role=row.role,
            portefeuille=MerchantWalletOut(
                numero_compte=row.numero_compte,
                solde=row.solde,
                devise=row.devise,
                statut=row.statut,
            )
            if row.numero_compte is not None
            else None,
        )
        for row in rows
    ]
    return ManagedAnswer(data=data)


@router.patch(
    BASE,
    summary="Modifier la fiche de mon établissement (coordonnées, horaires…)",
    response_model=EstablishmentAnswer,
)
async def edit(
    id_etablissement: EstablishmentId,
    body: EstablishmentEdit,
    principal: CurrentUser,
    session: SessionDep,
    directory: DirectoryDep,
) -> EstablishmentAnswer:
    await service.check_manager(session, establishment_id=id_etablissement, principal=principal)
    await update_establishment(
        session,
        establishment_id=id_etablissement,
        edit=body,
        actor=principal,
        source="gestionnaire",
    )
    directory.invalidate()  # a new name or place: new search words
    # admin=True: the manager of a hidden establishment still sees its record.
    data = await directory.detail(
        session, establishment_id=id_etablissement, moment=abidjan_moment(), admin=True
    )
    return EstablishmentAnswer(data=data, attribution=data.provenance)


@router.get(
    BASE + "/portefeuille",
    summary="Solde et QR code statique du compte marchand",
    response_model=PortfolioAnswer,
)
async def portfolio(
    id_etablissement: EstablishmentId, principal: CurrentUser, session: SessionDep, ring: KeyRingDep
) -> PortfolioAnswer:
    managed, account = await service.managed_account(
        session, establishment_id=id_etablissement, principal=principal
    )
    payload = await qr_codes.static_payload(session, ring=ring, compte_id=account.id_compte)
    data = PortfolioOut(
        id_etablissement=managed.id_etablissement,
        nom=managed.nom,
        portefeuille=account.out(),
        qr_statique=StaticQrOut(payload=payload, images=_images(id_etablissement, "statique")),
    )
    return PortfolioAnswer(data=data)


@router.post(
    BASE + "/qr",
    summary="Créer un QR code à montant fixe payable à l'établissement",
    status_code=201,
    response_model=QrAnswer,
)
async def create_dynamic(
    id_etablissement: EstablishmentId,
    *,
    body: DynamicQrBody,
    principal: CurrentUser,
    session: SessionDep,
    ring: KeyRingDep,
    settings: SettingsDep,
) -> QrAnswer:
    _, account = await service.managed_account(
        session, establishment_id=id_etablissement, principal=principal
    )
    if account.statut != "actif":
        raise errors.MerchantCannotReceive
    data = await qr_codes.create_dynamic_for_account(
        session,
        ring=ring,
        compte_id=account.id_compte,
        devise=account.devise,
        montant=body.montant,
        libelle=body.libelle,
        ttl_seconds=body.duree_secondes or settings.qr_dynamic_ttl_seconds,
    )
    data = data.model_copy(update={"images": _images(id_etablissement, data.code)})
    return QrAnswer(message="QR code créé.", data=data)


async def _static_image(
    id_etablissement: int, principal: Principal, session: AsyncSession, ring: KeyRing, kind: str
) -> Response:
    _, account = await service.managed_account(
        session, establishment_id=id_etablissement, principal=principal
    )
    payload = await qr_codes.static_payload(session, ring=ring, compte_id=account.id_compte)
    return await _image(payload, kind, STATIC_CACHE)


@router.get(BASE + "/qr/statique.png", summary="QR code statique (PNG)", response_class=Response)
async def static_png(
    id_etablissement: EstablishmentId, principal: CurrentUser, session: SessionDep, ring: KeyRingDep
) -> Response:
    return await _static_image(id_etablissement, principal, session, ring, images.PNG)


@router.get(BASE + "/qr/statique.svg", summary="QR code statique (SVG)", response_class=Response)
async def static_svg(
    id_etablissement: EstablishmentId, principal: CurrentUser, session: SessionDep, ring: KeyRingDep
) -> Response:
    return await _static_image(id_etablissement, principal, session, ring, images.SVG)


async def _code_image(
    id_etablissement: int,
    code: str,
    *,
    principal: Principal,
    session: AsyncSession,
    ring: KeyRing,
    kind: str,
) -> Response:
    _, account = await service.managed_account(
        session, establishment_id=id_etablissement, principal=principal
    )
    payload = await qr_codes.account_code_payload(
        session, ring=ring, compte_id=account.id_compte, code=code
    )
    return await _image(payload, kind, DYNAMIC_CACHE)


# Declared after the static routes: `statique.png` must not read as code "statique".
@router.get(
    BASE + "/qr/{code}.png", summary="QR code à montant fixe (PNG)", response_class=Response
)
async def code_png(
    id_etablissement: EstablishmentId,
    code: str,
    principal: CurrentUser,
    session: SessionDep,
    ring: KeyRingDep,
) -> Response:
    return await _code_image(
        id_etablissement, code, principal=principal, session=session, ring=ring, kind=images.PNG
    )


@router.get(
    BASE + "/qr/{code}.svg", summary="QR code à montant fixe (SVG)", response_class=Response
)
async def code_svg(
    id_etablissement: EstablishmentId,
    code: str,
    principal: CurrentUser,
    session: SessionDep,
    ring: KeyRingDep,
) -> Response:
    return await _code_image(
        id_etablissement, code, principal=principal, session=session, ring=ring, kind=images.SVG
    )


@router.get(
    BASE + "/transactions",
    summary="Encaissements et retraits du compte marchand (le plus récent d'abord)",
    response_model=HistoryAnswer,
)
async def transactions(
    id_etablissement: EstablishmentId,
    *,
    principal: CurrentUser,
    session: SessionDep,
    filters: Annotated[HistoryFilters, Query()],
    curseur: Cursor = None,
    limite: Limit = 20,
) -> HistoryAnswer:
    _, account = await service.managed_account(
        session, establishment_id=id_etablissement, principal=principal
    )
    items, following = await history.account_history(
        session, account_id=account.id_compte, filters=filters, cursor=curseur, limit=limite
    )
    return HistoryAnswer(data=items, curseur_suivant=following)


@router.get(
    BASE + "/transactions/{reference}",
    summary="Reçu d'une transaction du compte marchand",
    response_model=ReceiptAnswer,
)
async def receipt(
    id_etablissement: EstablishmentId, reference: str, principal: CurrentUser, session: SessionDep
) -> ReceiptAnswer:
    _, account = await service.managed_account(
        session, establishment_id=id_etablissement, principal=principal
    )
    data = await history.receipt(
        session,
        principal=principal,
        reference=reference,
        as_admin=False,
        account_id=account.id_compte,
    )
    return ReceiptAnswer(data=data)


@router.post(
    BASE + "/retraits",
    summary="Retirer de l'argent du compte marchand vers un numéro mobile money",
    description=FLOW_DOC + " Confirmation par le PIN du gestionnaire : champ `pin` ou en-tête "
    "`X-Jeton-Pin`.",
    status_code=202,
    response_model=OperationAnswer,
)
async def withdraw(
    id_etablissement: EstablishmentId,
    *,
    body: WithdrawalBody,
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
    flow: OperationsDep,
    settings: SettingsDep,
    pins: PinCheckDep,
) -> JSONResponse:
    await service.check_manager(session, establishment_id=id_etablissement, principal=principal)
    # Read, never opened here: the flow locks the account in its own transaction, which
    # would not see an account this request's (still open) transaction had just inserted.
    account = await service.merchant_account(session, establishment_id=id_etablissement)
    if account is None:
        raise errors.MerchantAccountMissing
    ttl_hours = settings.idempotency_ttl_hours
    claim = required_claim(request, user_id=principal.id, body=body, ttl_hours=ttl_hours)
    await confirm_pin(session, request, pins, principal=principal, pin=body.pin)
    started = await flow.start(
        principal=principal,
        direction="retrait",
        rail_code=body.fournisseur,
        amount=body.montant,
        number=body.numero,
        claim=claim,
        account_id=account.id_compte,
    )
    return started_answer(started)


# ------------------------------------------------------------------------- experts


@router.post(
    BASE + "/experts",
    summary="Inviter un expert santé (par son téléphone ou son e-mail)",
    description="Répond 404 si aucun compte Hostolink n'a cet identifiant (réservé aux "
    "gestionnaires approuvés).",
    status_code=201,
    response_model=ExpertAnswer,
)
async def invite_expert(
    id_etablissement: EstablishmentId,
    body: InvitationBody,
    principal: CurrentUser,
    session: SessionDep,
) -> ExpertAnswer:
    data = await experts.invite(
        session,
        establishment_id=id_etablissement,
        principal=principal,
        identifiant=body.identifiant,
        specialite=body.specialite,
    )
    return ExpertAnswer(message="Invitation envoyée.", data=data)


@router.get(BASE + "/experts", summary="Experts de mon établissement", response_model=ExpertsAnswer)
async def list_experts(
    id_etablissement: EstablishmentId, principal: CurrentUser, session: SessionDep
) -> ExpertsAnswer:
    data = await experts.experts(session, establishment_id=id_etablissement, principal=principal)
    return ExpertsAnswer(data=data)


@router.delete(
    BASE + "/experts/{id_user}",
    summary="Retirer un expert (ou annuler son invitation)",
    response_model=ExpertAnswer,
)
async def remove_expert(
    id_etablissement: EstablishmentId,
    id_user: UserId,
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
) -> ExpertAnswer:
    data = await experts.withdraw(
        session,
        establishment_id=id_etablissement,
        user_id=id_user,
        actor=_actor(principal, request),
    )
    return ExpertAnswer(message="Expert retiré de l'établissement.", data=data)


@router.get(
    "/api/invitations",
    summary="Mes invitations d'expert en attente",
    response_model=InvitationsAnswer,
)
async def my_invitations(principal: CurrentUser, session: SessionDep) -> InvitationsAnswer:
    return InvitationsAnswer(data=await experts.my_invitations(session, principal=principal))


def _membership(member: service.M, name: str) -> MembershipOut:
    return MembershipOut(
        id_etablissement=member.id_etablissement,
        nom_etablissement=name,
        role="expert",
        statut=member.statut,
        specialite=member.specialite,
        motif=member.motif,
        date_creation=member.date_creation,
        date_traitement=member.date_traitement,
    )


@router.post(
    "/api/invitations/{id_etablissement}/acceptation",
    summary="Accepter une invitation d'expert",
    response_model=MembershipAnswer,
)
async def accept_invitation(
    id_etablissement: EstablishmentId, principal: CurrentUser, session: SessionDep
) -> MembershipAnswer:
    member, name = await experts.accept(
        session, establishment_id=id_etablissement, principal=principal
    )
    return MembershipAnswer(
        message=f"Vous êtes expert de « {name} ».", data=_membership(member, name)
    )


@router.post(
    "/api/invitations/{id_etablissement}/refus",
    summary="Décliner une invitation d'expert",
    response_model=MembershipAnswer,
)
async def decline_invitation(
    id_etablissement: EstablishmentId,
    principal: CurrentUser,
    session: SessionDep,
    body: DeclineBody | None = None,
) -> MembershipAnswer:
    member, name = await experts.decline(
        session,
        establishment_id=id_etablissement,
        principal=principal,
        motif=body.motif if body else None,
    )
    return MembershipAnswer(message="Invitation déclinée.", data=_membership(member, name))
