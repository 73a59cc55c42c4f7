"""Routes of my devices and sessions (`/api/mon-compte/sessions`).

Every route acts on the caller's own sessions only: another person's session answers 404,
exactly like one that does not exist or has already ended."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request

from hostolink.account.sessions import service
from hostolink.account.sessions.schemas import (
    Ended,
    EndedAnswer,
    EndedOthers,
    EndedOthersAnswer,
    SessionList,
    SessionListAnswer,
)
from hostolink.auth.deps import CurrentUser, authenticated_router
from hostolink.auth.tokens import read_access_token
from hostolink.db import SessionDep
from hostolink.kit.deps import signing_key_of

router = authenticated_router(tags=["Mon compte : appareils et sessions"])

SessionId = Annotated[uuid.UUID, Path(description="Identifiant de la session (liste).")]


async def current_session(request: Request, principal: CurrentUser) -> uuid.UUID:
    """The session of this request: the one its access token names (already authenticated
    by `current_principal`, so the header holds a valid bearer token)."""
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    return read_access_token(token, key=signing_key_of(request.app))[1]


CurrentSession = Annotated[uuid.UUID, Depends(current_session)]


@router.get(
    "/api/mon-compte/sessions",
    summary="Mes sessions ouvertes (appareil, lieu, dernière activité)",
    response_model=SessionListAnswer,
)
async def list_sessions(
    principal: CurrentUser, current: CurrentSession, session: SessionDep
) -> SessionListAnswer:
    sessions = await service.my_sessions(session, user_id=principal.id, current=current)
    return SessionListAnswer(data=SessionList(sessions=sessions))


@router.delete(
    "/api/mon-compte/sessions/{id_session}",
    summary="Déconnecter une de mes sessions",
    response_model=EndedAnswer,
)
async def end_session(
    id_session: SessionId, principal: CurrentUser, current: CurrentSession, session: SessionDep
) -> EndedAnswer:
    await service.end_session(session, user_id=principal.id, family=id_session)
    return EndedAnswer(message="Session déconnectée.", data=Ended(courante=id_session == current))


@router.post(
    "/api/mon-compte/sessions/deconnexion-autres",
    summary="Déconnecter tous mes autres appareils",
    response_model=EndedOthersAnswer,
)
async def end_other_sessions(
    principal: CurrentUser, current: CurrentSession, session: SessionDep
) -> EndedOthersAnswer:
    count = await service.end_other_sessions(session, user_id=principal.id, current=current)
    message = (
        "Aucun autre appareil n'était connecté."
        if count == 0
        else f"{count} autre{'s' if count > 1 else ''} session{'s' if count > 1 else ''} "
        f"déconnectée{'s' if count > 1 else ''}."
    )
    return EndedOthersAnswer(message=message, data=EndedOthers(deconnectees=count))
