"""Request dependencies of the whole application: what `create_app` keeps on `app.state` for
every domain (the settings, the signing key), and the client's address.

A route declares what it reads (`settings: SettingsDep`) rather than reading
`request.app.state` by hand; a dependency that takes only the `Request` adds nothing to the
OpenAPI document. Each domain keeps its own in its `deps.py` (`qr.deps`, `media.deps`…); the
database's are in `hostolink.db`. Code that cannot take a dependency (a WebSocket handler,
a back-office view, work given the application) reads through the `…_of(app)` accessors
next to them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.applications import Starlette

from hostolink.config import Settings


def settings_of(app: Starlette) -> Settings:
    settings: Settings = app.state.settings
    return settings


def signing_key_of(app: Starlette) -> str:
    """The JWT/HMAC secret (`Settings.signing_key()`); derive a key per purpose from it
    (`kit.keys.derive_key`)."""
    key: str = app.state.signing_key
    return key


# `async def`: FastAPI runs plain `def` dependencies in a thread pool, which costs more than
# the work they do.
async def get_settings(request: Request) -> Settings:
    return settings_of(request.app)


async def get_signing_key(request: Request) -> str:
    return signing_key_of(request.app)


def client_ip(request: Request) -> str | None:
    # Behind Render's proxy, uvicorn rewrites `client` from X-Forwarded-For when the proxy
    # is trusted (FORWARDED_ALLOW_IPS); never parse the header ourselves.
    return request.client.host if request.client else None


SettingsDep = Annotated[Settings, Depends(get_settings)]
SigningKeyDep = Annotated[str, Depends(get_signing_key)]
