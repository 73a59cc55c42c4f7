"""Sign the same person in from several devices, as their phone and browsers do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tests.auth.helpers import PASSWORD

SESSIONS = "/api/mon-compte/sessions"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
APP_ANDROID = "Hostolink/1.4.0 (Android 14; SM-A155F)"
IVORIAN_ADDRESS = "196.47.128.1"


@asynccontextmanager
async def device(
    app: Any, user_agent: str, ip: str = IVORIAN_ADDRESS
) -> AsyncIterator[httpx.AsyncClient]:
    """A client that calls from `ip` with `user_agent`, as one device would."""
    transport = httpx.ASGITransport(app=app, client=(ip, 50123))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"User-Agent": user_agent}
    ) as http:
        yield http


async def login(http: httpx.AsyncClient, identifier: str) -> dict[str, Any]:
    answer = await http.post(
        "/api/auth/login", json={"identifier": identifier, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens
