"""My sessions: listed with the one of this request marked, ended one by one or all but
this one. Ending a session revokes its refresh tokens: its access tokens answer 401
`SessionEnded` from their next request (hostolink.auth.deps.authenticate), its refresh
token is refused."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.account.sessions import repository
from hostolink.account.sessions.schemas import SessionOut
from hostolink.errors import NotFound
from hostolink.kit.ip_place import UNKNOWN as UNKNOWN_PLACE
from hostolink.kit.ip_place import mask_ip
from hostolink.kit.user_agent import UNKNOWN as UNKNOWN_DEVICE


class SessionNotFound(NotFound):
    message = "Session introuvable ou déjà terminée."


async def my_sessions(
    session: AsyncSession, *, user_id: int, current: uuid.UUID
) -> list[SessionOut]:
    rows = await repository.open_sessions(session, user_id=user_id)
    return [
        SessionOut(
            id=row.famille,
            appareil=row.appareil or UNKNOWN_DEVICE,
            lieu=row.lieu or UNKNOWN_PLACE,
            adresse_masquee=mask_ip(row.adresse_ip),
            date_connexion=row.date_connexion,
            derniere_activite=row.date_creation,
            courante=row.famille == current,
        )
        for row in rows
    ]


async def end_session(session: AsyncSession, *, user_id: int, family: uuid.UUID) -> None:
    if not await repository.end(session, user_id=user_id, family=family):
        raise SessionNotFound


async def end_other_sessions(session: AsyncSession, *, user_id: int, current: uuid.UUID) -> int:
    return await repository.end_others(session, user_id=user_id, keep=current)
