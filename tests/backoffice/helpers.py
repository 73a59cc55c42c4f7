"""Signing in to the back-office the way a browser does: the form, the cookie, our Origin."""

from __future__ import annotations

import re

import httpx

from tests.auth.helpers import PASSWORD
from tests.wallet.helpers import ADMIN, person

ORIGIN = {"Origin": "http://testserver"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def sign_in(
    client: httpx.AsyncClient, identifier: str = ADMIN, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        "/admin/login",
        data={"username": identifier, "password": password},
        headers=ORIGIN,
    )


def csrf_of(page: httpx.Response) -> str:
    match = _CSRF.search(page.text)
    assert match, "the page carries no CSRF token"
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient, page_url: str, action_url: str, **fields: str
) -> httpx.Response:
    """Open the page (as the browser does), then submit one of its forms with its token."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text[:300]
    return await client.post(
        action_url, data={"csrf_token": csrf_of(page), **fields}, headers=ORIGIN
    )


__all__ = ["ADMIN", "PASSWORD", "person"]
