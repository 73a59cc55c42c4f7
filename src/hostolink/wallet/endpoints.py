"""Wallet routes: balance and limits, PIN confirmation, transfers, QR payments, history,
receipts; and the administrators' money actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse, Response

from hostolink.admin.audit import Actor, actor_of
from hostolink.auth import permissions
from hostolink.auth.deps import CurrentUser, authenticated_router, require
from hostolink.auth.principal import Principal
from hostolink.contacts import service as contacts
from hostolink.db import DatabaseDep, SessionDep
from hostolink.errors import HostolinkError
from hostolink.kit.deps import SettingsDep
from hostolink.kit.money import Amount, format_xof
from hostolink.qr import service as qr_codes
from hostolink.qr.deps import KeyRingDep
from hostolink.wallet import admin, history, notify, parties, service
from hostolink.wallet.deps import NoticesDep, PinCheckDep
from hostolink.wallet.errors import AmountMismatch, AmountRequired
from hostolink.wallet.idempotency import (
    REPLAY_HEADER,
    Replay,
    earlier_answer,
    optional_claim,
    required_claim,
    stored_answer,
)
from hostolink.wallet.ledger import IdempotencyClaim
from hostolink.wallet.overview import overview
from hostolink.wallet.pin import check_pin, confirm_pin, issue_pin_token
from hostolink.wallet.repository import Notice
from hostolink.wallet.schemas import (
    AccountStatusAnswer,
    AccountStatusBody,
    AdjustmentBody,
    AdminMovementAnswer,
    Body,
    Description,
    HistoryAnswer,
    HistoryFilters,
    Pin,
    ReceiptAnswer,
    ReversalBody,
    TransferAnswer,
    TransferBody,
    WalletAnswer,
)

router = authenticated_router(tags=["Portefeuille"])
admin_router = authenticated_router(tags=["Administration — argent"])
TransactionReader = Annotated[Principal, Depends(require(permissions.TRANSACTIONS_READ))]
Reverser = Annotated[Principal, Depends(require(permissions.TRANSACTIONS_REVERSE))]
Adjuster = Annotated[Principal, Depends(require(permissions.ACCOUNTS_ADJUST))]
AccountKeeper = Annotated[Principal, Depends(require(permissions.ACCOUNTS_STATUS))]

IDEMPOTENCY_DOC = (
    "En-tête **Idempotency-Key** obligatoire (une valeur unique par paiement, par exemple un "
    "UUID, renvoyée telle quelle en cas de nouvel essai : la réponse d'origine est rejouée, "
    "avec l'en-tête `Idempotent-Replayed: true`). Confirmation par le PIN : champ `pin` ou "
    "en-tête `X-Jeton-Pin`."
)


class PinBody(BaseModel):
    pin: str = Field(min_length=1, max_length=128, description="PIN (mot de passe) du compte.")


class PinTokenAnswer(BaseModel):
    success: bool = True
    message: str
    jeton_pin: str = Field(description="À envoyer dans l'en-tête X-Jeton-Pin des paiements.")
    expire_dans: int = Field(description="Durée de validité, en secondes.")


class QrPayBody(Body):
    payload: str = Field(min_length=10, max_length=200, description="Contenu du QR code scanné.")
    montant: Amount | None = Field(
        default=None,
        description="Obligatoire pour un QR statique ; pour un QR à montant fixé, omis ou égal.",
    )
    description: str | None = Description
    pin: str | None = Pin


def _answer(
    outcome: service.Posted | Replay, *, notices: notify.NoticeWriter, sender_name: str
) -> Response:
    if isinstance(outcome, Replay):
        return JSONResponse(outcome.body, outcome.status, headers={REPLAY_HEADER: "true"})
    sent = notify.transfer_notices(
        outcome.answer,
        transaction_id=outcome.transaction_id,
        sender=outcome.sender_user,
        recipient=outcome.recipient_user,
        sender_name=sender_name,
    )
    pair = None
    if outcome.sender_user is not None and outcome.recipient_user is not None:
        pair = (outcome.sender_user, outcome.recipient_user)
    task = BackgroundTask(notices.write, sent, pair=pair)
    return Response(
        outcome.answer_json,
        status_code=service.CREATED,
        media_type="application/json",
        background=task,
    )


def _name(principal: Principal) -> str:
    return parties.show(
        type_compte="utilisateur",
        numero_compte=None,
        prenom=principal.prenom,
        nom=principal.nom,
        telephone=principal.telephone,
        email=None,
    ).nom_affiche


@router.get("/api/portefeuille", summary="Mon solde, mon numéro de compte et mes plafonds")
async def wallet(principal: CurrentUser, session: SessionDep) -> WalletAnswer:
    return WalletAnswer(data=await overview(session, principal=principal))


@router.post(
    "/api/portefeuille/jeton-pin",
    summary="Confirmer mon PIN pour quelques minutes de paiements",
    response_model=PinTokenAnswer,
)
async def pin_token(  # keyword-only: FastAPI needs no order
    *,
    body: PinBody,
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
    pins: PinCheckDep,
    settings: SettingsDep,
) -> PinTokenAnswer:
    await check_pin(session, request, pins, principal=principal, pin=body.pin)
    ttl = settings.pin_token_ttl_seconds
    token = issue_pin_token(principal.id, key=pins.signing_key, ttl_seconds=ttl)
    return PinTokenAnswer(message="PIN confirmé.", jeton_pin=token, expire_dans=ttl)


@router.post(
    "/api/transferts",
    summary="Envoyer de l'argent (téléphone, e-mail, numéro de compte ou contact)",
    description=IDEMPOTENCY_DOC,
    status_code=201,
    response_model=TransferAnswer,
)
async def send(  # keyword-only: FastAPI needs no order
    *,
    body: TransferBody,
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    pins: PinCheckDep,
    notices: NoticesDep,
) -> Response:
    ttl_hours = settings.idempotency_ttl_hours
    claim = required_claim(request, user_id=principal.id, body=body, ttl_hours=ttl_hours)
    await confirm_pin(session, request, pins, principal=principal, pin=body.pin)
    if body.id_contact is not None:
        user_id = await contacts.resolve_contact(
            session, owner_id=principal.id, contact_id=body.id_contact
        )
        recipient = await parties.by_user(database, user_id)
    else:
        recipient = await parties.by_text(database, body.destinataire or "")
    outcome = await service.transfer(
        session,
        sender=principal,
        recipient=recipient,
        amount=body.montant,
        description=body.description,
        claim=claim,
    )
    return _answer(outcome, notices=notices, sender_name=_name(principal))


@router.post(
    "/api/qr/payer",
    tags=["QR codes"],
    summary="Payer un QR code scanné",
    description=IDEMPOTENCY_DOC,
    status_code=201,
    response_model=TransferAnswer,
)
async def pay_qr(  # keyword-only: FastAPI needs no order
    *,
    body: QrPayBody,
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
    ring: KeyRingDep,
    settings: SettingsDep,
    pins: PinCheckDep,
    notices: NoticesDep,
) -> Response:
    ttl_hours = settings.idempotency_ttl_hours
    claim = required_claim(request, user_id=principal.id, body=body, ttl_hours=ttl_hours)
    await confirm_pin(session, request, pins, principal=principal, pin=body.pin)
    try:
        target = await qr_codes.lock_for_payment(session, ring=ring, payload=body.payload)
    except HostolinkError:
        # A dynamic code found paid may have been paid by this request's first attempt.
        replay = await earlier_answer(session, claim)
        if replay is None:
            raise
        return _answer(replay, notices=notices, sender_name=_name(principal))
    if target.montant is not None and body.montant not in {None, target.montant}:
        raise AmountMismatch(f"Le montant de ce QR code est fixé à {format_xof(target.montant)}.")
    amount = target.montant if target.montant is not None else body.montant
    if amount is None:
        raise AmountRequired
    recipient = await parties.by_account(session, target.id_compte)
    outcome = await service.transfer(
        session,
        sender=principal,
        recipient=recipient,
        amount=amount,
        description=body.description or target.libelle,
        claim=claim,
        kind="paiement_qr",
        qr_id=target.id_qr_code,
    )
    if isinstance(outcome, service.Posted) and target.type_qr == "dynamique":
        await qr_codes.mark_used(session, qr_id=target.id_qr_code)
    return _answer(outcome, notices=notices, sender_name=_name(principal))


Limit = Annotated[int, Query(ge=1, le=history.MAX_PAGE, description="Éléments par page.")]


@router.get("/api/transactions", summary="Mon historique (le plus récent d'abord)")
async def my_history(
    principal: CurrentUser,
    session: SessionDep,
    filters: Annotated[HistoryFilters, Query()],
    curseur: Annotated[str | None, Query(max_length=200)] = None,
    limite: Limit = 20,
) -> HistoryAnswer:
    items, next_cursor = await history.history(
        session, principal=principal, filters=filters, cursor=curseur, limit=limite
    )
    return HistoryAnswer(data=items, curseur_suivant=next_cursor)


@router.get("/api/transactions/{reference}", summary="Reçu d'une transaction")
async def my_receipt(reference: str, principal: CurrentUser, session: SessionDep) -> ReceiptAnswer:
    data = await history.receipt(
        session,
        principal=principal,
        reference=reference,
        as_admin=permissions.TRANSACTIONS_READ in principal.permissions,
    )
    return ReceiptAnswer(data=data)


# ------------------------------------------------------------------------------- admin


async def _reference(
    session: SessionDep, posted: admin.AdminPosted | None, claim: IdempotencyClaim | None
) -> str:
    """The movement's reference: just posted, or stored with the replayed key."""
    if posted is not None:
        return posted.reference
    if claim is None:  # the services return None only when a claimed key was taken
        raise RuntimeError("unreachable: no posting and no idempotency key")
    return str((await stored_answer(session, claim)).body["reference"])


