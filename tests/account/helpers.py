"""Deleting an account through the public API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.auth.helpers import PASSWORD
from tests.wallet.helpers import Person

PATH = "/api/mon-compte/suppression"


async def eligibility(client: httpx.AsyncClient, who: Person) -> dict[str, Any]:
    response = await client.get(PATH, headers=who.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def delete(
    client: httpx.AsyncClient,
    who: Person,
    *,
    pin: str = PASSWORD,
    confirmation: str = "SUPPRIMER",
) -> httpx.Response:
    return await client.post(
        PATH, json={"pin": pin, "confirmation": confirmation}, headers=who.headers
    )


def codes(reasons: list[dict[str, Any]]) -> list[str]:
    return [reason["code"] for reason in reasons]
