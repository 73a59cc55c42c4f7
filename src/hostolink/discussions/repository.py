"""Every query of the thematic rooms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, and_, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.kit.pagination import id_window
from hostolink.models import Media, MembreThematique, Message, Thematiques, Utilisateur

PUBLISHED = "publie"


async def room(session: AsyncSession, room_id: int) -> Thematiques | None:
    return await session.get(Thematiques, room_id)


async def title_taken(session: AsyncSession, titre: str, *, except_id: int | None) -> bool:
    query = select(Thematiques.id_thematique).where(func.lower(Thematiques.titre) == titre.lower())
    if except_id is not None:
        query = query.where(Thematiques.id_thematique != except_id)
    return (await session.scalar(query.limit(1))) is not None


async def usable_media(
    session: AsyncSession, media_id: int, *, usage: str, owner_id: int | None
) -> Media | None:
    query = select(Media).where(
        Media.id_media == media_id, Media.usage == usage, Media.prive.is_(False)
    )
    if owner_id is not None:
        query = query.where(Media.id_user == owner_id)
    return (await session.scalars(query)).first()


async def media_url(session: AsyncSession, media_id: int | None) -> str | None:
    if media_id is None:
        return None
    return await session.scalar(select(Media.url).where(Media.id_media == media_id))


def _unread(user_id: int) -> Any:
    # Messages of the others after my marker; my own messages are never "unread".
    return (
        select(func.count(Message.id_message))
        .where(
            Message.id_thematique == Thematiques.id_thematique,
            Message.id_message > func.coalesce(MembreThematique.id_dernier_message_lu, 0),
            Message.statut == PUBLISHED,
            Message.id_user.is_distinct_from(user_id),
        )
        .correlate(Thematiques, MembreThematique)
        .scalar_subquery()
    )


def rooms_query(user_id: int) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Thematiques,
            Media.url.label("image_url"),
            MembreThematique.role,
            MembreThematique.id_dernier_message_lu,
            case((MembreThematique.id_user.is_(None), 0), else_=_unread(user_id)).label("non_lus"),
        )
        .outerjoin(Media, Media.id_media == Thematiques.id_media)
        .outerjoin(
            MembreThematique,
            and_(
                MembreThematique.id_thematique == Thematiques.id_thematique,
                MembreThematique.id_user == user_id,
            ),
        )
    )


async def rooms(
    session: AsyncSession, *, user_id: int, include_archived: bool
) -> Sequence[Row[*tuple[Any, ...]]]:
    query = rooms_query(user_id).order_by(Thematiques.titre, Thematiques.id_thematique)
    if not include_archived:
        query = query.where(Thematiques.actif.is_(True))
    return (await session.execute(query)).all()


async def room_row(
    session: AsyncSession, *, user_id: int, room_id: int
) -> Row[*tuple[Any, ...]] | None:
    query = rooms_query(user_id).where(Thematiques.id_thematique == room_id)
    return (await session.execute(query)).first()


async def membership(session: AsyncSession, room_id: int, user_id: int) -> MembreThematique | None:
    return await session.get(MembreThematique, (room_id, user_id))


async def leave(session: AsyncSession, room_id: int, user_id: int) -> bool:
    result = await session.execute(
        delete(MembreThematique)
        .where(MembreThematique.id_thematique == room_id, MembreThematique.id_user == user_id)
        .returning(MembreThematique.id_user)
    )
    return result.first() is not None


async def message_in_room(session: AsyncSession, room_id: int, message_id: int) -> Message | None:
    query = select(Message).where(
        Message.id_message == message_id,
        Message.id_thematique == room_id,
        Message.statut == PUBLISHED,
    )
    return (await session.scalars(query)).first()


async def move_marker(session: AsyncSession, room_id: int, user_id: int, message_id: int) -> None:
    # The marker only moves forward: a late request from another device never rewinds it.
    await session.execute(
        update(MembreThematique)
        .where(MembreThematique.id_thematique == room_id, MembreThematique.id_user == user_id)
        .values(
            id_dernier_message_lu=func.greatest(
                func.coalesce(MembreThematique.id_dernier_message_lu, 0), message_id
            ),
            date_derniere_lecture=func.now(),
        )
    )


def _messages() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Message,
            Utilisateur.prenom,
            Utilisateur.nom,
            Utilisateur.photo_profile,
            Media.url.label("image_url"),
        )
        .outerjoin(Utilisateur, Utilisateur.id_user == Message.id_user)
        .outerjoin(Media, Media.id_media == Message.id_media)
    )


async def history(
    session: AsyncSession, room_id: int, *, before: int | None, after: int | None, limit: int
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Newest first (before the `before` id), or oldest first after `after` (catch-up)."""
    query = _messages().where(Message.id_thematique == room_id, Message.statut == PUBLISHED)
    query = id_window(query, Message.id_message, before=before, after=after)
    return (await session.execute(query.limit(limit))).all()


async def message_row(session: AsyncSession, message_id: int) -> Row[*tuple[Any, ...]] | None:
    return (await session.execute(_messages().where(Message.id_message == message_id))).first()