def _actor(principal: Principal, request: Request) -> Actor:
    return actor_of(principal, request)


async def _admin_answer(
    session: SessionDep,
    notices: notify.NoticeWriter,
    *,
    principal: Principal,
    posted: admin.AdminPosted | None,
    reference: str,
    message: str,
) -> Response:
    data = await history.receipt(session, principal=principal, reference=reference, as_admin=True)
    task = None
    if posted is not None:  # not on a replay: the first request notified
        sent = [
            Notice(
                user,
                "systeme",
                "Opération du support",
                text,
                {"reference": posted.reference},
                posted.transaction_id,
            )
            for user, text in posted.notify_users
        ]
        task = BackgroundTask(notices.write, sent)
    answer = AdminMovementAnswer(message=message, data=data)
    return Response(answer.model_dump_json(), media_type="application/json", background=task)


@admin_router.get("/api/admin/transactions/{reference}", summary="Transaction et écritures")
async def admin_receipt(
    reference: str, principal: TransactionReader, session: SessionDep
) -> ReceiptAnswer:
    data = await history.receipt(session, principal=principal, reference=reference, as_admin=True)
    return ReceiptAnswer(data=data)


@admin_router.post(
    "/api/admin/transactions/{reference}/contre-passation",
    summary="Contre-passer (rembourser) une transaction, une seule fois, avec un motif",
    response_model=AdminMovementAnswer,
)
async def admin_reverse(  # keyword-only: FastAPI needs no order
    *,
    reference: str,
    body: ReversalBody,
    principal: Reverser,
    session: SessionDep,
    request: Request,
    settings: SettingsDep,
    notices: NoticesDep,
) -> Response:
    ttl_hours = settings.idempotency_ttl_hours
    claim = optional_claim(request, user_id=principal.id, body=body, ttl_hours=ttl_hours)
    posted = await admin.reverse(
        session,
        actor=_actor(principal, request),
        reference=reference,
        motif=body.motif,
        claim=claim,
    )
    new_reference = await _reference(session, posted, claim)
    return await _admin_answer(
        session,
        notices,
        principal=principal,
        posted=posted,
        reference=new_reference,
        message="Transaction contre-passée : remboursement effectué.",
    )


