"""Canned-answer routes: agents read the active ones; `aide:gerer` lists all and manages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from hostolink.auth import permissions
from hostolink.auth.deps import authenticated_router, require
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.errors import Forbidden
from hostolink.support.canned import service
from hostolink.support.canned.schemas import (
    CannedAnswer,
    CannedBody,
    CannedListAnswer,
    CannedOut,
    CannedPatch,
    Done,
)

router = authenticated_router(tags=["Administration — réponses types"])
Agent = Annotated[Principal, Depends(require(permissions.SUPPORT_ANSWER))]
Editor = Annotated[Principal, Depends(require(permissions.HELP_MANAGE))]
AnswerId = Annotated[int, Path(ge=1, le=2_147_483_647)]
PATH = "/api/admin/assistance/reponses-types"


@router.get(PATH, summary="Réponses types (actives ; toutes avec aide:gerer)")
async def listing(
    principal: Agent, session: SessionDep, toutes: Annotated[bool, Query()] = False
) -> CannedListAnswer:
    if toutes and permissions.HELP_MANAGE not in principal.permissions:
        raise Forbidden("Seules les personnes qui gèrent l'aide voient les réponses inactives.")
    rows = await service.listing(session, all_of_them=toutes)
    return CannedListAnswer(data=[CannedOut.model_validate(row) for row in rows])


@router.post(PATH, summary="Créer une réponse type", status_code=201)
async def create(body: CannedBody, principal: Editor, session: SessionDep) -> CannedAnswer:
    row = await service.create(session, author_id=principal.id, body=body)
    return CannedAnswer(message="Réponse type créée.", data=CannedOut.model_validate(row))


@router.patch(PATH + "/{id_reponse}", summary="Modifier une réponse type")
async def update(
    id_reponse: AnswerId, body: CannedPatch, principal: Editor, session: SessionDep
) -> CannedAnswer:
    row = await service.update(session, author_id=principal.id, answer_id=id_reponse, body=body)
    return CannedAnswer(message="Réponse type modifiée.", data=CannedOut.model_validate(row))


@router.delete(PATH + "/{id_reponse}", summary="Supprimer une réponse type")
async def delete(id_reponse: AnswerId, _: Editor, session: SessionDep) -> Done:
    await service.delete(session, answer_id=id_reponse)
    return Done(message="Réponse type supprimée.")
