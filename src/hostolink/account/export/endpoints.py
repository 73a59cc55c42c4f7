"""Routes of the data export: ask for one, list mine (with a fresh signed link for a ready
one), and the signed link's target on the public router — a link opened from a browser
carries no bearer token: the signature, short-lived and naming one person's export, is the
credential."""

from __future__ import annotations

from fastapi import BackgroundTasks, Depends, Request
from starlette.responses import Response

from hostolink.account.export import service
from hostolink.account.export.deps import LinkKeyDep, StorageDep
from hostolink.account.export.schemas import ExportAnswer, ExportList
from hostolink.auth.deps import CurrentUser, authenticated_router, limit_client, public_router
from hostolink.db import SessionDep
from hostolink.jobs.deps import worker_of
from hostolink.kit.deps import SettingsDep

router = authenticated_router(tags=["Mon compte — mes données"])
public = public_router(tags=["Mon compte — mes données"])
PATH = "/api/mon-compte/exports"


@router.post(
    PATH,
    summary="Demander l'export de mes données (archive ZIP : JSON + CSV)",
    response_model=ExportAnswer,
    status_code=202,
    dependencies=[Depends(limit_client)],
    responses={
        409: {"description": "Un export est déjà en préparation (son `id_export` est donné)."},
        429: {"description": "Déjà 3 demandes en 24 heures (en-tête `Retry-After`)."},
    },
)
async def ask(
    *,
    request: Request,
    background: BackgroundTasks,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    key: LinkKeyDep,
) -> ExportAnswer:
    """La préparation se fait en arrière-plan ; une notification annonce l'archive prête.
    Une seule demande en cours à la fois (409), au plus 3 demandes par 24 heures (429)."""
    row = await service.request(session, user_id=principal.id)
    # After the commit (background tasks run once the answer is sent): prepare it now,
    # not at the worker's next poll.
    background.add_task(worker_of(request.app).wake)
    base = str(settings.public_url).rstrip("/")
    return ExportAnswer(
        message="Demande enregistrée : vous serez notifié quand vos données seront prêtes.",
        data=service.shown(row, key=key, base_url=base),
    )


@router.get(
    PATH,
    summary="Mes exports de données, avec un lien de téléchargement",
    response_model=ExportList,
)
async def mine(
    principal: CurrentUser, session: SessionDep, settings: SettingsDep, key: LinkKeyDep
) -> ExportList:
    """Les 20 dernières demandes. Un export prêt porte un lien signé valable une heure (ou
    jusqu'à l'effacement de l'archive, 7 jours après sa préparation) : redemandez la liste
    pour un nouveau lien."""
    rows = await service.mine(session, principal.id)
    base = str(settings.public_url).rstrip("/")
    return ExportList(data=[service.shown(row, key=key, base_url=base) for row in rows])


@public.get(
    PATH + "/telechargement/{jeton}",
    summary="Télécharger l'archive, par lien signé et expirant",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "L'archive ZIP."},
        403: {"description": "Lien invalide."},
        410: {"description": "Lien expiré, ou archive effacée."},
    },
)
async def download(
    jeton: str, session: SessionDep, storage: StorageDep, key: LinkKeyDep
) -> Response:
    return await service.serve(session, storage=storage, key=key, token=jeton)
