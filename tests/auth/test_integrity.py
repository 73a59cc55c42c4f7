"""Nothing half-done: concurrent registrations, a failing SMS provider, and no secret ever
in an answer."""

from __future__ import annotations

import asyncio
import re

import httpx
import respx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.auth.helpers import PASSWORD, assert_failure, bearer, count, count_user_wallets, register
from tests.conftest import make_settings, outbox_code
from tests.factories import asgi_client, scalar

TWILIO = {
    "HOSTOLINK_SMS_SENDER": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "simulated-token",
    "TWILIO_FROM": "+15005550006",
}
TWILIO_MESSAGES = re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/.+/Messages\.json")


class TestConcurrentRegistration:
    async def test_one_person_one_account(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        writings = ["0701020304", "07 01 02 03 04", "+2250701020304", "002250701020304"] * 2
        answers = await asyncio.gather(
            *(client.post("/api/register-user", json={"identifier": w}) for w in writings)
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] + [409] * (len(writings) - 1)
        assert await count(db_engine, "utilisateur") == 1
        assert await count_user_wallets(db_engine) == 1
        assert await count(db_engine, "utilisateur_role") == 1


class TestSmsProvider:
    async def _sign_up(
        self, database_url: str, answer: httpx.Response
    ) -> tuple[httpx.Response, respx.Route]:
        """Sign 0701020304 up and set the password (the step that sends the code), Twilio
        answering `answer`: our answer to that step, and Twilio's route."""
        app = create_app(make_settings(**TWILIO), database_url=database_url)
        with respx.mock(assert_all_called=True) as twilio:
            route = twilio.post(TWILIO_MESSAGES).mock(return_value=answer)
            async with asgi_client(app, base_url="http://t") as client:
                await client.post("/api/register-user", json={"identifier": "0701020304"})
                response = await client.post(
                    "/api/define-password",
                    json={"identifier": "0701020304", "password": PASSWORD},
                )
        await app.state.db.dispose()
        return response, route

    async def test_a_failing_provider_leaves_nothing_half_done(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        response, _ = await self._sign_up(database_url, httpx.Response(500, json={"code": 20500}))
        assert_failure(response, 503, "SenderError")
        password = await scalar(db_engine, "SELECT mdp FROM utilisateur")
        assert password is None  # the password step is rolled back with the code
        assert await count(db_engine, "otp") == 0

    async def test_the_code_goes_through_twilio(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        response, route = await self._sign_up(
            database_url, httpx.Response(201, json={"sid": "SM1"})
        )
        assert response.status_code == 200
        form = route.calls.last.request.content.decode()
        assert "To=%2B2250701020304" in form
        assert re.search(r"Body=[^&]*%3A\+\d{6}|Body=[^&]*\d{6}", form)
        assert await count(db_engine, "message_sortant") == 0  # real senders keep no bodies


class TestNoSecretsInAnswers:
    async def test_the_whole_flow_never_echoes_a_secret(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        answers: list[httpx.Response] = []
        post = client.post
        answers.append(await post("/api/check-user", json={"identifier": "0701020304"}))
        await register(client, "0701020304")
        code = await outbox_code(db_engine, "+2250701020304")
        answers.append(await post("/api/generate-otp", json={"identifier": "0701020304"}))
        tokens = await post("/api/verify-otp", json={"identifier": "0701020304", "otpCode": code})
        login = await post(
            "/api/auth/login", json={"identifier": "0701020304", "password": PASSWORD}
        )
        answers += [
            login,
            await post("/api/verify-pin", json={"identifier": "0701020304", "pin": PASSWORD}),
            await client.get("/api/user/me", headers=bearer(tokens.json()["token"])),
            await post("/api/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}),
        ]
        async with db_engine.connect() as connection:
            secrets = [
                await connection.scalar(text("SELECT mdp FROM utilisateur")),
                *(await connection.scalars(text("SELECT code_hash FROM otp"))),
                *(await connection.scalars(text("SELECT hash_jeton FROM jeton_rafraichissement"))),
            ]
        for answer in answers:
            for secret in [*secrets, code, PASSWORD]:
                assert secret not in answer.text, (answer.request.url, secret[:12])
            assert "mdp" not in answer.json().get("data", {})
