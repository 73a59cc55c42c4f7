"""Uploading, deleting and lending images to other packages.

Services never commit. The file is stored before the row is written, and removed again if
the row cannot be written: a failed upload leaves neither a row nor a file behind."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.errors import HostolinkError
from hostolink.media import images, repository
from hostolink.media.errors import (
    ImageTooHeavy,
    MediaInUse,
    MediaNotFound,
    UnknownMedia,
    Unprocessable,
)
from hostolink.media.storage import Storage
from hostolink.models.media import USAGES, Media

logger = logging.getLogger("hostolink.media")

PROFILE_PHOTO = "photo_profil"
# Never reachable by a public URL.
PRIVATE_USAGES = frozenset({"identite", "assistance"})
_READ_CHUNK = 64 * 1024


class InvalidUsage(Unprocessable):
    message = "usage : valeur non autorisée (" + ", ".join(USAGES) + ")."


class DuplicateMedia(Unprocessable):
    message = "La même image est citée deux fois."


class WrongUsage(Unprocessable):
    message = "Cette image n'a pas été téléversée pour cet usage."


async def read_bounded(upload: UploadFile, max_bytes: int) -> bytes:
    """At most `max_bytes` of the file: one byte more is a 413, whatever the declared size."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(_READ_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ImageTooHeavy(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


async def upload(
    session: AsyncSession,
    *,
    storage: Storage,
    user_id: int,
    usage: str,
    data: bytes,
    max_side: int,
) -> Media:
    if usage not in USAGES:
        raise InvalidUsage
    clean = await images.clean_in_worker(data, max_side=max_side)
    private = usage in PRIVATE_USAGES
    stored = await storage.save(clean, folder=usage, private=private)
    media = Media(
        id_user=user_id,
        stockage=stored.stockage,
        cle_stockage=stored.cle_stockage,
        url=stored.url,
        type_mime=clean.type_mime,
        largeur=clean.largeur,
        hauteur=clean.hauteur,
        taille_octets=len(clean.content),
        usage=usage,
        prive=private,
    )
    try:
        return await repository.add(session, media)
    except Exception:
        await _forget(storage, stored.cle_stockage, private=private)
        raise


async def set_profile_photo(
    session: AsyncSession, *, storage: Storage, user_id: int, data: bytes, max_side: int
) -> Media:
    media = await upload(
        session,
        storage=storage,
        user_id=user_id,
        usage=PROFILE_PHOTO,
        data=data,
        max_side=max_side,
    )
    await repository.set_profile_photo(session, user_id=user_id, url=media.url)
    return media


async def delete(session: AsyncSession, *, storage: Storage, user_id: int, media_id: int) -> None:
    # Somebody else's image answers like a missing one: its existence is not revealed.
    media = await repository.owned_one(session, user_id=user_id, media_id=media_id)
    if media is None:
        raise MediaNotFound
    if not await repository.delete_unreferenced(session, media.id_media):
        raise MediaInUse
    if media.url is not None:
        await repository.clear_profile_photo(session, user_id=user_id, url=media.url)
    await _forget(storage, media.cle_stockage, private=media.prive)


async def owned_media(
    session: AsyncSession, *, user_id: int, ids: Sequence[int], usage: str | None = None
) -> list[Media]:
    """The caller's images `ids`, in that order, for another package to attach (a post's
    photos, a message's picture…). A 422 when one is unknown, somebody else's, or was
    uploaded for another usage (`usage` given)."""
    if not ids:
        return []
    if len(set(ids)) != len(ids):
        raise DuplicateMedia
    found = {m.id_media: m for m in await repository.owned(session, user_id=user_id, ids=ids)}
    missing = [media_id for media_id in ids if media_id not in found]
    if missing:
        raise UnknownMedia(f"Image inconnue : {missing[0]}. Téléversez-la d'abord.")
    chosen = [found[media_id] for media_id in ids]
    if usage is not None and any(media.usage != usage for media in chosen):
        raise WrongUsage
    return chosen


async def _forget(storage: Storage, key: str, *, private: bool) -> None:
    """Best effort: a file left behind is an orphan for the clean-up, not a user's error."""
    try:
        await storage.delete(key, private=private)
    except (HostolinkError, OSError):
        logger.warning("stored file %s could not be removed", key)
