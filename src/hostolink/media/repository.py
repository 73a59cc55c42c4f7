"""Every query of the media package."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models.media import Media
from hostolink.models.utilisateur import Utilisateur


async def add(session: AsyncSession, media: Media) -> Media:
    session.add(media)
    await session.flush()
    return media


async def owned(session: AsyncSession, *, user_id: int, ids: Sequence[int]) -> list[Media]:
    rows = await session.scalars(
        select(Media).where(Media.id_media.in_(ids), Media.id_user == user_id)
    )
    return list(rows)


async def owned_one(session: AsyncSession, *, user_id: int, media_id: int) -> Media | None:
    found = await owned(session, user_id=user_id, ids=[media_id])
    return found[0] if found else None


async def delete_unreferenced(session: AsyncSession, media_id: int) -> bool:
    """Deletes the row unless a post, message… still points at it (ON DELETE RESTRICT):
    False then, and the transaction goes on (the failed DELETE is rolled back alone)."""
    try:
        async with session.begin_nested():
            await session.execute(delete(Media).where(Media.id_media == media_id))
    except IntegrityError:
        return False
    return True


async def set_profile_photo(session: AsyncSession, *, user_id: int, url: str | None) -> None:
    await session.execute(
        update(Utilisateur).where(Utilisateur.id_user == user_id).values(photo_profile=url)
    )


async def clear_profile_photo(session: AsyncSession, *, user_id: int, url: str) -> None:
    await session.execute(
        update(Utilisateur)
        .where(Utilisateur.id_user == user_id, Utilisateur.photo_profile == url)
        .values(photo_profile=None)
    )
