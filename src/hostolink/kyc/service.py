"""Submitting an identity document and reviewing it.

The person is always the token's principal (F-14). The three images are stored privately by
the media package (usage 'identite': a private local folder or Cloudinary's authenticated
type), reachable only through signed, expiring links. Approval raises the person's KYC tier
(never lowers it) in the same transaction, and so their wallet limits. Services never
commit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.auth.principal import Principal
from hostolink.errors import BadRequest, Conflict, Forbidden, HostolinkError, NotFound
from hostolink.kyc import repository
from hostolink.media import service as media
from hostolink.media.storage import Storage
from hostolink.models import Media, Utilisateur, VerificationIdentite
from hostolink.models.verification_identite import STATUTS, TYPES_DOCUMENT
from hostolink.notifications.service import notify

logger = logging.getLogger("hostolink.kyc")

IDENTITY = "identite"
# A passport has a single page to photograph; every card has a back.
WITHOUT_BACK = frozenset({"passeport"})


class AlreadyPending(Conflict):
    message = "Une demande de vérification est déjà en cours d'examen."


class AlreadyDecided(Conflict):
    message = "Cette demande a déjà été examinée."


class OwnRequest(Forbidden):
    message = "Vous ne pouvez pas examiner votre propre demande de vérification."


class VerificationNotFound(NotFound):
    message = "Demande de vérification introuvable."


class InvalidDocument(BadRequest):
    message = "type_document : valeur non autorisée (" + ", ".join(TYPES_DOCUMENT) + ")."


class MissingBack(BadRequest):
    message = "verso : l'image du verso de la pièce est obligatoire pour ce type de document."


class InvalidStatus(BadRequest):
    message = "statut : valeur non autorisée (" + ", ".join(STATUTS) + ")."


@dataclass(frozen=True)
class Submission:
    type_document: str
    numero_document: str
    niveau_demande: int
    recto: bytes
    verso: bytes | None
    selfie: bytes


def check(submission: Submission) -> None:
    if submission.type_document not in TYPES_DOCUMENT:
        raise InvalidDocument
    if submission.verso is None and submission.type_document not in WITHOUT_BACK:
        raise MissingBack


async def submit(
    session: AsyncSession,
    *,
    storage: Storage,
    principal: Principal,
    submission: Submission,
    max_side: int,
) -> VerificationIdentite:
    check(submission)
    if await repository.pending_of(session, principal.id) is not None:
        raise AlreadyPending

    stored: list[Media] = []
    try:
        row = await _record(
            session,
            storage=storage,
            principal=principal,
            submission=submission,
            max_side=max_side,
            stored=stored,
        )
    except Exception:
        # Nothing of a refused submission stays behind: the rows roll back, the files go.
        for image in stored:
            await _forget(storage, image)
        raise
    await session.refresh(row)
    return row


async def _record(
    session: AsyncSession,
    *,
    storage: Storage,
    principal: Principal,
    submission: Submission,
    max_side: int,
    stored: list[Media],
) -> VerificationIdentite:
    async def store(data: bytes) -> Media:
        image = await media.upload(
            session,
            storage=storage,
            user_id=principal.id,
            usage=IDENTITY,
            data=data,
            max_side=max_side,
        )
        stored.append(image)
        return image

    recto = await store(submission.recto)
    verso = await store(submission.verso) if submission.verso is not None else None
    selfie = await store(submission.selfie)
    row = VerificationIdentite(
        id_user=principal.id,
        type_document=submission.type_document,
        numero_document=submission.numero_document,
        id_media_recto=recto.id_media,
        id_media_verso=verso.id_media if verso is not None else None,
        id_media_selfie=selfie.id_media,
        niveau_demande=submission.niveau_demande,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        # Two submissions at once: the unique index on pending requests keeps one.
        raise AlreadyPending from exc
    return row


async def _forget(storage: Storage, image: Media) -> None:
    try:
        await storage.delete(image.cle_stockage, private=image.prive)
    except (HostolinkError, OSError):
        logger.warning("identity file %s could not be removed", image.id_media)


async def mine(session: AsyncSession, principal: Principal) -> Sequence[VerificationIdentite]:
    return await repository.of_user(session, principal.id)


async def for_review(
    session: AsyncSession, verification_id: int, *, lock: bool = False
) -> tuple[VerificationIdentite, Utilisateur]:
    found = await repository.one(session, verification_id, lock=lock)
    if found is None:
        raise VerificationNotFound
    return found


async def _decidable(
    session: AsyncSession, actor: Principal, verification_id: int
) -> tuple[VerificationIdentite, Utilisateur]:
    row, person = await for_review(session, verification_id, lock=True)
    if row.id_user == actor.id:
        raise OwnRequest
    if row.statut != "en_attente":
        raise AlreadyDecided
    return row, person


async def approve(
    session: AsyncSession, *, actor: Principal, verification_id: int
) -> VerificationIdentite:
    row, person = await _decidable(session, actor, verification_id)
    before = person.niveau_kyc
    row.statut = "approuvee"
    row.id_examinateur = actor.id
    row.date_examen = datetime.now(UTC)
    tier = await repository.raise_tier(session, user_id=row.id_user, niveau=row.niveau_demande)
    _audit(
        session,
        actor=actor,
        action="identite.approbation",
        key=row.id_verification,
        before={"statut": "en_attente", "niveau_kyc": before},
        after={"statut": "approuvee", "niveau_kyc": tier},
    )
    await notify(
        session,
        user_id=row.id_user,
        kind=IDENTITY,
        title="Identité vérifiée",
        text=f"Votre pièce d'identité a été approuvée : vous êtes au niveau {tier}.",
        data={"id_verification": row.id_verification, "statut": "approuvee", "niveau": tier},
    )
    await session.flush()
    return row


async def reject(
    session: AsyncSession, *, actor: Principal, verification_id: int, motif: str
) -> VerificationIdentite:
    row, _person = await _decidable(session, actor, verification_id)
    row.statut = "rejetee"
    row.motif_rejet = motif
    row.id_examinateur = actor.id
    row.date_examen = datetime.now(UTC)
    _audit(
        session,
        actor=actor,
        action="identite.rejet",
        key=row.id_verification,
        before={"statut": "en_attente"},
        after={"statut": "rejetee"},
        motif=motif,
    )
    await notify(
        session,
        user_id=row.id_user,
        kind=IDENTITY,
        title="Pièce d'identité refusée",
        text=f"Votre pièce d'identité n'a pas été acceptée : {motif}",
        data={"id_verification": row.id_verification, "statut": "rejetee"},
    )
    await session.flush()
    return row


def _audit(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    key: int,
    before: dict[str, Any],
    after: dict[str, Any],
    motif: str | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        table="verification_identite",
        key=key,
        before=before,
        after=after,
        motif=motif,
    )
