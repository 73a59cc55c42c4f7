"""The review screens' data (queue, one request with signed links) and the signed links'
target (media/private.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from hostolink.config import Settings
from hostolink.kit.pagination import decode_cursor, encode_cursor
from hostolink.kyc import links, repository
from hostolink.kyc.schemas import (
    FileLink,
    PersonOut,
    QueueAnswer,
    QueueItem,
    ReviewDetail,
    VerificationOut,
)
from hostolink.kyc.service import InvalidStatus
from hostolink.media.private import FileNotFound, send_private
from hostolink.models import Utilisateur, VerificationIdentite
from hostolink.models.verification_identite import STATUTS

__all__ = ["FileNotFound", "queue", "review", "serve"]


def _person(user: Utilisateur) -> PersonOut:
    return PersonOut(
        id_user=user.id_user,
        prenom=user.prenom,
        nom=user.nom,
        telephone=user.telephone,
        email=user.email,
        niveau_kyc=user.niveau_kyc,
    )


def _item(row: VerificationIdentite, user: Utilisateur) -> QueueItem:
    base = VerificationOut.model_validate(row).model_dump()
    return QueueItem(**base, personne=_person(user))


async def queue(
    session: AsyncSession, *, statut: str, cursor: str | None, limit: int
) -> QueueAnswer:
    if statut not in STATUTS:
        raise InvalidStatus
    after = decode_cursor(cursor) if cursor else None
    rows = await repository.queue(session, statut=statut, after=after, limit=limit + 1)
    page = rows[:limit]
    following = None
    if len(rows) > limit:
        last = page[-1][0]
        following = encode_cursor(last.date_soumission, last.id_verification)
    return QueueAnswer(data=[_item(row, user) for row, user in page], curseur_suivant=following)


def _link(key: bytes, media_id: int, base_url: str) -> FileLink:
    token, expires_at = links.sign_for_now(key, media_id)
    return FileLink(url=f"{base_url}/api/kyc/fichiers/{token}", expire_le=expires_at)


def review(
    row: VerificationIdentite, user: Utilisateur, *, key: bytes, base_url: str
) -> ReviewDetail:
    verso = row.id_media_verso
    return ReviewDetail(
        **_item(row, user).model_dump(),
        id_examinateur=row.id_examinateur,
        recto=_link(key, row.id_media_recto, base_url),
        verso=_link(key, verso, base_url) if verso is not None else None,
        selfie=_link(key, row.id_media_selfie, base_url),
    )


async def serve(session: AsyncSession, *, settings: Settings, key: bytes, token: str) -> Response:
    media = await repository.private_media(session, links.verify(key, token))
    return await send_private(media, settings=settings, lifetime=links.LIFETIME)
