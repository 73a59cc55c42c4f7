"""Where the files go: Cloudinary when CLOUDINARY_URL is set, else the local disk (served
by `GET /media/{key}`).

Keys are random (`secrets`), never built from anything the uploader sent, so a file name
cannot steer a path and a URL cannot be guessed from another one."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

import cloudinary.exceptions  # type: ignore[import-untyped]
import cloudinary.uploader  # type: ignore[import-untyped]

from hostolink.config import MediaStorage, Settings
from hostolink.media.errors import StorageUnavailable
from hostolink.media.images import CleanImage

logger = logging.getLogger("hostolink.media")

LOCAL = "local"
CLOUDINARY = "cloudinary"
# 32 url-safe characters (192 random bits) and the extension of the sniffed type.
LOCAL_KEY = re.compile(r"^[A-Za-z0-9_-]{32}\.(jpg|png|webp)$")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
CLOUDINARY_TIMEOUT_SECONDS = 30
# Connection settings read from CLOUDINARY_URL's query string (upload_prefix: another API
# host, for a regional endpoint or a test double).
_URL_OPTIONS = ("upload_prefix",)


@dataclass(frozen=True)
class Stored:
    stockage: str
    cle_stockage: str
    url: str | None


class Storage(Protocol):
    async def save(self, image: CleanImage, *, folder: str, private: bool) -> Stored: ...

    async def delete(self, key: str, *, private: bool) -> None: ...


def new_key() -> str:
    return secrets.token_urlsafe(24)


class LocalStorage:
    """Files under `<data_dir>/media` (public, served by us) and `<data_dir>/media_prive`
    (identity documents, never served by the public route)."""

    def __init__(self, root: Path, public_url: str) -> None:
        self.public_dir = root / "media"
        self.private_dir = root / "media_prive"
        self.public_url = public_url.rstrip("/")

    def path(self, key: str, *, private: bool = False) -> Path | None:
        if not LOCAL_KEY.match(key):
            return None
        return (self.private_dir if private else self.public_dir) / key

    async def save(self, image: CleanImage, *, folder: str, private: bool) -> Stored:
        key = f"{new_key()}.{image.extension}"
        target = self.private_dir if private else self.public_dir
        await asyncio.to_thread(_write, target / key, image.content)
        url = None if private else f"{self.public_url}/media/{key}"
        return Stored(LOCAL, key, url)

    async def delete(self, key: str, *, private: bool) -> None:
        path = self.path(key, private=private)
        if path is not None:
            await asyncio.to_thread(path.unlink, missing_ok=True)


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside then renamed: a reader never sees half a file.
    draft = path.with_name(f".{path.name}.tmp")
    draft.write_bytes(content)
    draft.replace(path)


class CloudinaryStorage:
    """Uploads with the official SDK. The credentials are passed on every call rather than
    through the SDK's global configuration, so nothing secret lands in `os.environ`."""

    def __init__(self, url: str) -> None:
        self.options = parse_cloudinary_url(url)

    async def save(self, image: CleanImage, *, folder: str, private: bool) -> Stored:
        options: dict[str, Any] = {
            **self.options,
            "public_id": f"hostolink/{folder}/{new_key()}",
            "resource_type": "image",
            "overwrite": False,
            # Identity documents: only reachable through signed, expiring URLs.
            "type": "authenticated" if private else "upload",
            "timeout": CLOUDINARY_TIMEOUT_SECONDS,
        }
        result = await self._call(cloudinary.uploader.upload, image.content, **options)
        if not result.get("public_id") or not (private or result.get("secure_url")):
            logger.warning("cloudinary answered an upload without public_id or secure_url")
            raise StorageUnavailable
        url = None if private else str(result["secure_url"])
        return Stored(CLOUDINARY, str(result["public_id"]), url)

    async def delete(self, key: str, *, private: bool) -> None:
        kind = "authenticated" if private else "upload"
        await self._call(cloudinary.uploader.destroy, key, type=kind, **self.options)

    @staticmethod
    async def _call(function: Any, *args: Any, **options: Any) -> dict[str, Any]:
        # The SDK is blocking (urllib3): in a thread, so the event loop keeps serving.
        try:
            result = await asyncio.to_thread(function, *args, **options)
        except (cloudinary.exceptions.Error, OSError) as exc:
            # 401 (bad key), 5xx, timeout, unreachable: for the user, the service is down.
            logger.warning("cloudinary call failed: %s", type(exc).__name__)
            raise StorageUnavailable from exc
        if not isinstance(result, dict):
            raise StorageUnavailable
        return result


def parse_cloudinary_url(url: str) -> dict[str, str]:
    """`cloudinary://<api_key>:<api_secret>@<cloud_name>[?upload_prefix=…]` as SDK options."""
    parts = urlsplit(url)
    # Not `parts.hostname`, which lowercases: the cloud name is kept as written.
    cloud_name = parts.netloc.rpartition("@")[2]
    if parts.scheme != "cloudinary" or not cloud_name or not parts.username:
        raise ValueError("CLOUDINARY_URL must read cloudinary://<key>:<secret>@<cloud_name>")
    options = {
        "cloud_name": cloud_name,
        "api_key": unquote(parts.username),
        "api_secret": unquote(parts.password or ""),
    }
    for name, value in parse_qsl(parts.query):
        if name in _URL_OPTIONS:
            options[name] = value
    return options


def build_storage(settings: Settings) -> Storage:
    # Production refuses to start without one explicit choice (config.Settings): the local
    # disk of a Render instance is wiped at every deploy and not shared between instances.
    if settings.media_backend is MediaStorage.CLOUDINARY and settings.cloudinary_url:
        return CloudinaryStorage(settings.cloudinary_url.get_secret_value())
    return LocalStorage(settings.data_dir, settings.public_url)
