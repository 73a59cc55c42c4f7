"""Delete my account: may I, and do it. The caller's own account only (their token)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import BackgroundTasks, Request

from hostolink.account.deletion import service
from hostolink.account.deletion.errors import ConfirmationMissing, DeletionRefused
from hostolink.account.deletion.schemas import (
    DeletionAnswer,
    DeletionBody,
    EligibilityAnswer,
)
from hostolink.admin.audit import actor_of
from hostolink.auth.deps import AuthServiceDep, CurrentUser, authenticated_router
from hostolink.auth.service import BadPin
from hostolink.db import SessionDep
from hostolink.errors import HostolinkError
from hostolink.kit.deps import client_ip
from hostolink.media.deps import StorageDep
from hostolink.media.storage import Storage

logger = logging.getLogger("hostolink.account.deletion")

router = authenticated_router(tags=["Mon compte"])

PATH = "/api/mon-compte/suppression"


@router.get(
    PATH,
    summary="Puis-je supprimer mon compte maintenant ?",
    description="`possible`, et sinon les raisons (argent détenu ou dû), chacune avec ce qu'il "
    "faut faire : retirer le solde, attendre la fin d'un retrait ou d'un dépôt…",
    response_model=EligibilityAnswer,
)
async def can_delete(principal: CurrentUser, session: SessionDep) -> EligibilityAnswer:
    result = await service.eligibility(session, principal=principal)
    message = (
        "Vous pouvez supprimer votre compte."
        if result.possible
        else "Votre compte ne peut pas être supprimé pour le moment."
    )
    return EligibilityAnswer(message=message, data=result)


_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": BadPin.message},
    409: {"description": f"{DeletionRefused.message} (avec `raisons` : code, message, que_faire)"},
    422: {"description": ConfirmationMissing.message},
    423: {"description": "Trop de PIN incorrects : compte verrouillé pour un moment."},
}


@router.post(
    PATH,
    summary="Supprimer mon compte (PIN et le mot SUPPRIMER)",
    description="Refusé (409, avec les raisons) tant que de l'argent est détenu ou dû. Sinon, "
    "en une transaction : la personne est anonymisée, son portefeuille fermé (jamais "
    "effacé : le grand livre garde son historique), toutes ses sessions terminées, ses "
    "appareils, codes et contacts effacés, ses publications et commentaires retirés, ses "
    "« j'aime » enlevés ; ses messages de salon restent, signés « Compte supprimé » ; ses "
    "pièces d'identité sont gardées pendant la durée légale puis effacées. Son identifiant "
    "redevient libre pour une nouvelle inscription.",
    response_model=DeletionAnswer,
    responses=_REFUSALS,
)
async def delete_account(
    *,
    body: DeletionBody,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    auth: AuthServiceDep,
    storage: StorageDep,
    background: BackgroundTasks,
) -> DeletionAnswer:
    service.check_confirmation(body.confirmation)
    identifier = principal.telephone or principal.email
    if identifier is None:  # the schema requires one for a person not deleted
        raise DeletionRefused("Ce compte est déjà supprimé.")
    await auth.verify_pin(session, identifier=identifier, pin=body.pin, ip=client_ip(request))
    deleted = await service.delete_account(session, actor=actor_of(principal, request))
    # After the commit (the session dependency commits when this function returns): a
    # deletion rolled back must not have lost its images.
    for key, private in deleted.files:
        background.add_task(_forget, storage, key, private)
    return DeletionAnswer(
        message="Votre compte Hostolink est supprimé. Vos données personnelles ont été "
        "effacées ; l'historique de vos transactions est conservé, anonymisé, comme la loi "
        "l'exige. Merci d'avoir utilisé Hostolink."
    )


async def _forget(storage: Storage, key: str, private: bool) -> None:
    """Best effort: a file left behind is an orphan for the clean-up, never an error."""
    try:
        await storage.delete(key, private=private)
    except (HostolinkError, OSError):
        logger.warning("stored file %s could not be removed", key)
