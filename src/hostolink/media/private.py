"""Sending a private image to whoever holds a valid signed link to it (the identity
documents of kyc/, the help desk's attachments): the local file itself, or a short-lived
Cloudinary download URL. Checking the link is the caller's business."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import cloudinary.utils  # type: ignore[import-untyped]
from starlette.responses import RedirectResponse, Response

from hostolink.config import Settings
from hostolink.errors import NotFound
from hostolink.media.storage import (
    CLOUDINARY,
    CONTENT_TYPES,
    LOCAL,
    LocalStorage,
    parse_cloudinary_url,
)
from hostolink.models import Media

PRIVATE_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
_EXTENSIONS = {mime: ext for ext, mime in CONTENT_TYPES.items()}


class FileNotFound(NotFound):
    message = "Fichier introuvable."


async def send_private(media: Media | None, *, settings: Settings, lifetime: timedelta) -> Response:
    """The image of a private media row (`lifetime`: of the Cloudinary URL redirected to)."""
    if media is None:
        raise FileNotFound
    if media.stockage == LOCAL:
        path = LocalStorage(settings.data_dir, settings.public_url).path(
            media.cle_stockage, private=True
        )
        if path is None:
            raise FileNotFound
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise FileNotFound from exc
        return Response(content, media_type=media.type_mime, headers=PRIVATE_HEADERS)
    if media.stockage == CLOUDINARY and settings.cloudinary_url is not None:
        options = parse_cloudinary_url(settings.cloudinary_url.get_secret_value())
        url = cloudinary.utils.private_download_url(
            media.cle_stockage,
            _EXTENSIONS.get(media.type_mime, "jpg"),
            type="authenticated",
            expires_at=int(datetime.now(UTC).timestamp() + lifetime.total_seconds()),
            **options,
        )
        return RedirectResponse(str(url), status_code=307, headers=PRIVATE_HEADERS)
    raise FileNotFound
