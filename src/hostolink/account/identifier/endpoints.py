"""Routes of the identifier change: `/api/mon-compte/identifiant` (PIN, code sent to the new
identifier) and `/api/mon-compte/identifiant/confirmation` (the code). Both act on the
caller's own account only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import JSONResponse

from hostolink.account.identifier.messages import masked
from hostolink.account.identifier.schemas import (
    ChangeConfirmed,
    ChangeConfirmedAnswer,
    ChangeIdentifierBody,
    ChangeRequested,
    ChangeRequestedAnswer,
    ConfirmIdentifierBody,
)
from hostolink.account.identifier.service import IdentifierChangeService, Refused
from hostolink.auth.deps import AuthServiceDep, CurrentUser, authenticated_router, limit_client
from hostolink.auth.service import channel_label
from hostolink.auth.tokens import read_access_token
from hostolink.db import SessionDep
from hostolink.kit.deps import SettingsDep, client_ip, signing_key_of

router = authenticated_router(tags=["Mon compte"], dependencies=[Depends(limit_client)])


async def current_session(request: Request, principal: CurrentUser) -> uuid.UUID:
    """The caller's session (the refresh-token family its access token carries); the token
    was already checked by `current_principal`."""
    _, _, token = request.headers.get("authorization", "").partition(" ")
    _, family = read_access_token(token.strip(), key=signing_key_of(request.app))
    return family


CurrentSession = Annotated[uuid.UUID, Depends(current_session)]


def _service(auth: AuthServiceDep, settings: SettingsDep) -> IdentifierChangeService:
    return IdentifierChangeService(auth, otp_ttl_seconds=settings.otp_ttl_seconds)


ServiceDep = Annotated[IdentifierChangeService, Depends(_service)]


@router.post(
    "/api/mon-compte/identifiant",
    summary="Changer de numéro ou d'e-mail : PIN, puis code envoyé au nouvel identifiant",
    responses={
        401: {"description": "PIN incorrect."},
        409: {"description": "Identifiant déjà utilisé par un compte."},
        422: {"description": "Identifiant invalide, ou déjà celui du compte."},
        423: {"description": "Trop de PIN incorrects : compte verrouillé un moment."},
        429: {"description": "Un code vient d'être envoyé : patientez."},
    },
)
async def request_change(
    body: ChangeIdentifierBody,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    service: ServiceDep,
) -> ChangeRequestedAnswer:
    requested = await service.request_change(
        session,
        principal=principal,
        new_value=body.nouvel_identifiant,
        pin=body.pin,
        ip=client_ip(request),
    )
    shown = masked(requested.kind, requested.value)
    return ChangeRequestedAnswer(
        message=f"Un code de confirmation a été envoyé {channel_label(requested.channel)} "
        f"à {shown}. Saisissez-le pour terminer le changement.",
        data=ChangeRequested(
            type_identifiant="email" if requested.kind == "email" else "telephone",
            destination=shown,
            moyen=requested.channel,
            expire_dans=service.otp_ttl_seconds,
        ),
    )


@router.post(
    "/api/mon-compte/identifiant/confirmation",
    summary="Changer de numéro ou d'e-mail : confirmer avec le code reçu",
    response_model=ChangeConfirmedAnswer,
    responses={
        400: {"description": "Aucun code valide (expiré, déjà utilisé ou annulé)."},
        401: {"description": "Code incorrect."},
        409: {"description": "Identifiant pris entre-temps, ou aucune demande en attente."},
    },
)
async def confirm_change(
    body: ConfirmIdentifierBody,
    principal: CurrentUser,
    family: CurrentSession,
    session: SessionDep,
    service: ServiceDep,
) -> ChangeConfirmedAnswer | JSONResponse:
    outcome = await service.confirm(
        session, principal=principal, code=body.code, current_session=family
    )
    if isinstance(outcome, Refused):
        # Answered rather than raised: the closed request and the used code must commit.
        error = outcome.error
        return JSONResponse(error.body(), status_code=error.status)
    what = "adresse e-mail" if outcome.kind == "email" else "numéro de téléphone"
    return ChangeConfirmedAnswer(
        message=f"Votre {what} a été modifié. Utilisez-le désormais pour vous connecter.",
        data=ChangeConfirmed(
            type_identifiant="email" if outcome.kind == "email" else "telephone",
            email=outcome.email,
            telephone=outcome.telephone,
        ),
    )
