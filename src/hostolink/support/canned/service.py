"""Canned answers: listed for agents (active ones), managed with `aide:gerer`. A title is
unique whatever its case (the index on lower(titre) decides)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.errors import Conflict, NotFound
from hostolink.models import ReponseType
from hostolink.models.base import utcnow
from hostolink.support.canned.schemas import CannedBody, CannedPatch

_UNIQUE_TITLE = "uq_reponse_type_titre"


class CannedNotFound(NotFound):
    message = "Réponse type introuvable."


class DuplicateTitle(Conflict):
    message = "Une réponse type porte déjà ce titre."


async def listing(session: AsyncSession, *, all_of_them: bool) -> list[ReponseType]:
    statement = select(ReponseType).order_by(func.lower(ReponseType.titre))
    if not all_of_them:
        statement = statement.where(ReponseType.active.is_(True))
    return list((await session.scalars(statement)).all())


async def _flush_unique(session: AsyncSession, row: ReponseType) -> ReponseType:
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as error:
        if _UNIQUE_TITLE in str(error.orig):
            raise DuplicateTitle from None
        raise
    return row


async def create(session: AsyncSession, *, author_id: int, body: CannedBody) -> ReponseType:
    row = ReponseType(
        titre=body.titre, contenu=body.contenu, active=body.active, id_modifie_par=author_id
    )
    return await _flush_unique(session, row)


async def _get(session: AsyncSession, answer_id: int) -> ReponseType:
    row = await session.get(ReponseType, answer_id, with_for_update=True)
    if row is None:
        raise CannedNotFound
    return row


async def update(
    session: AsyncSession, *, author_id: int, answer_id: int, body: CannedPatch
) -> ReponseType:
    row = await _get(session, answer_id)
    for name, value in body.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(row, name, value)
    row.id_modifie_par = author_id
    row.date_modification = utcnow()
    return await _flush_unique(session, row)


async def delete(session: AsyncSession, *, answer_id: int) -> None:
    await session.delete(await _get(session, answer_id))
    await session.flush()
