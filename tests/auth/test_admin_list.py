"""The admin list: administrators only (roles from the database), never a secret."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.admin.accounts import create_admin
from hostolink.kit.identifiers import parse_identifier
from tests.auth.helpers import PASSWORD, assert_failure, bearer, onboard
from tests.conftest import make_settings, outbox_code

PATHS = ["/admin/utilisateurs", "/api/admin/utilisateurs"]


async def _admin_token(client: httpx.AsyncClient, db_engine: AsyncEngine) -> str:
    async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
        await create_admin(
            session,
            settings=make_settings(),
            identifier=parse_identifier("admin@example.com"),
            password=PASSWORD,
        )
    login = await client.post(
        "/api/auth/login", json={"identifier": "admin@example.com", "password": PASSWORD}
    )
    token: str = login.json()["token"]
    return token


class TestAdminList:
    @pytest.mark.parametrize("path", PATHS)
    async def test_refused_to_anonymous_and_to_users(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, path: str
    ) -> None:
        user = await onboard(client, db_engine, "0701020304", "+2250701020304")
        assert_failure(await client.get(path), 401)
        assert_failure(await client.get(path, headers=bearer(user["token"])), 403, "Forbidden")

    @pytest.mark.parametrize("path", PATHS)
    async def test_admin_sees_people_without_secrets(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, path: str
    ) -> None:
        await onboard(client, db_engine, "0701020304", "+2250701020304")
        token = await _admin_token(client, db_engine)
        response = await client.get(path, headers=bearer(token))
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True
        assert body["total"] == 2
        assert {u["telephone"] for u in body["utilisateurs"]} >= {"+2250701020304"}
        for forbidden in ("mdp", "argon2", "code_hash", "hash_jeton", "otp_code", "fcm"):
            assert forbidden not in response.text

    async def test_pagination_and_search(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        for n in range(3):
            await client.post("/api/register-user", json={"identifier": f"p{n}@example.com"})
        token = await _admin_token(client, db_engine)
        page = await client.get(
            "/api/admin/utilisateurs", params={"limit": 2, "page": 2}, headers=bearer(token)
        )
        body = page.json()
        assert (body["total"], body["pages"], len(body["utilisateurs"])) == (4, 2, 2)
        found = await client.get(
            "/api/admin/utilisateurs", params={"q": "P1@EX"}, headers=bearer(token)
        )
        assert [u["email"] for u in found.json()["utilisateurs"]] == ["p1@example.com"]

    async def test_roles_come_from_the_database(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        # A body claiming a role changes nothing (roles are never read from a request).
        response = await client.post(
            "/api/register-user", json={"identifier": "0701020304", "role": "super_admin"}
        )
        assert response.status_code == 201
        await client.post(
            "/api/define-password", json={"identifier": "0701020304", "password": PASSWORD}
        )
        code = await outbox_code(db_engine, "+2250701020304")
        tokens = (
            await client.post("/api/verify-otp", json={"identifier": "0701020304", "otpCode": code})
        ).json()
        me = await client.get("/api/user/me", headers=bearer(tokens["token"]))
        assert me.json()["data"]["roles"] == ["user"]
        assert_failure(await client.get(PATHS[1], headers=bearer(tokens["token"])), 403)
