"""Forgot-password tells no one which accounts exist (issue 21, finding B): asked twice, a
known identifier used to answer 429 (the resend throttle) where an unknown one answered 200.
Both now answer alike; the throttle still holds for the known account, silently: no second
code within the cooldown, and the code already sent stays valid."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import register
from tests.conftest import outbox_code
from tests.factories import execute

KNOWN = "+2250701020304"
UNKNOWN = "+2250709080706"


async def _ask(client: httpx.AsyncClient, identifier: str, **extra: str) -> httpx.Response:
    return await client.post("/api/auth/forgot-password", json={"identifier": identifier, **extra})


async def _reset_codes(engine: AsyncEngine) -> tuple[int, int]:
    """(reset codes created, messages sent to KNOWN)."""
    async with engine.connect() as connection:
        codes = await connection.scalar(
            text("SELECT count(*) FROM otp WHERE objet = 'reinitialisation'")
        )
        sent = await connection.scalar(
            text("SELECT count(*) FROM message_sortant WHERE destinataire = :to"), {"to": KNOWN}
        )
    return int(codes), int(sent)


async def _registered(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await register(client, KNOWN)
    # The verification code of the sign-up was sent long enough ago for a new code.
    await execute(engine, "UPDATE otp SET date_creation = date_creation - interval '2 minutes'")


class TestSameAnswerForKnownAndUnknown:
    async def test_asked_twice_known_and_unknown_answer_alike_and_one_code_is_sent(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await _registered(client, db_engine)
        known = [await _ask(client, KNOWN) for _ in range(2)]
        unknown = [await _ask(client, UNKNOWN) for _ in range(2)]
        first = known[0]
        assert first.status_code == 200, first.text
        for answer in (*known, *unknown):
            assert answer.status_code == first.status_code
            assert answer.json() == first.json()
            assert "retry-after" not in answer.headers
        # One reset code only (plus the sign-up's verification message): the throttle held.
        assert await _reset_codes(db_engine) == (1, 2)

    async def test_the_code_sent_first_still_resets_the_password(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await _registered(client, db_engine)
        assert (await _ask(client, KNOWN)).status_code == 200
        code = await outbox_code(db_engine, KNOWN)
        assert (await _ask(client, KNOWN)).status_code == 200  # within the cooldown
        reset = await client.post(
            "/api/auth/reset-password",
            json={"identifier": KNOWN, "otpCode": code, "password": "Nouveau-Mdp-2026"},
        )
        assert reset.status_code == 200, reset.text

    async def test_the_hourly_cap_is_silent_too(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await _registered(client, db_engine)
        for _ in range(6):
            await execute(
                db_engine, "UPDATE otp SET date_creation = date_creation - interval '61 seconds'"
            )
            answer = await _ask(client, KNOWN)
            assert answer.json() == (await _ask(client, UNKNOWN)).json()
            assert answer.status_code == 200
        codes, _ = await _reset_codes(db_engine)
        assert codes == 4  # five codes an hour, the sign-up's among them

    async def test_a_channel_the_account_lacks_answers_like_an_unknown_account(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await _registered(client, db_engine)
        known = await _ask(client, KNOWN, moyen_envoyer="email")  # no e-mail on this account
        unknown = await _ask(client, UNKNOWN, moyen_envoyer="email")
        assert known.status_code == unknown.status_code == 200
        assert known.json() == unknown.json()
        assert await _reset_codes(db_engine) == (0, 1)
