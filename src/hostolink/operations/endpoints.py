"""Deposit and withdrawal routes, the providers' notification endpoint, and the
administrators' view of operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import select, tuple_
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse

from hostolink.admin.audit import actor_of
from hostolink.auth import permissions
from hostolink.auth.deps import (
    CurrentUser,
    authenticated_router,
    public_router,
    require,
)
from hostolink.auth.principal import Principal
from hostolink.db import DatabaseDep, SessionDep
from hostolink.kit.deps import SettingsDep
from hostolink.kit.pagination import decode_cursor, encode_cursor
from hostolink.models import OperationFournisseur
from hostolink.operations import payer_steps, repository, service
from hostolink.operations.answers import FLOW_DOC, started_answer
from hostolink.operations.deps import OperationsDep
from hostolink.operations.flow import Operations, to_view
from hostolink.operations.schemas import (
    DepositBody,
    OperationAnswer,
    OperationOut,
    OperationsPage,
    RailOut,
    RailsAnswer,
    ResolutionBody,
    RouteOut,
    WithdrawalBody,
)
from hostolink.providers.registry import RAILS
from hostolink.wallet.deps import NoticesDep, PinCheckDep
from hostolink.wallet.idempotency import required_claim
from hostolink.wallet.pin import confirm_pin

router = authenticated_router(tags=["Dépôts et retraits"])
public = public_router(tags=["Dépôts et retraits"])
admin_router = authenticated_router(tags=["Administration — opérations"])
OperationsReader = Annotated[Principal, Depends(require(permissions.OPERATIONS_READ))]
OperationsManager = Annotated[Principal, Depends(require(permissions.OPERATIONS_MANAGE))]


@public.get(
    "/api/fournisseurs",
    summary="Moyens de dépôt et de retrait, et leur disponibilité",
    response_model=RailsAnswer,
)
async def rails(flow: OperationsDep) -> RailsAnswer:
    providers = flow.providers
    data = []
    for rail in RAILS.values():
        depot = providers.status(rail, "depot")
        retrait = providers.status(rail, "retrait")
        data.append(
            RailOut(
                code=rail.code,
                nom=rail.name,
                prefixes=list(rail.prefixes),
                depot=RouteOut(disponible=depot.adapter is not None, raison=depot.reason),
                retrait=RouteOut(disponible=retrait.adapter is not None, raison=retrait.reason),
            )
        )
    return RailsAnswer(data=data)


@router.post(
    "/api/depots",
    summary="Déposer de l'argent sur mon portefeuille (mobile money)",
    description=FLOW_DOC,
    status_code=202,
    response_model=OperationAnswer,
)
async def deposit(
    body: DepositBody,
    principal: CurrentUser,
    request: Request,
    flow: OperationsDep,
    settings: SettingsDep,
) -> JSONResponse:
    ttl_hours = settings.idempotency_ttl_hours
    claim = required_claim(request, user_id=principal.id, body=body, ttl_hours=ttl_hours)
    started = await flow.start(
        principal=principal,
        direction="depot",
        rail_code=body.fournisseur,
        amount=body.montant,
        number=body.numero,
        claim=claim,
    )
    return started_answer(started)


@router.post(
    "/api/retraits",
    summary="Retirer de l'argent vers un numéro mobile money",
    description=FLOW_DOC + " Confirmation par le PIN : champ `pin` ou en-tête `X-Jeton-Pin`.",
    status_code=202,
    response_model=OperationAnswer,
)
async def withdraw(  # keyword-only: FastAPI needs no order
    *,
    body: WithdrawalBody,
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
    flow: OperationsDep,
    settings: SettingsDep,
    pins: PinCheckDep,
) -> JSONResponse:
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
    )
    return started_answer(started)


CODE_DOC = (
    'Quand un dépôt attend un code (`action_attendue.type == "otp"`) : le code que '
    "l'opérateur a envoyé par SMS au payeur (Moov Money via Hub2…), 4 à 8 chiffres. Réservé à "
    "la personne qui a fait le dépôt (un autre dépôt répond 404 comme un dépôt inconnu) ; 409 "
    "quand aucun code n'est attendu ; au plus "
    f"{payer_steps.MAX_CODE_TRIES} codes par dépôt (429 ensuite : l'opérateur décide de la "
    "suite). Un code refusé répond 422, le dépôt restant en attente."
)


@router.get(
    "/api/depots/{reference}/code",
    summary="Le code attendu pour confirmer mon dépôt",
    description="200 avec la consigne à afficher quand le dépôt attend un code reçu par SMS ; "
    "409 sinon.",
)
async def deposit_code_expected(
    reference: str, principal: CurrentUser, database: DatabaseDep
) -> dict[str, object]:
    action = await payer_steps.expected_code(database, reference=reference, user_id=principal.id)
    return {"success": True, "message": action.message, "data": action.model_dump()}


@router.post(
    "/api/depots/{reference}/code",
    summary="Confirmer mon dépôt avec le code reçu par SMS",
    description=CODE_DOC,
    response_model=OperationAnswer,
)
async def deposit_code(
    reference: str,
    body: payer_steps.CodeBody,
    principal: CurrentUser,
    flow: OperationsDep,
    database: DatabaseDep,
) -> OperationAnswer:
    return await payer_steps.submit_code(
        flow,
        database,
        reference=reference,
        user_id=principal.id,
        code=body.code,
    )


async def _page(
    session: SessionDep, statement: object, limit: int, cursor: str | None
) -> OperationsPage:
    after = None if cursor is None else decode_cursor(cursor)
    query = statement  # a Select over OperationFournisseur, newest first
    if after is not None:
        query = query.where(  # type: ignore[attr-defined]
            tuple_(OperationFournisseur.date_creation, OperationFournisseur.id_operation)
            < tuple_(*after)
        )
    rows = list((await session.execute(query.limit(limit + 1))).scalars())  # type: ignore[attr-defined]
    more = len(rows) > limit
    rows = rows[:limit]
    changes = await repository.histories(session, [r.id_operation for r in rows])
    return OperationsPage(
        data=[to_view(r, changes[r.id_operation]) for r in rows],
        curseur_suivant=(
            encode_cursor(rows[-1].date_creation, rows[-1].id_operation) if more and rows else None
        ),
    )


@router.get("/api/operations", summary="Mes dépôts et retraits", response_model=OperationsPage)
async def my_operations(
    principal: CurrentUser,
    session: SessionDep,
    limite: Annotated[int, Query(ge=1, le=100)] = 20,
    curseur: Annotated[str | None, Query(max_length=200)] = None,
) -> OperationsPage:
    return await _page(session, repository.mine(principal.id), limite, curseur)


@router.get(
    "/api/operations/{reference}",
    summary="Un dépôt ou un retrait, avec l'historique de ses statuts",
    response_model=OperationAnswer,
)
async def my_operation(
    reference: str, principal: CurrentUser, session: SessionDep, flow: OperationsDep
) -> OperationAnswer:
    view = await flow.view(reference=reference, user_id=principal.id, session=session)
    return OperationAnswer(message="Opération trouvée.", data=view)


async def _notification(code: str, request: Request, flow: Operations) -> dict[str, object]:
    body = await request.body()
    new = await flow.receive(code, body, dict(request.headers))
    return {"success": True, "message": "Notification reçue." if new else "Déjà reçue."}


@public.post(
    "/api/fournisseurs/{code}/notifications",
    summary="Notification d'un fournisseur (webhook signé)",
    description="Appelée par les fournisseurs, jamais par l'application. Signature vérifiée "
    "sur le corps brut ; une notification rejouée ou dupliquée n'est traitée qu'une fois.",
)
async def notification(code: str, request: Request, flow: OperationsDep) -> dict[str, object]:
    return await _notification(code, request, flow)


@public.put("/api/fournisseurs/{code}/notifications", include_in_schema=False)
async def notification_put(code: str, request: Request, flow: OperationsDep) -> dict[str, object]:
    # MTN MoMo may deliver its callback with PUT.
    return await _notification(code, request, flow)


# ------------------------------------------------------------------------------ admin


@admin_router.get(
    "/api/admin/operations",
    summary="Dépôts et retraits (filtre par statut et fournisseur)",
    response_model=OperationsPage,
    dependencies=[Depends(require(permissions.OPERATIONS_READ))],
)
async def all_operations(
    session: SessionDep,
    statut: Annotated[
        str | None,
        Query(
            max_length=12,
            description="initiee, en_attente, a_verifier (la file des opérateurs : pas de "
            "réponse définitive du fournisseur dans l'horizon), reussie, echouee, expiree.",
        ),
    ] = None,
    fournisseur: Annotated[str | None, Query(max_length=30)] = None,
    limite: Annotated[int, Query(ge=1, le=100)] = 50,
    curseur: Annotated[str | None, Query(max_length=200)] = None,
) -> OperationsPage:
    statement = select(OperationFournisseur).order_by(
        OperationFournisseur.date_creation.desc(), OperationFournisseur.id_operation.desc()
    )
    if statut:
        statement = statement.where(OperationFournisseur.statut == statut)
    if fournisseur:
        statement = statement.where(OperationFournisseur.fournisseur == fournisseur)
    return await _page(session, statement, limite, curseur)


@admin_router.get(
    "/api/admin/operations/{reference}",
    summary="Une opération et l'historique de ses statuts",
    response_model=OperationAnswer,
)
async def any_operation(
    reference: str, session: SessionDep, _: OperationsReader, flow: OperationsDep
) -> OperationAnswer:
    view = await flow.view(reference=reference, user_id=None, session=session)
    return OperationAnswer(message="Opération trouvée.", data=view)


@admin_router.post(
    "/api/admin/operations/{reference}/verification",
    summary="Interroger le fournisseur maintenant",
    response_model=OperationAnswer,
)
async def verify_now(reference: str, _: OperationsManager, flow: OperationsDep) -> OperationAnswer:
    view = await flow.verify_reference(reference, origin="administrateur")
    return OperationAnswer(message=f"Statut après vérification : {view.statut}.", data=view)


@admin_router.post(
    "/api/admin/operations/{reference}/resolution",
    summary="Clore à la main une opération que le fournisseur ne tranche pas",
    description="Pour une opération « à vérifier » (ou encore en attente) que le fournisseur ne "
    "tranche pas, vérifiée auprès de lui par un autre moyen : c'est la seule voie, avec une "
    "réponse définitive du fournisseur, pour rendre l'argent bloqué d'un retrait. Réussite : "
    "le dépôt est crédité / le retrait est comptabilisé ; échec : le dépôt est clos, le "
    "retrait rendu au portefeuille. Motif obligatoire, journalisé ; 409 si déjà finalisée.",
    response_model=OperationAnswer,
)
async def resolve(  # keyword-only: FastAPI needs no order
    *,
    reference: str,
    body: ResolutionBody,
    session: SessionDep,
    request: Request,
    actor: OperationsManager,
    notices: NoticesDep,
) -> JSONResponse:
    settled = await service.resolve_by_hand(
        session,
        reference=reference,
        succeeded=body.statut == "reussie",
        motif=body.motif,
        actor=actor_of(actor, request),
    )
    operation = settled.operation
    changes = await repository.histories(session, [operation.id_operation])
    view: OperationOut = to_view(operation, changes[operation.id_operation])
    answer = OperationAnswer(message=f"Opération close : {view.statut}.", data=view)
    # The notices go out after the commit (the answer's background task runs after it).
    task = BackgroundTask(notices.write, settled.notices)
    return JSONResponse(answer.model_dump(mode="json"), background=task)
