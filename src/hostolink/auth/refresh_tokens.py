"""Rotating refresh tokens, stored hashed.

Each use returns a new token of the same family and retires the old one. Presenting a
retired token again means it was stolen (or replayed): the whole family is revoked, which
signs out both the thief and the victim, who logs in again.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth import repository
from hostolink.config import Settings
from hostolink.db import Database
from hostolink.errors import Unauthorized
from hostolink.kit import user_agent as agents
from hostolink.kit.crypto import keyed_hash, opaque_token
from hostolink.kit.ip_place import place_of
from hostolink.models import JetonRafraichissement
from hostolink.models.base import utcnow

# The job that tells a person about a sign-in from a device their recent sessions never used
# (hostolink.account.sessions.notice), and how far back "recent" looks.
NEW_DEVICE_JOB = "session.nouvel_appareil"
NEW_DEVICE_WINDOW_DAYS = 90


class SessionExpired(Unauthorized):
    message = "Session expirée ou révoquée. Veuillez vous reconnecter."


class RefreshTokens:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._ttl = timedelta(seconds=settings.refresh_token_ttl_seconds)
        self._key = settings.signing_key()

    def _hash(self, token: str) -> str:
        return keyed_hash(self._key, "refresh", token)

    def digest(self, token: str) -> str:
        """The stored form of a token: what the back-office session cookie keeps, so that the
        cookie itself is never a token the API would accept."""
        return self._hash(token)

    async def holder(self, session: AsyncSession, digest: str) -> int | None:
        """The person a live (unused, unrevoked, unexpired) token belongs to, by its digest."""
        row = await session.scalar(
            select(JetonRafraichissement).where(JetonRafraichissement.hash_jeton == digest)
        )
        if row is None or row.date_utilisation is not None or row.date_revocation is not None:
            return None
        return row.id_user if row.date_expiration > utcnow() else None

    async def revoke_digest(self, session: AsyncSession, digest: str) -> None:
        row = await repository.refresh_token_for_update(session, digest)
        if row is not None:
            await repository.revoke_family(session, family=row.famille, reason="deconnexion")

    async def open(
        self,
        session: AsyncSession,
        *,
        user_id: int,
        ip: str | None,
        user_agent: str | None,
        notify_new_device: bool = True,
    ) -> tuple[uuid.UUID, str]:
        """A new session (family) and its first refresh token: the device described from
        `user_agent`, the place from `ip`. In the same statement (no extra round trip), the
        new-device notice is enqueued when this device is new to the person's recent
        sessions and they had an earlier one."""
        token = opaque_token()
        family = uuid.uuid4()
        await repository.open_session_token(
            session,
            user_id=user_id,
            family=family,
            token_hash=self._hash(token),
            expires_at=utcnow() + self._ttl,
            ip=ip,
            device=agents.describe(user_agent),
            user_agent=agents.bounded(user_agent),
            place=place_of(ip) if ip else None,
            new_device_job=NEW_DEVICE_JOB if notify_new_device else None,
            window_days=NEW_DEVICE_WINDOW_DAYS,
        )
        return family, token

    async def _successor(
        self, session: AsyncSession, previous: JetonRafraichissement, *, ip: str | None
    ) -> str:
        """The next token of `previous`'s family: the session's device and sign-in time carry
        over; the address (and its place) are this refresh's."""
        token = opaque_token()
        await repository.add_refresh_token(
            session,
            user_id=previous.id_user,
            family=previous.famille,
            token_hash=self._hash(token),
            expires_at=utcnow() + self._ttl,
            ip=ip,
            device=previous.appareil,
            user_agent=previous.agent_utilisateur,
            place=place_of(ip) if ip else None,
            signed_in_at=previous.date_connexion,
        )
        return token

    async def rotate(
        self, session: AsyncSession, token: str, *, ip: str | None
    ) -> tuple[int, uuid.UUID, str]:
        """(user id, session — the family —, new refresh token) for a valid token;
        `SessionExpired` otherwise."""
        row = await repository.refresh_token_for_update(session, self._hash(token))
        if row is None:
            raise SessionExpired
        if row.date_utilisation is not None or row.date_revocation is not None:
            if row.date_revocation is None or row.motif_revocation == "rotation":
                # A retired token came back: revoke the family in a transaction of its own,
                # which stays committed although this request answers 401.
                async with self._db.counters.begin() as side:
                    await repository.revoke_family(side, family=row.famille, reason="reutilisation")
            raise SessionExpired
        if row.date_expiration <= utcnow():
            raise SessionExpired
        row.date_utilisation = utcnow()
        row.date_revocation = row.date_utilisation
        row.motif_revocation = "rotation"
        new_token = await self._successor(session, row, ip=ip)
        return row.id_user, row.famille, new_token

    async def revoke(self, session: AsyncSession, token: str) -> None:
        row = await repository.refresh_token_for_update(session, self._hash(token))
        if row is not None:
            await repository.revoke_family(session, family=row.famille, reason="deconnexion")

    async def revoke_all(
        self,
        session: AsyncSession,
        *,
        user_id: int,
        keep_family: uuid.UUID | None = None,
        reason: str = "reinitialisation",
    ) -> None:
        """End every session of the person, except `keep_family` (the caller's own)."""
        await repository.revoke_all_for_user(
            session, user_id=user_id, reason=reason, keep_family=keep_family
        )
