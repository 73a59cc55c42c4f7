"""The secret policy: a PIN of 4 to 6 digits or a password of 8+ characters, the guessable
PINs refused (auth.secret_policy), and a 4-digit PIN working wherever "the PIN" is asked."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure, bearer, onboard
from tests.conftest import outbox_code
from tests.factories import execute
from tests.wallet.helpers import admin_token, balance, credit, person

PHONE = "0701020304"
E164 = "+2250701020304"

ACCEPTED = ["4827", "73916", "739164", "2468", "MonMotDePasse123", "48273916", "x" * 128]
REFUSED = {
    "1234567": "4 à 6 chiffres",  # 7 digits: neither a PIN nor a password
    "123": "4 à 6 chiffres",
    "abc1234": "au moins 8 caractères",
    "x" * 129: "au plus 128",
    "0000": "chiffre répété",
    "111111": "chiffre répété",
    "1234": "suites",
    "0123": "suites",
    "3210": "suites",
    "123456": "suites",
    "987654": "suites",
    "7890": "suites",  # a run across 9 → 0
    "1212": "plus utilisés",
    "2580": "plus utilisés",
    "121212": "plus utilisés",
    "159753": "plus utilisés",
    "0304": "identifiant",  # the end of 07 01 02 03 04
    "020304": "identifiant",
    "0701": "identifiant",
    "070102": "identifiant",
    "225070": "identifiant",  # from the E.164 writing
    "12345678": "suite comme 12345678",
    "99999999": "chiffre répété",
    "0701020304": "identifiant",  # a password of digits only: the number itself
    "2250701020304": "identifiant",
}


async def _define(client: httpx.AsyncClient, identifier: str, secret: str) -> httpx.Response:
    await client.post("/api/register-user", json={"identifier": identifier})
    return await client.post(
        "/api/define-password",
        json={"identifier": identifier, "password": secret, "confirmPassword": secret},
    )


class TestDefinePassword:
    @pytest.mark.parametrize("secret", ACCEPTED)
    async def test_accepted(self, client: httpx.AsyncClient, secret: str) -> None:
        response = await _define(client, PHONE, secret)
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize(("secret", "why"), list(REFUSED.items()))
    async def test_refused_with_a_french_reason(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, secret: str, why: str
    ) -> None:
        response = await _define(client, PHONE, secret)
        assert_failure(response, 422, "ValidationError")
        body = response.json()
        assert body["champs"][0]["champ"] == "password"
        assert why in body["message"], body["message"]
        # Nothing was stored, nothing was sent.
        assert (await client.post("/api/check-user", json={"identifier": PHONE})).json()[
            "has_password"
        ] is False

    async def test_digits_of_an_email_address(self, client: httpx.AsyncClient) -> None:
        assert_failure(await _define(client, "awa1990@exemple.ci", "1990"), 422)
        assert (await _define(client, "awa1990@exemple.ci", "4827")).status_code == 200

    async def test_another_number_may_use_those_digits(self, client: httpx.AsyncClient) -> None:
        assert (await _define(client, "0511223344", "0304")).status_code == 200


class TestResetPassword:
    async def test_reset_to_a_pin_then_login_with_it(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, E164)
        await execute(db_engine, "UPDATE otp SET date_creation = date_creation - interval '2 min'")
        await client.post("/api/auth/forgot-password", json={"identifier": PHONE})
        code = await outbox_code(db_engine, E164)
        refused = await client.post(
            "/api/auth/reset-password",
            json={"identifier": PHONE, "otpCode": code, "password": "0304"},
        )
        assert_failure(refused, 422, "ValidationError")
        response = await client.post(
            "/api/auth/reset-password",
            json={"identifier": PHONE, "otpCode": code, "password": "4827"},
        )
        assert response.status_code == 200, response.text
        login = await client.post("/api/auth/login", json={"identifier": PHONE, "password": "4827"})
        assert login.status_code == 200, login.text


class TestFourDigitPinEverywhere:
    async def test_verify_pin_pin_token_and_a_paid_transfer(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        alice = await onboard(client, db_engine, PHONE, E164, password="4827")
        bob = await person(client, db_engine, 2)
        me = await client.get("/api/user/me", headers=bearer(alice["token"]))
        account = me.json()["data"]["compte"]["numero_compte"]
        await credit(client, await admin_token(client, db_engine), account, 10_000)

        verify = await client.post("/api/verify-pin", json={"identifier": PHONE, "pin": "4827"})
        assert verify.json() == {"success": True, "message": "PIN valide"}
        wrong = await client.post("/api/verify-pin", json={"identifier": PHONE, "pin": "4828"})
        assert_failure(wrong, 401, "BadPin")

        headers = {**bearer(alice["token"]), "Idempotency-Key": "paiement-pin-4"}
        paid = await client.post(
            "/api/transferts",
            json={"destinataire": bob.phone, "montant": 2_500, "pin": "4827"},
            headers=headers,
        )
        assert paid.status_code == 201, paid.text
        assert await balance(db_engine, bob.numero_compte) == 2_500

        token = await client.post(
            "/api/portefeuille/jeton-pin", json={"pin": "4827"}, headers=bearer(alice["token"])
        )
        assert token.status_code == 200, token.text
        again = await client.post(
            "/api/transferts",
            json={"destinataire": bob.phone, "montant": 500},
            headers={
                **bearer(alice["token"]),
                "Idempotency-Key": "paiement-pin-4-bis",
                "X-Jeton-Pin": token.json()["jeton_pin"],
            },
        )
        assert again.status_code == 201, again.text
        assert await balance(db_engine, account) == 7_000

    async def test_lockout_counts_pin_failures_as_before(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, E164, password="4827")
        for _ in range(4):
            wrong = await client.post("/api/verify-pin", json={"identifier": PHONE, "pin": "9999"})
            assert_failure(wrong, 401, "BadPin")
        assert_failure(
            await client.post("/api/verify-pin", json={"identifier": PHONE, "pin": "9999"}), 423
        )
        assert_failure(
            await client.post("/api/verify-pin", json={"identifier": PHONE, "pin": "4827"}), 423
        )
