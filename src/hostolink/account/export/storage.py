"""Where the archives go: never under the public /media/ folder.

On the local disk (development, the embedded install): `<data_dir>/exports_prives/`, a
folder no route serves; the download route reads it after checking the signed link. With
Cloudinary (production, where the instance's disk is wiped at each deploy and not shared):
an `authenticated` raw upload, reachable only through a short-lived signed download URL,
as the identity documents are (kyc/files.py). The choice follows the media's
(`media_backend`), so production never keeps an archive on a disk it loses."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cloudinary.uploader  # type: ignore[import-untyped]
import cloudinary.utils  # type: ignore[import-untyped]

from hostolink.config import MediaStorage, Settings
from hostolink.media.storage import CLOUDINARY, LOCAL, CloudinaryStorage

FOLDER = "exports_prives"
_KEY = re.compile(r"^[A-Za-z0-9_-]{32}\.zip$")
# The Cloudinary download URL only has to outlive the redirect.
REDIRECT_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True)
class Saved:
    stockage: str
    cle_stockage: str


def new_key() -> str:
    return f"{secrets.token_urlsafe(24)}.zip"


class ExportStorage:
    def __init__(self, settings: Settings) -> None:
        self.local_dir = settings.data_dir / FOLDER
        self.cloud: CloudinaryStorage | None = None
        if settings.media_backend is MediaStorage.CLOUDINARY and settings.cloudinary_url:
            self.cloud = CloudinaryStorage(settings.cloudinary_url.get_secret_value())

    def local_path(self, key: str) -> Path | None:
        return self.local_dir / key if _KEY.match(key) else None

    def draft_path(self) -> Path:
        """A file to build an archive into (beside the archives: the same disk, a rename)."""
        self.local_dir.mkdir(parents=True, exist_ok=True)
        return self.local_dir / f".{secrets.token_urlsafe(12)}.tmp"

    async def keep(self, draft: Path) -> Saved:
        """Store the finished archive privately; the draft is gone afterwards."""
        key = new_key()
        if self.cloud is None:
            target = self.local_dir / key
            await asyncio.to_thread(draft.replace, target)
            return Saved(LOCAL, key)
        try:
            options: dict[str, Any] = {
                **self.cloud.options,
                "public_id": f"hostolink/exports/{key}",
                "resource_type": "raw",
                "type": "authenticated",
                "overwrite": False,
            }
            result = await self.cloud._call(cloudinary.uploader.upload, str(draft), **options)
        finally:
            await asyncio.to_thread(draft.unlink, missing_ok=True)
        return Saved(CLOUDINARY, str(result["public_id"]))

    async def erase(self, stockage: str, key: str) -> None:
        if stockage == LOCAL:
            path = self.local_path(key)
            if path is not None:
                await asyncio.to_thread(path.unlink, missing_ok=True)
        elif stockage == CLOUDINARY and self.cloud is not None:
            await self.cloud._call(
                cloudinary.uploader.destroy,
                key,
                resource_type="raw",
                type="authenticated",
                **self.cloud.options,
            )

    def cloud_url(self, key: str) -> str | None:
        """A short-lived signed URL to an archive kept by Cloudinary."""
        if self.cloud is None:
            return None
        expires = int((datetime.now(UTC) + REDIRECT_LIFETIME).timestamp())
        url = cloudinary.utils.private_download_url(
            key,
            "",
            resource_type="raw",
            type="authenticated",
            expires_at=expires,
            attachment=True,
            **self.cloud.options,
        )
        return str(url)
