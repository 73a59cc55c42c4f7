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
from hostolink.kit.crypto import keyed_hash, opaque_token
from hostolink.models import JetonRafraichissement
from hostolink.models.base import utcnow


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

    async def issue(
        self,
        session: AsyncSession,
        *,
        user_id: int,
        family: uuid.UUID | None = None,
        ip: str | None = None,
    ) -> str:
        token = opaque_token()
        await repository.add_refresh_token(
            session,
            user_id=user_id,
            family=family or uuid.uuid4(),
            token_hash=self._hash(token),
            expires_at=utcnow() + self._ttl,
            ip=ip,
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
        new_token = await self.issue(session, user_id=row.id_user, family=row.famille, ip=ip)
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
        """End every session of the person; `keep_family`: except that one (the caller's)."""
        await repository.revoke_all_for_user(
            session, user_id=user_id, reason=reason, keep_family=keep_family
        )
