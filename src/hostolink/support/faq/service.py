"""The FAQ: the public's search and reading (published questions only), the back-office's
management (`texte_recherche` recomputed on every write)."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.errors import NotFound
from hostolink.models import QuestionFrequente
from hostolink.models.base import utcnow
from hostolink.support.faq.schemas import FaqBody, FaqPatch
from hostolink.support.faq.search import Found, rank, search_text


class QuestionNotFound(NotFound):
    message = "Question introuvable."


def _published() -> Select[QuestionFrequente]:
    return (
        select(QuestionFrequente)
        .where(QuestionFrequente.publiee.is_(True))
        .order_by(
            QuestionFrequente.categorie, QuestionFrequente.ordre, QuestionFrequente.id_question
        )
    )


async def search(
    session: AsyncSession, *, q: str | None, categorie: str | None
) -> tuple[Found, list[str]]:
    """The published questions matching `q` (all of them without one) in `categorie`, and
    every category that has a published question."""
    rows = list((await session.scalars(_published())).all())
    categories = sorted({row.categorie for row in rows})
    if categorie:
        wanted = categorie.strip().casefold()
        rows = [row for row in rows if row.categorie.casefold() == wanted]
    return rank(rows, q or ""), categories


async def published(session: AsyncSession, *, question_id: int) -> QuestionFrequente:
    row = await session.get(QuestionFrequente, question_id)
    if row is None or not row.publiee:
        raise QuestionNotFound
    return row


async def listing(session: AsyncSession) -> list[QuestionFrequente]:
    statement = select(QuestionFrequente).order_by(
        QuestionFrequente.categorie, QuestionFrequente.ordre, QuestionFrequente.id_question
    )
    return list((await session.scalars(statement)).all())


def _refresh_search_text(row: QuestionFrequente) -> None:
    row.texte_recherche = search_text(row.question, row.reponse, row.categorie)


async def create(
    session: AsyncSession, *, author_id: int | None, body: FaqBody
) -> QuestionFrequente:
    row = QuestionFrequente(**body.model_dump(), id_modifie_par=author_id)
    _refresh_search_text(row)
    session.add(row)
    await session.flush()
    return row


async def _locked(session: AsyncSession, question_id: int) -> QuestionFrequente:
    row = await session.get(QuestionFrequente, question_id, with_for_update=True)
    if row is None:
        raise QuestionNotFound
    return row


async def update(
    session: AsyncSession, *, author_id: int, question_id: int, body: FaqPatch
) -> QuestionFrequente:
    row = await _locked(session, question_id)
    for name, value in body.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(row, name, value)
    _refresh_search_text(row)
    row.id_modifie_par = author_id
    row.date_modification = utcnow()
    await session.flush()
    return row


async def delete(session: AsyncSession, *, question_id: int) -> None:
    await session.delete(await _locked(session, question_id))
    await session.flush()


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(QuestionFrequente)) or 0)
