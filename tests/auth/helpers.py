"""Walk the onboarding flow through the public API, as the Flutter app does."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import outbox_code

PASSWORD = "MonMotDePasse123"


async def register(client: httpx.AsyncClient, identifier: str, password: str = PASSWORD) -> int:
    response = await client.post("/api/register-user", json={"identifier": identifier})
    assert response.status_code == 201, response.text
    response = await client.post(
        "/api/define-password", json={"identifier": identifier, "password": password}
    )
    assert response.status_code == 200, response.text
    return int((await client.post("/api/check-user", json={"identifier": identifier})).status_code)


async def onboard(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    identifier: str,
    destination: str,
    password: str = PASSWORD,
) -> dict[str, Any]:
    """Register, define the password, verify the code: the tokens of a verified person."""
    await register(client, identifier, password)
    code = await outbox_code(engine, destination)
    response = await client.post(
        "/api/verify-otp", json={"identifier": identifier, "otpCode": code}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as connection:
        # `table` is a literal of the test code, never input.
        query = text(f'SELECT count(*) FROM "{table}"')  # noqa: S608
        return int(await connection.scalar(query) or 0)


async def count_user_wallets(engine: AsyncEngine) -> int:
    """People's wallets (the seed also writes the system accounts of double entry)."""
    async with engine.connect() as connection:
        query = text("SELECT count(*) FROM compte WHERE type_compte = 'utilisateur'")
        return int(await connection.scalar(query) or 0)


def assert_failure(response: httpx.Response, status: int, error: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert isinstance(body["message"], str)
    assert body["message"]
    if error is not None:
        assert body["error"] == error, body


async def grant_role(engine: AsyncEngine, user_id: int, code: str) -> None:
    """Give a person a role directly in the database (what a super-admin's route does)."""
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO utilisateur_role (id_user, id_role)"
                " SELECT :u, id_role FROM role_permission WHERE code = :c"
            ),
            {"u": user_id, "c": code},
        )


async def role_codes(engine: AsyncEngine, user_id: int) -> list[str]:
    """A person's role codes, sorted."""
    async with engine.connect() as connection:
        codes = await connection.scalars(
            text(
                "SELECT r.code FROM utilisateur_role u JOIN role_permission r USING (id_role)"
                " WHERE u.id_user = :u ORDER BY r.code"
            ),
            {"u": user_id},
        )
        return list(codes)
