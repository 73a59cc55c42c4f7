"""Claim routes: the person's (open one in a conversation, list mine) and the agents'
(list, detail, decision, approval by a second person, refusal of a proposal)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import BackgroundTasks, Depends, Path, Query, Request

from hostolink.admin.audit import actor_of
from hostolink.auth import permissions
from hostolink.auth.deps import CurrentUser, authenticated_router, require
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.kit.deps import SettingsDep
from hostolink.support.claims import effects, service
from hostolink.support.claims.effects import Pending
from hostolink.support.claims.schemas import (
    ClaimAdminAnswer,
    ClaimAdminListAnswer,
    ClaimAnswer,
    ClaimBody,
    ClaimListAnswer,
    DecisionBody,
    MotifBody,
)

router = authenticated_router(tags=["Assistance — réclamations"])
admin_router = authenticated_router(tags=["Administration — réclamations"])
Reader = Annotated[Principal, Depends(require(permissions.SUPPORT_ANSWER))]
Resolver = Annotated[Principal, Depends(require(permissions.CLAIMS_RESOLVE))]
Approver = Annotated[Principal, Depends(require(permissions.CLAIMS_APPROVE))]
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _after_commit(background: BackgroundTasks, request: Request, pending: Pending) -> None:
    # Background tasks run after the response, hence after the session committed: a frame
    # never announces a change that was rolled back.
    background.add_task(effects.publish, request.app, pending)


@router.post(
    "/api/assistance/conversations/{id_conversation}/reclamations",
    summary="Ouvrir une réclamation sur une transaction ou une opération",
    status_code=201,
)
async def open_claim(  # keyword-only: FastAPI needs no order
    *,
    id_conversation: Id,
    body: ClaimBody,
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> ClaimAnswer:
    data = await service.open_claim(
        session, user_id=principal.id, conversation_id=id_conversation, body=body
    )
    _after_commit(background, request, Pending(id_conversation, data.model_dump(mode="json")))
    return ClaimAnswer(message="Réclamation enregistrée : le support va l'examiner.", data=data)


@router.get("/api/assistance/reclamations", summary="Mes réclamations")
async def my_claims(principal: CurrentUser, session: SessionDep) -> ClaimListAnswer:
    return ClaimListAnswer(data=await service.my_claims(session, user_id=principal.id))


@admin_router.get("/api/admin/reclamations", summary="Réclamations (filtre par statut)")
async def list_claims(
    _: Reader,
    session: SessionDep,
    statut: Annotated[
        Literal["ouverte", "a_approuver", "resolue", "rejetee"] | None, Query()
    ] = None,
) -> ClaimAdminListAnswer:
    return ClaimAdminListAnswer(data=await service.listing(session, statut=statut))


@admin_router.get("/api/admin/reclamations/{id_reclamation}", summary="Une réclamation")
async def claim_detail(id_reclamation: Id, _: Reader, session: SessionDep) -> ClaimAdminAnswer:
    return ClaimAdminAnswer(data=await service.detail(session, claim_id=id_reclamation))


@admin_router.post(
    "/api/admin/reclamations/{id_reclamation}/decision",
    summary="Décider d'une réclamation (au-delà du seuil : une seconde personne approuve)",
)
async def decide(  # keyword-only: FastAPI needs no order
    *,
    id_reclamation: Id,
    body: DecisionBody,
    principal: Resolver,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    background: BackgroundTasks,
) -> ClaimAdminAnswer:
    data, pending = await service.decide(
        session,
        actor=actor_of(principal, request),
        claim_id=id_reclamation,
        body=body,
        threshold=settings.support_approval_threshold,
    )
    _after_commit(background, request, pending)
    messages = {
        "a_approuver": "Décision enregistrée : elle attend l'approbation d'une autre personne.",
        "resolue": "Réclamation résolue.",
        "rejetee": "Réclamation classée sans suite.",
    }
    return ClaimAdminAnswer(message=messages.get(data.statut), data=data)


@admin_router.post(
    "/api/admin/reclamations/{id_reclamation}/approbation",
    summary="Approuver la décision proposée par une autre personne (l'exécute)",
)
async def approve(  # keyword-only: FastAPI needs no order
    *,
    id_reclamation: Id,
    body: MotifBody,
    principal: Approver,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> ClaimAdminAnswer:
    data, pending = await service.approve(
        session, actor=actor_of(principal, request), claim_id=id_reclamation, motif=body.motif
    )
    _after_commit(background, request, pending)
    return ClaimAdminAnswer(message="Décision approuvée et exécutée.", data=data)


@admin_router.post(
    "/api/admin/reclamations/{id_reclamation}/refus",
    summary="Refuser la décision proposée (la réclamation redevient ouverte)",
)
async def refuse(  # keyword-only: FastAPI needs no order
    *,
    id_reclamation: Id,
    body: MotifBody,
    principal: Approver,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> ClaimAdminAnswer:
    data, pending = await service.refuse(
        session, actor=actor_of(principal, request), claim_id=id_reclamation, motif=body.motif
    )
    _after_commit(background, request, pending)
    return ClaimAdminAnswer(
        message="Décision refusée : la réclamation est de nouveau ouverte.", data=data
    )
