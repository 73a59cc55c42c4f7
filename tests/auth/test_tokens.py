"""Short-lived access tokens and rotating refresh tokens (F-1, F-2, F-12)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.auth.tokens import issue_access_token
from tests.auth.helpers import PASSWORD, assert_failure, bearer, onboard
from tests.conftest import TEST_SECRET

PHONE = "+2250701020304"


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/auth/refresh", json={"refresh_token": token})


class TestRefreshRotation:
    async def test_each_use_rotates(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await onboard(client, db_engine, PHONE, PHONE)
        second = await _refresh(client, first["refresh_token"])
        assert second.status_code == 200
        body = second.json()
        assert body["refresh_token"] != first["refresh_token"]
        assert (await client.get("/api/user/me", headers=bearer(body["token"]))).status_code == 200
        assert (await _refresh(client, body["refresh_token"])).status_code == 200

    async def test_reusing_a_rotated_token_revokes_the_family(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await onboard(client, db_engine, PHONE, PHONE)
        current = (await _refresh(client, first["refresh_token"])).json()["refresh_token"]
        # A thief replays the old token: refused, and the victim's current one dies too.
        assert_failure(await _refresh(client, first["refresh_token"]), 401, "SessionExpired")
        assert_failure(await _refresh(client, current), 401, "SessionExpired")

    async def test_other_sessions_survive_a_family_revocation(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        phone_session = await onboard(client, db_engine, PHONE, PHONE)
        login = await client.post(
            "/api/auth/login", json={"identifier": PHONE, "password": PASSWORD}
        )
        web_session = login.json()
        await _refresh(client, phone_session["refresh_token"])
        await _refresh(client, phone_session["refresh_token"])  # reuse → family revoked
        assert (await _refresh(client, web_session["refresh_token"])).status_code == 200

    async def test_logout_revokes(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        tokens = await onboard(client, db_engine, PHONE, PHONE)
        response = await client.post(
            "/api/auth/logout", json={"refresh_token": tokens["refresh_token"]}
        )
        assert response.status_code == 200
        assert_failure(await _refresh(client, tokens["refresh_token"]), 401)

    async def test_expired_refresh_token(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, PHONE, PHONE)
        async with db_engine.begin() as connection:
            await connection.execute(
                text("UPDATE jeton_rafraichissement SET date_expiration = now()")
            )
        assert_failure(await _refresh(client, tokens["refresh_token"]), 401)

    async def test_unknown_token(self, client: httpx.AsyncClient) -> None:
        assert_failure(await _refresh(client, "n-importe-quoi"), 401, "SessionExpired")

    async def test_refresh_tokens_are_stored_hashed(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, PHONE, PHONE)
        async with db_engine.connect() as connection:
            stored = await connection.scalar(text("SELECT hash_jeton FROM jeton_rafraichissement"))
        assert stored != tokens["refresh_token"]
        assert tokens["refresh_token"] not in stored


class TestAccessTokens:
    async def test_expired_access_token(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, PHONE, PHONE)
        claims = jwt.decode(tokens["token"], TEST_SECRET, algorithms=["HS256"])
        assert claims["exp"] - claims["iat"] == 15 * 60
        expired = issue_access_token(
            int(claims["sub"]), key=TEST_SECRET, ttl_seconds=-1, session=uuid.UUID(claims["sid"])
        )
        response = await client.get("/api/user/me", headers=bearer(expired))
        assert_failure(response, 401, "InvalidToken")

    async def test_missing_malformed_and_forged_tokens(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        assert_failure(await client.get("/api/user/me"), 401, "Unauthorized")
        assert_failure(await client.get("/api/user/me", headers=bearer("abc")), 401)
        forged = issue_access_token(
            1, key="une-autre-cle-" + "x" * 40, ttl_seconds=600, session=uuid.uuid4()
        )
        assert_failure(await client.get("/api/user/me", headers=bearer(forged)), 401)

    async def test_a_token_without_our_claims_is_not_the_first_user(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        # F-2: the previous back end authenticated a token without `id_user` as the first row.
        await onboard(client, db_engine, PHONE, PHONE)
        now = datetime.now(UTC)
        for claims in (
            {"id": 1, "role": "super_admin"},  # the old admin/establishment shape (F-1)
            {"iss": "hostolink", "typ": "refresh", "sub": "1"},
            {"iss": "hostolink", "typ": "access"},
            {"iss": "hostolink", "typ": "access", "sub": "abc"},
        ):
            token = jwt.encode(
                {**claims, "iat": now, "exp": now + timedelta(minutes=5)},
                TEST_SECRET,
                algorithm="HS256",
            )
            assert_failure(await client.get("/api/user/me", headers=bearer(token)), 401)

    async def test_a_deleted_person_token_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, PHONE, PHONE)
        async with db_engine.begin() as connection:
            await connection.execute(text("DELETE FROM utilisateur"))
        assert_failure(await client.get("/api/user/me", headers=bearer(tokens["token"])), 401)