@admin_router.post(
    "/api/admin/comptes/{numero_compte}/ajustements",
    summary="Créditer ou débiter un compte (montant relatif, motif obligatoire)",
    response_model=AdminMovementAnswer,
)
async def admin_adjust(  # keyword-only: FastAPI needs no order
    *,
    numero_compte: str,
    body: AdjustmentBody,
    principal: Adjuster,
    session: SessionDep,
    request: Request,
    settings: SettingsDep,
    notices: NoticesDep,
) -> Response:
    ttl_hours = settings.idempotency_ttl_hours
    claim = optional_claim(request, user_id=principal.id, body=body, ttl_hours=ttl_hours)
    posted = await admin.adjust(
        session,
        actor=_actor(principal, request),
        numero_compte=numero_compte,
        direction=body.sens,
        amount=body.montant,
        motif=body.motif,
        claim=claim,
    )
    verb = "crédité" if body.sens == "credit" else "débité"
    return await _admin_answer(
        session,
        notices,
        principal=principal,
        posted=posted,
        reference=await _reference(session, posted, claim),
        message=f"Compte {verb}.",
    )


@admin_router.post(
    "/api/admin/comptes/{numero_compte}/statut",
    summary="Geler, fermer ou réactiver un compte (motif obligatoire)",
)
async def admin_account_status(
    numero_compte: str,
    body: AccountStatusBody,
    principal: AccountKeeper,
    session: SessionDep,
    request: Request,
) -> AccountStatusAnswer:
    numero = await admin.set_status(
        session,
        actor=_actor(principal, request),
        numero_compte=numero_compte,
        statut=body.statut,
        motif=body.motif,
    )
    labels = {"actif": "réactivé", "gele": "gelé", "ferme": "fermé"}
    return AccountStatusAnswer(
        message=f"Compte {labels[body.statut]}.", numero_compte=numero, statut=body.statut
    )
