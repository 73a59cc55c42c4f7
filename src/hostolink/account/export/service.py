"""Asking for an export (one in progress at a time, `MAX_PER_DAY` a day), listing them with
a fresh signed link for a ready one, and serving the archive behind that link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response, StreamingResponse

from hostolink.account.export import links, repository
from hostolink.account.export.archive import ABIDJAN
from hostolink.account.export.job import EXPORT_JOB, MAX_ATTEMPTS
from hostolink.account.export.schemas import DownloadLink, ExportOut
from hostolink.account.export.storage import ExportStorage
from hostolink.errors import (
    Conflict,
    HostolinkError,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
)
from hostolink.jobs import queue
from hostolink.media.storage import CLOUDINARY, LOCAL
from hostolink.models import ExportDonnees

MAX_PER_DAY = 3
WINDOW = timedelta(hours=24)
LISTED = 20
DOWNLOAD_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

_MESSAGES = {
    "en_attente": "Demande reçue : la préparation va commencer.",
    "en_cours": "Préparation de l'archive en cours…",
    "pret": "Vos données sont prêtes : téléchargez l'archive.",
    "echoue": "La préparation a échoué : vous pouvez refaire une demande.",
    "expire": "Archive effacée (gardée 7 jours) : refaites une demande si besoin.",
}


class ExportInProgress(Conflict):
    message = "Un export de vos données est déjà en préparation : attendez qu'il soit prêt."


class TooManyExports(TooManyRequests):
    message = f"Vous avez déjà demandé {MAX_PER_DAY} exports en 24 heures : réessayez plus tard."


class ExportNotFound(NotFound):
    message = "Export introuvable."


class ExportGone(HostolinkError):
    status_code = 410
    message = "Cette archive a été effacée (gardée 7 jours) : refaites une demande d'export."


def shown(
    row: ExportDonnees, *, key: bytes, base_url: str, now: datetime | None = None
) -> ExportOut:
    moment = now or datetime.now(UTC)
    status = row.statut
    if status == "pret" and row.date_expiration is not None and row.date_expiration <= moment:
        status = "expire"  # past its 7 days, before the next retention sweep
    link = None
    if status == "pret" and row.date_expiration is not None:
        token, expires_at = links.sign_for_now(key, row.id_export, not_after=row.date_expiration)
        link = DownloadLink(
            url=f"{base_url}/api/mon-compte/exports/telechargement/{token}", expire_le=expires_at
        )
    return ExportOut(
        id_export=row.id_export,
        statut=status,
        date_demande=row.date_demande,
        date_prete=row.date_prete,
        date_expiration=row.date_expiration,
        taille=row.taille,
        message=_MESSAGES[status],
        lien=link,
    )


async def request(
    session: AsyncSession, *, user_id: int, now: datetime | None = None
) -> ExportDonnees:
    """Record the request and its job in the caller's transaction (409 while one is in
    progress, 429 past the daily limit); the caller wakes the worker after the commit."""
    moment = now or datetime.now(UTC)
    pending = await repository.in_progress(session, user_id)
    if pending is not None:
        raise ExportInProgress(extra={"id_export": pending.id_export})
    recent = await repository.requests_since(session, user_id, moment - WINDOW)
    if len(recent) >= MAX_PER_DAY:
        wait = (recent[-MAX_PER_DAY] + WINDOW - moment).total_seconds()
        raise TooManyExports(retry_after=int(wait) + 1)
    export_id = await repository.create(session, user_id)
    if export_id is None:  # a concurrent request of the same person got in first
        raise ExportInProgress
    connection = await session.connection()
    await queue.enqueue(
        connection,
        EXPORT_JOB,
        {"id_export": export_id},
        unique_key=f"export:{export_id}",
        max_attempts=MAX_ATTEMPTS,
    )
    return await session.get_one(ExportDonnees, export_id)


async def mine(session: AsyncSession, user_id: int) -> list[ExportDonnees]:
    return await repository.mine(session, user_id, limit=LISTED)


def filename(row: ExportDonnees) -> str:
    day = (row.date_prete or row.date_demande).astimezone(ABIDJAN).date().isoformat()
    return f"hostolink-mes-donnees-{day}.zip"


async def serve(
    session: AsyncSession,
    *,
    storage: ExportStorage,
    key: bytes,
    token: str,
    now: datetime | None = None,
) -> Response:
    moment = now or datetime.now(UTC)
    row = await session.get(ExportDonnees, links.verify(key, token, now=moment))
    if row is None:
        raise ExportNotFound
    if row.statut == "expire" or (
        row.statut == "pret" and row.date_expiration is not None and row.date_expiration <= moment
    ):
        raise ExportGone
    if row.statut != "pret" or row.cle_stockage is None:
        raise ExportNotFound
    headers = {
        **DOWNLOAD_HEADERS,
        "Content-Disposition": f'attachment; filename="{filename(row)}"',
    }
    if row.stockage == LOCAL:
        path = storage.local_path(row.cle_stockage)
        if path is None or not path.is_file():
            raise ExportGone
        # Streamed from the disk in chunks, never read whole into memory.
        return FileResponse(path, media_type="application/zip", headers=headers)
    if row.stockage == CLOUDINARY:
        url = storage.cloud_url(row.cle_stockage)
        if url is not None:
            return await _relay(url, headers)
    raise ExportNotFound


class StorageUnavailable(ServiceUnavailable):
    message = "L'archive est momentanément inaccessible. Réessayez dans quelques minutes."


async def _relay(url: str, headers: dict[str, str]) -> Response:
    """The archive kept by Cloudinary, streamed through: the person's link stays ours and so
    do the answer's headers (our file name, `no-store`), whatever the storage. A redirect
    would hand the browser Cloudinary's own name and caching for the file."""
    client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
    try:
        upstream = await client.send(client.build_request("GET", url), stream=True)
    except httpx.HTTPError as exc:
        await client.aclose()
        raise StorageUnavailable from exc

    async def close() -> None:
        await upstream.aclose()
        await client.aclose()

    if upstream.status_code != 200:
        await close()
        if upstream.status_code == 404:
            raise ExportGone
        raise StorageUnavailable
    return StreamingResponse(
        upstream.aiter_bytes(),
        media_type="application/zip",
        headers=headers,
        background=BackgroundTask(close),
    )
