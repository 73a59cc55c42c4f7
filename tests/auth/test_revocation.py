"""Access tokens end with their session, not 15 minutes later: a logout, a password reset
or a replayed refresh token ends the access tokens it should, at the next request — on the
API and on a room's WebSocket. Other sessions live on."""

from __future__ import annotations

import uuid

import httpx
import jwt
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.auth.tokens import issue_access_token, issue_token
from tests.auth.helpers import PASSWORD, assert_failure, bearer, onboard
from tests.conftest import TEST_SECRET, outbox_code
from tests.factories import execute

PHONE = "+2250701020305"
ME = "/api/user/me"


async def _login(client: httpx.AsyncClient) -> dict[str, str]:
    answer = await client.post("/api/auth/login", json={"identifier": PHONE, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    tokens: dict[str, str] = answer.json()
    return tokens


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(ME, headers=bearer(token))


class TestLogout:
    async def test_the_access_token_of_the_session_ends_at_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        phone = await onboard(client, db_engine, PHONE, PHONE)
        web = await _login(client)
        assert (await _me(client, phone["token"])).status_code == 200

        out = await client.post("/api/auth/logout", json={"refresh_token": phone["refresh_token"]})

        assert out.status_code == 200
        ended = await _me(client, phone["token"])
        assert_failure(ended, 401, "SessionEnded")
        assert ended.json()["message"] == "Session terminée. Veuillez vous reconnecter."
        # The other device's session is another family: it goes on.
        assert (await _me(client, web["token"])).status_code == 200

    async def test_a_refreshed_session_keeps_working_and_ends_whole(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await onboard(client, db_engine, PHONE, PHONE)
        refreshed = await client.post(
            "/api/auth/refresh", json={"refresh_token": first["refresh_token"]}
        )
        second = refreshed.json()
        # Both access tokens belong to the same session, which is alive.
        assert (await _me(client, first["token"])).status_code == 200
        assert (await _me(client, second["token"])).status_code == 200

        await client.post("/api/auth/logout", json={"refresh_token": second["refresh_token"]})

        assert_failure(await _me(client, first["token"]), 401, "SessionEnded")
        assert_failure(await _me(client, second["token"]), 401, "SessionEnded")


class TestPasswordReset:
    async def test_every_session_ends(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        phone = await onboard(client, db_engine, PHONE, PHONE)
        web = await _login(client)
        await execute(
            db_engine, "UPDATE otp SET date_creation = date_creation - interval '2 minutes'"
        )
        asked = await client.post("/api/auth/forgot-password", json={"identifier": PHONE})
        assert asked.status_code == 200
        reset = await client.post(
            "/api/auth/reset-password",
            json={
                "identifier": PHONE,
                "otpCode": await outbox_code(db_engine, PHONE),
                "password": "Nouveau-Mdp-2026",
            },
        )
        assert reset.status_code == 200, reset.text

        assert_failure(await _me(client, phone["token"]), 401, "SessionEnded")
        assert_failure(await _me(client, web["token"]), 401, "SessionEnded")
        again = await client.post(
            "/api/auth/login", json={"identifier": PHONE, "password": "Nouveau-Mdp-2026"}
        )
        assert (await _me(client, again.json()["token"])).status_code == 200


class TestStolenRefreshToken:
    async def test_a_replayed_refresh_token_ends_the_access_tokens_too(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await onboard(client, db_engine, PHONE, PHONE)
        current = (
            await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
        ).json()
        replayed = await client.post(
            "/api/auth/refresh", json={"refresh_token": first["refresh_token"]}
        )
        assert replayed.status_code == 401

        assert_failure(await _me(client, current["token"]), 401, "SessionEnded")


class TestTokensWeDoNotIssue:
    async def test_an_access_token_without_a_session_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, PHONE, PHONE)
        user_id = int(jwt.decode(tokens["token"], TEST_SECRET, algorithms=["HS256"])["sub"])
        no_session = issue_token(user_id, key=TEST_SECRET, ttl_seconds=600, kind="access")
        assert_failure(await _me(client, no_session), 401, "InvalidToken")

    @pytest.mark.parametrize("session", ["pas-un-uuid", "", "1"])
    async def test_a_malformed_session_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, session: str
    ) -> None:
        tokens = await onboard(client, db_engine, PHONE, PHONE)
        claims = jwt.decode(tokens["token"], TEST_SECRET, algorithms=["HS256"])
        claims["sid"] = session
        forged = jwt.encode(claims, TEST_SECRET, algorithm="HS256")
        assert_failure(await _me(client, forged), 401, "InvalidToken")

    async def test_another_persons_session_does_not_open_mine(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, PHONE, PHONE)
        claims = jwt.decode(tokens["token"], TEST_SECRET, algorithms=["HS256"])
        async with db_engine.connect() as connection:
            other = await connection.scalar(
                text("SELECT min(id_user) FROM utilisateur WHERE id_user <> :u"),
                {"u": int(claims["sub"])},
            )
        if other is None:
            await onboard(client, db_engine, "+2250701020399", "+2250701020399")
            async with db_engine.connect() as connection:
                other = await connection.scalar(
                    text("SELECT min(id_user) FROM utilisateur WHERE id_user <> :u"),
                    {"u": int(claims["sub"])},
                )
        borrowed = issue_access_token(
            int(other), key=TEST_SECRET, ttl_seconds=600, session=uuid.UUID(claims["sid"])
        )
        assert_failure(await _me(client, borrowed), 401, "SessionEnded")
