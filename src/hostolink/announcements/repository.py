"""Every query of announcements and ads (the two tables share their shape)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import Media
from hostolink.models.annonce import Annonce
from hostolink.models.publicite import Publicite

Row = TypeVar("Row", Annonce, Publicite)
PUBLIC_LIMIT = 50
ADMIN_LIMIT = 200


async def active(
    session: AsyncSession, model: type[Row], *, placement: str | None
) -> list[tuple[Row, str | None]]:
    """Shown now: active and now in [date_debut, date_fin) — ix_*_actives covers it."""
    query = (
        select(model, Media.url)
        .outerjoin(Media, Media.id_media == model.id_media)
        .where(model.actif, model.date_debut <= func.now(), model.date_fin > func.now())
    )
    if placement is not None:
        query = query.where(model.emplacement == placement)
    query = query.order_by(model.priorite.desc(), model.date_debut.desc()).limit(PUBLIC_LIMIT)
    return [(row, url) for row, url in await session.execute(query)]


async def every(session: AsyncSession, model: type[Row]) -> list[tuple[Row, str | None]]:
    query = (
        select(model, Media.url)
        .outerjoin(Media, Media.id_media == model.id_media)
        .order_by(model.date_creation.desc(), model.date_debut.desc())
        .limit(ADMIN_LIMIT)
    )
    return [(row, url) for row, url in await session.execute(query)]


async def public_media_url(session: AsyncSession, media_id: int) -> tuple[bool, str | None]:
    """(usable, url): a media exists and is public (never an identity document)."""
    row = (
        await session.execute(select(Media.prive, Media.url).where(Media.id_media == media_id))
    ).first()
    if row is None or row.prive:
        return False, None
    return True, row.url


async def count_click(session: AsyncSession, ad_id: int) -> tuple[bool, str | None]:
    """One more click on an ad being shown now; (found, url_cible)."""
    query = (
        update(Publicite)
        .where(
            Publicite.id_publicite == ad_id,
            Publicite.actif,
            Publicite.date_debut <= func.now(),
            Publicite.date_fin > func.now(),
        )
        .values(nombre_clics=Publicite.nombre_clics + 1)
        .returning(Publicite.url_cible)
    )
    row = (await session.execute(query)).first()
    return (False, None) if row is None else (True, row.url_cible)
