"""The help desk's attachments: private images (usage « assistance ») reached only through
signed links that expire after an hour.

The links are kyc/links.py's (media id + expiry sealed with an HMAC) under a key derived
for this purpose only ("assistance-piece"): a KYC link never opens an attachment nor the
reverse, and the files themselves are sent by media/private.py. An altered link answers
403, an expired one 410 (the app asks for the message again to get a fresh link)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.responses import Response

from hostolink.config import Settings
from hostolink.errors import Forbidden, HostolinkError
from hostolink.kit.deps import settings_of, signing_key_of
from hostolink.kit.keys import derive_key
from hostolink.kyc import links
from hostolink.media.private import send_private
from hostolink.support.conversations import repository

PURPOSE = "assistance-piece"
LIFETIME = timedelta(hours=1)
PATH = "/api/assistance/pieces"


class InvalidAttachmentLink(Forbidden):
    message = "Lien invalide : rouvrez la conversation pour obtenir un nouveau lien."


class ExpiredAttachmentLink(HostolinkError):
    status_code = 410
    message = "Lien expiré : rouvrez la conversation pour obtenir un nouveau lien."


@dataclass(frozen=True)
class Links:
    """Signs links to the attachments (one per application: the key and the public URL)."""

    key: bytes
    base_url: str

    def token(self, media_id: int, *, now: datetime | None = None) -> str:
        expires_at = ((now or datetime.now(UTC)) + LIFETIME).replace(microsecond=0)
        return links.sign(self.key, media_id, expires_at)

    def url(self, media_id: int) -> str:
        return f"{self.base_url}{PATH}/{self.token(media_id)}"

    def verify(self, token: str) -> int:
        try:
            return links.verify(self.key, token)
        except links.ExpiredLink as exc:
            raise ExpiredAttachmentLink from exc
        except links.InvalidLink as exc:
            raise InvalidAttachmentLink from exc


def links_of(app: Starlette) -> Links:
    base = str(settings_of(app).public_url).rstrip("/")
    return Links(derive_key(signing_key_of(app), PURPOSE), base)


async def get_links(request: Request) -> Links:
    return links_of(request.app)


LinksDep = Annotated[Links, Depends(get_links)]


async def serve(
    session: AsyncSession, *, settings: Settings, signer: Links, token: str
) -> Response:
    media = await repository.attachment(session, signer.verify(token))
    return await send_private(media, settings=settings, lifetime=LIFETIME)
