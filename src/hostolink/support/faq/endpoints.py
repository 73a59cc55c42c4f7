"""FAQ routes: the public search and reading, and the back-office's management
(`aide:gerer`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from hostolink.auth import permissions
from hostolink.auth.deps import authenticated_router, public_router, require
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.support.faq import service
from hostolink.support.faq.schemas import (
    Done,
    FaqAdminAnswer,
    FaqAdminListAnswer,
    FaqAdminOut,
    FaqAnswer,
    FaqBody,
    FaqListAnswer,
    FaqOut,
    FaqPatch,
    SearchOut,
)

public = public_router(tags=["Aide"])
admin_router = authenticated_router(tags=["Administration — aide"])
Editor = Annotated[Principal, Depends(require(permissions.HELP_MANAGE))]
QuestionId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ADMIN = "/api/admin/aide/faq"


@public.get("/api/aide/faq", summary="Questions fréquentes (recherche tolérante aux fautes)")
async def search(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    categorie: Annotated[str | None, Query(max_length=60)] = None,
) -> FaqListAnswer:
    found, categories = await service.search(session, q=q, categorie=categorie)
    return FaqListAnswer(
        data=[FaqOut.model_validate(row) for row in found.rows],
        categories=categories,
        recherche=SearchOut(q=q, corrigee=found.corrected),
    )


@public.get("/api/aide/faq/{id_question}", summary="Une question fréquente")
async def read(id_question: QuestionId, session: SessionDep) -> FaqAnswer:
    row = await service.published(session, question_id=id_question)
    return FaqAnswer(data=FaqOut.model_validate(row))


@admin_router.get(ADMIN, summary="Toutes les questions fréquentes (publiées ou non)")
async def listing(_: Editor, session: SessionDep) -> FaqAdminListAnswer:
    rows = await service.listing(session)
    return FaqAdminListAnswer(data=[FaqAdminOut.model_validate(row) for row in rows])


@admin_router.post(ADMIN, summary="Ajouter une question fréquente", status_code=201)
async def create(body: FaqBody, principal: Editor, session: SessionDep) -> FaqAdminAnswer:
    row = await service.create(session, author_id=principal.id, body=body)
    return FaqAdminAnswer(message="Question ajoutée.", data=FaqAdminOut.model_validate(row))


@admin_router.patch(ADMIN + "/{id_question}", summary="Modifier une question fréquente")
async def update(
    id_question: QuestionId, body: FaqPatch, principal: Editor, session: SessionDep
) -> FaqAdminAnswer:
    row = await service.update(session, author_id=principal.id, question_id=id_question, body=body)
    return FaqAdminAnswer(message="Question modifiée.", data=FaqAdminOut.model_validate(row))


@admin_router.delete(ADMIN + "/{id_question}", summary="Supprimer une question fréquente")
async def delete(id_question: QuestionId, _: Editor, session: SessionDep) -> Done:
    await service.delete(session, question_id=id_question)
    return Done(message="Question supprimée.")
