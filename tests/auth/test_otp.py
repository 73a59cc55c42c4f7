"""OTP rules: 6 digits, hashed, 5 minutes, single use, 5 tries, throttled resends."""

from __future__ import annotations

import asyncio
import re

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure, register
from tests.conftest import outbox_code
from tests.factories import execute, scalar

PHONE = "+2250701020304"


async def _verify(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await client.post("/api/verify-otp", json={"identifier": PHONE, "otpCode": code})


def _other(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


class TestStorage:
    async def test_code_is_stored_hashed_never_in_clear(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        code = await outbox_code(db_engine, PHONE)
        async with db_engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT otp_code, code_hash, expires_at, is_valid FROM otp")
                )
            ).one()
        assert row.otp_code == "******"
        assert code not in row.code_hash
        assert len(row.code_hash) == 64
        assert row.is_valid is True


class TestExpiry:
    async def test_expired_code_is_refused_and_verifies_nothing(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        code = await outbox_code(db_engine, PHONE)
        # Five minutes and one second later (F-5: the old back end verified expired codes).
        await execute(db_engine, "UPDATE otp SET expires_at = expires_at - interval '301 seconds'")
        assert_failure(await _verify(client, code), 400, "OtpExpired")
        async with db_engine.connect() as connection:
            assert await connection.scalar(text("SELECT compte_verifier FROM utilisateur")) is False


class TestSingleUse:
    async def test_a_code_works_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        code = await outbox_code(db_engine, PHONE)
        assert (await _verify(client, code)).status_code == 200
        assert_failure(await _verify(client, code), 400, "OtpExpired")

    async def test_concurrent_uses_of_one_code_open_one_session(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        code = await outbox_code(db_engine, PHONE)
        answers = await asyncio.gather(*(_verify(client, code) for _ in range(5)))
        assert sorted(a.status_code for a in answers).count(200) == 1
        async with db_engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM jeton_rafraichissement")) == 1

    async def test_a_new_code_cancels_the_previous_one(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        first = await outbox_code(db_engine, PHONE)
        await execute(db_engine, "UPDATE otp SET date_creation = now() - interval '2 minutes'")
        assert (
            await client.post("/api/generate-otp", json={"identifier": PHONE})
        ).status_code == 200
        second = await outbox_code(db_engine, PHONE)
        if first != second:  # one chance in a million that both draws are equal
            # Compared with the current code, the old one is simply a wrong code.
            assert_failure(await _verify(client, first), 401, "InvalidOtp")
        assert (await _verify(client, second)).status_code == 200


class TestTries:
    async def test_five_wrong_tries_burn_the_code(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        code = await outbox_code(db_engine, PHONE)
        for left in (4, 3, 2, 1):
            response = await _verify(client, _other(code))
            assert_failure(response, 401, "InvalidOtp")
            assert f"{left} essai" in response.json()["message"]
        assert_failure(await _verify(client, _other(code)), 401, "InvalidOtp")
        # The right code no longer works after five wrong ones.
        assert_failure(await _verify(client, code), 400, "OtpExpired")

    async def test_parallel_guesses_never_exceed_five(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        code = await outbox_code(db_engine, PHONE)
        guesses = [f"{n:06d}" for n in range(30) if f"{n:06d}" != code][:20]
        answers = await asyncio.gather(*(_verify(client, g) for g in guesses))
        compared = [a for a in answers if a.status_code == 401]
        assert len(compared) == 5
        assert all(a.status_code in (400, 401) for a in answers)

    async def test_unknown_identifier_is_refused_like_no_code(
        self, client: httpx.AsyncClient
    ) -> None:
        assert_failure(await _verify(client, "123456"), 400, "OtpExpired")


class TestThrottle:
    async def test_generate_right_after_define_password_keeps_the_code(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        """The owner's order: define-password sends a code, then the app asks generate-otp.
        Within the cooldown the answer is 200, nothing is sent, and the first code works."""
        await register(client, PHONE)
        code = await outbox_code(db_engine, PHONE)
        for path in ("/api/generate-otp", "/api/generate"):
            response = await client.post(path, json={"identifier": PHONE})
            assert response.status_code == 200, response.text
            body = response.json()
            assert set(body) == {"success", "message", "moyen"}
            assert body["success"] is True
            assert body["moyen"] == "sms"
            assert body["message"].startswith("Un code vient d'être envoyé par SMS. Il reste")
            assert re.search(r"patientez \d+ s avant d'en demander un autre\.$", body["message"])
        async with db_engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM otp")) == 1
            assert await connection.scalar(text("SELECT count(*) FROM otp WHERE is_valid")) == 1
            assert await connection.scalar(text("SELECT count(*) FROM message_sortant")) == 1
        response = await _verify(client, code)
        assert response.status_code == 200, response.text

    async def test_a_used_code_within_the_cooldown_is_throttled(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        """Nothing valid to point at (the code was used): the cooldown answers 429."""
        await register(client, PHONE)
        assert (await _verify(client, await outbox_code(db_engine, PHONE))).status_code == 200
        response = await client.post("/api/generate-otp", json={"identifier": PHONE})
        assert_failure(response, 429, "TooManyRequests")
        assert int(response.headers["Retry-After"]) > 0
        assert await scalar(db_engine, "SELECT count(*) FROM message_sortant") == 1

    async def test_another_channel_within_the_cooldown_gets_a_new_code(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        await execute(db_engine, "UPDATE utilisateur SET email = 'awa@exemple.ci'")
        response = await client.post(
            "/api/generate-otp", json={"identifier": PHONE, "moyen_envoyer": "email"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["moyen"] == "email"
        assert response.json()["message"] == "Un code de vérification a été envoyé par email."
        assert await scalar(db_engine, "SELECT count(*) FROM message_sortant") == 2
        # One valid code at a time: the SMS one is cancelled, the e-mailed one works.
        sms_code = await outbox_code(db_engine, PHONE)
        email_code = await outbox_code(db_engine, "awa@exemple.ci")
        if sms_code != email_code:
            assert_failure(await _verify(client, sms_code), 401, "InvalidOtp")
        assert (await _verify(client, email_code)).status_code == 200

    async def test_at_most_five_codes_an_hour(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        for _ in range(4):
            await execute(
                db_engine, "UPDATE otp SET date_creation = date_creation - interval '61 seconds'"
            )
            assert (
                await client.post("/api/generate-otp", json={"identifier": PHONE})
            ).status_code == 200
        # At the cap, even within the cooldown with a valid code: the abuse guard answers.
        response = await client.post("/api/generate-otp", json={"identifier": PHONE})
        assert_failure(response, 429)
        assert "heure" in response.json()["message"]
        await execute(
            db_engine, "UPDATE otp SET date_creation = date_creation - interval '61 seconds'"
        )
        response = await client.post("/api/generate-otp", json={"identifier": PHONE})
        assert_failure(response, 429)
        assert "heure" in response.json()["message"]
        assert await scalar(db_engine, "SELECT count(*) FROM message_sortant") == 5


class TestForgottenPassword:
    async def test_reset_with_a_code_then_login(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        await execute(
            db_engine, "UPDATE otp SET date_creation = date_creation - interval '2 minutes'"
        )
        response = await client.post("/api/auth/forgot-password", json={"identifier": PHONE})
        assert response.status_code == 200
        code = await outbox_code(db_engine, PHONE)
        reset = await client.post(
            "/api/auth/reset-password",
            json={"identifier": PHONE, "otpCode": code, "password": "Nouveau-Mdp-2026"},
        )
        assert reset.status_code == 200, reset.text
        login = await client.post(
            "/api/auth/login", json={"identifier": PHONE, "password": "Nouveau-Mdp-2026"}
        )
        assert login.json()["compte_verifier"] is True

    async def test_unknown_identifier_gets_the_same_answer(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        response = await client.post("/api/auth/forgot-password", json={"identifier": PHONE})
        assert response.status_code == 200
        async with db_engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM message_sortant")) == 0

    async def test_a_verification_code_cannot_reset_a_password(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, PHONE)
        code = await outbox_code(db_engine, PHONE)
        reset = await client.post(
            "/api/auth/reset-password",
            json={"identifier": PHONE, "otpCode": code, "password": "Nouveau-Mdp-2026"},
        )
        assert_failure(reset, 400, "OtpExpired")
