"""Routes of the account's security: change the secret while signed in."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hostolink.account.security import service
from hostolink.account.security.schemas import ChangePasswordBody, PasswordChangedAnswer
from hostolink.auth.deps import AuthServiceDep, CurrentUser, authenticated_router
from hostolink.auth.tokens import read_access_token
from hostolink.db import SessionDep
from hostolink.errors import Unauthorized
from hostolink.kit.deps import client_ip, signing_key_of

router = authenticated_router(tags=["Mon compte"])

_bearer = HTTPBearer(auto_error=False)


async def current_session(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> uuid.UUID:
    """The caller's session (refresh-token family), named by the access token the router's
    `current_principal` has already checked."""
    if credentials is None:
        raise Unauthorized
    _, family = read_access_token(credentials.credentials, key=signing_key_of(request.app))
    return family


CurrentSession = Annotated[uuid.UUID, Depends(current_session)]


@router.post(
    "/api/mon-compte/mot-de-passe",
    summary="Changer mon mot de passe (ou PIN)",
    description=(
        "Le mot de passe actuel est exigé et vérifié comme à la connexion (5 erreurs : "
        "compte verrouillé, 423). Le nouveau suit la règle du PIN ou mot de passe. Toutes "
        "les autres sessions sont fermées ; celle-ci continue. La personne est prévenue "
        "(notification et SMS, ou e-mail)."
    ),
    response_model=PasswordChangedAnswer,
)
async def change_password(  # noqa: PLR0917 (the route's dependencies)
    body: ChangePasswordBody,
    request: Request,
    principal: CurrentUser,
    family: CurrentSession,
    session: SessionDep,
    auth: AuthServiceDep,
) -> PasswordChangedAnswer:
    ended = await service.change_password(
        session,
        auth,
        principal=principal,
        current_session=family,
        current=body.mot_de_passe_actuel,
        new=body.nouveau_mot_de_passe,
        ip=client_ip(request),
    )
    others = (
        "aucune autre session n'était ouverte"
        if ended == 0
        else f"{ended} autre{'s' if ended > 1 else ''} session"
        f"{'s' if ended > 1 else ''} fermée{'s' if ended > 1 else ''}"
    )
    return PasswordChangedAnswer(
        message=f"Mot de passe changé ({others}).", sessions_terminees=ended
    )
