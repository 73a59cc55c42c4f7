"""Announcements and ads: administrators create, edit and delete them (each action in the
audit journal); everyone sees those being shown now, by placement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.admin.audit import Actor
from hostolink.announcements import repository
from hostolink.announcements.repository import Row
from hostolink.errors import BadRequest, NotFound
from hostolink.models.annonce import Annonce
from hostolink.models.publicite import Publicite


class AnnouncementNotFound(NotFound):
    message = "Annonce introuvable."


class AdNotFound(NotFound):
    message = "Publicité introuvable ou plus diffusée."


class InvalidWindow(BadRequest):
    message = "La date de fin doit être postérieure à la date de début."


class UnusableImage(BadRequest):
    message = "Image introuvable ou privée : téléversez-la d'abord comme image publique."


@dataclass(frozen=True)
class Kind(Generic[Row]):
    model: type[Row]
    table: str
    not_found: type[NotFound]


ANNOUNCEMENTS = Kind(Annonce, "annonce", AnnouncementNotFound)
ADS = Kind(Publicite, "publicite", AdNotFound)


def as_dict(row: Annonce | Publicite, image_url: str | None) -> dict[str, Any]:
    values = {column.key: getattr(row, column.key) for column in row.__table__.columns}
    values["image_url"] = image_url
    return values


def _audit(
    session: AsyncSession,
    actor: Actor,
    *,
    action: str,
    kind: Kind[Row],
    key: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"{kind.table}.{action}",
        table=kind.table,
        key=key,
        before=before,
        after=after,
    )


async def _image(session: AsyncSession, media_id: int | None) -> str | None:
    if media_id is None:
        return None
    usable, url = await repository.public_media_url(session, media_id)
    if not usable:
        raise UnusableImage
    return url


def _key(row: Annonce | Publicite) -> int:
    return row.id_annonce if isinstance(row, Annonce) else row.id_publicite


async def create(
    session: AsyncSession, kind: Kind[Row], *, values: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    url = await _image(session, values.get("id_media"))
    row = kind.model(**values, id_auteur=actor.principal.id)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    created = as_dict(row, url)
    _audit(session, actor, action="creation", kind=kind, key=_key(row), before=None, after=values)
    return created


async def edit(
    session: AsyncSession, kind: Kind[Row], key: int, *, changes: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    row = await session.get(kind.model, key, with_for_update=True)
    if row is None:
        raise kind.not_found
    start = changes.get("date_debut", row.date_debut)
    end = changes.get("date_fin", row.date_fin)
    if end <= start:
        raise InvalidWindow
    url = await _image(session, changes.get("id_media", row.id_media))
    before = {name: getattr(row, name) for name in changes}
    for name, value in changes.items():
        setattr(row, name, value)
    await session.flush()
    _audit(session, actor, action="modification", kind=kind, key=key, before=before, after=changes)
    return as_dict(row, url)


async def remove(session: AsyncSession, kind: Kind[Row], key: int, *, actor: Actor) -> None:
    row = await session.get(kind.model, key, with_for_update=True)
    if row is None:
        raise kind.not_found
    before = as_dict(row, None)
    before.pop("image_url")
    await session.delete(row)
    await session.flush()
    _audit(session, actor, action="suppression", kind=kind, key=key, before=before, after=None)


async def click(session: AsyncSession, ad_id: int) -> str | None:
    found, target = await repository.count_click(session, ad_id)
    if not found:
        raise AdNotFound
    return target
