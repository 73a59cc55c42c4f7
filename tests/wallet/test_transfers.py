"""Transfers between wallets through the public API: who, how much, refusals, PIN."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure, bearer, count, onboard
from tests.conftest import TEST_SECRET
from tests.factories import execute
from tests.wallet.helpers import (
    Person,
    admin_token,
    assert_ledger_clean,
    balance,
    credit,
    person,
    pin_token,
    send,
)


@pytest.fixture
async def alice(client: httpx.AsyncClient, db_engine: AsyncEngine) -> Person:
    return await person(client, db_engine, 1)


@pytest.fixture
async def bob(client: httpx.AsyncClient, db_engine: AsyncEngine) -> Person:
    return await person(client, db_engine, 2)


@pytest.fixture
async def admin(client: httpx.AsyncClient, db_engine: AsyncEngine) -> str:
    return await admin_token(client, db_engine)


@pytest.fixture
async def funded_alice(client: httpx.AsyncClient, alice: Person, admin: str) -> Person:
    await credit(client, admin, alice.numero_compte, 50_000)
    return alice


class TestSend:
    @pytest.mark.parametrize(
        "writing",
        ["0700000002", "07 00 00 00 02", "+2250700000002", "002250700000002", "2250700000002"],
    )
    async def test_by_phone_in_any_writing(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        funded_alice: Person,
        bob: Person,
        writing: str,
    ) -> None:
        response = await send(client, funded_alice, writing, 5_000)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["success"] is True
        assert body["message"].startswith("Vous avez envoyé 5 000 F CFA")
        assert not body["message"].endswith("..")
        data = body["data"]
        assert data["montant"] == 5_000
        assert data["frais"] == 0
        assert data["montant_debite"] == 5_000
        assert data["nouveau_solde"] == 45_000
        assert data["type_transaction"] == "transfert"
        assert data["statut"] == "reussie"
        assert data["destinataire"]["numero_compte"] == bob.numero_compte
        assert "0700000002" not in data["destinataire"]["telephone_masque"].replace(" ", "")
        assert data["reference"].startswith("HL-")
        assert await balance(db_engine, funded_alice.numero_compte) == 45_000
        assert await balance(db_engine, bob.numero_compte) == 5_000
        await assert_ledger_clean(db_engine)

    async def test_by_email_and_by_account_number(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, funded_alice: Person
    ) -> None:
        tokens = await onboard(client, db_engine, "Carla@Example.com", "carla@example.com")
        me = await client.get("/api/user/me", headers=bearer(tokens["token"]))
        carla_account = me.json()["data"]["compte"]["numero_compte"]
        assert (await send(client, funded_alice, "CARLA@example.com ", 1_000)).status_code == 201
        assert (await send(client, funded_alice, carla_account.lower(), 2_000)).status_code == 201
        assert await balance(db_engine, carla_account) == 3_000

    async def test_with_a_pin_token_instead_of_the_pin(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, funded_alice: Person, bob: Person
    ) -> None:
        token = await pin_token(client, funded_alice)
        for _ in range(3):
            response = await send(client, funded_alice, bob.phone, 100, pin_token=token)
            assert response.status_code == 201, response.text
        assert await balance(db_engine, bob.numero_compte) == 300

    async def test_both_sides_are_notified_after_commit(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, funded_alice: Person, bob: Person
    ) -> None:
        before = await count(db_engine, "notification")  # the funding's
        assert (await send(client, funded_alice, bob.phone, 700)).status_code == 201
        assert await count(db_engine, "notification") == before + 2


class TestAmountsAreStrictIntegers:
    """M-1 (negative amounts moved money backwards) and M-2 (fractions created money)."""

    @pytest.mark.parametrize(
        "amount",
        [-5_000, 0, 500.5, 500.0, "500", True, None, 10**12, [500], {"v": 1}],
        ids=[
            "negative",
            "zero",
            "fraction",
            "float",
            "string",
            "bool",
            "null",
            "absurd",
            "list",
            "obj",
        ],
    )
    async def test_refused_with_422_and_nothing_moves(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        funded_alice: Person,
        bob: Person,
        amount: object,
    ) -> None:
        before = await count(db_engine, "transaction")
        response = await send(client, funded_alice, bob.phone, amount)
        assert_failure(response, 422, "ValidationError")
        assert "montant" in response.json()["message"]
        assert await count(db_engine, "transaction") == before
        assert await balance(db_engine, funded_alice.numero_compte) == 50_000
        assert await balance(db_engine, bob.numero_compte) == 0


class TestRefusals:
    async def test_self_transfer(self, client: httpx.AsyncClient, funded_alice: Person) -> None:
        response = await send(client, funded_alice, funded_alice.national, 100)
        assert_failure(response, 400, "SelfTransfer")

    async def test_unknown_recipient(self, client: httpx.AsyncClient, funded_alice: Person) -> None:
        assert_failure(await send(client, funded_alice, "0799999999", 100), 404, "UnknownRecipient")
        assert_failure(
            await send(client, funded_alice, "nobody@example.com", 100), 404, "UnknownRecipient"
        )

    async def test_invalid_identifier_is_422(
        self, client: httpx.AsyncClient, funded_alice: Person
    ) -> None:
        response = await send(client, funded_alice, "pas un numéro", 100)
        assert response.status_code == 422

    async def test_suspended_recipient_is_unknown(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, funded_alice: Person, bob: Person
    ) -> None:
        await execute(
            db_engine, "UPDATE utilisateur SET actif = false WHERE telephone = :p", p=bob.phone
        )
        assert_failure(await send(client, funded_alice, bob.phone, 100), 404, "UnknownRecipient")

    async def test_frozen_recipient_and_frozen_sender(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        funded_alice: Person,
        bob: Person,
        admin: str,
    ) -> None:
        freeze = await client.post(
            f"/api/admin/comptes/{bob.numero_compte}/statut",
            json={"statut": "gele", "motif": "Suspicion de fraude"},
            headers=bearer(admin),
        )
        assert freeze.status_code == 200, freeze.text
        assert_failure(
            await send(client, funded_alice, bob.phone, 100), 409, "RecipientAccountFrozen"
        )
        await execute(
            db_engine,
            "UPDATE compte SET statut = 'gele' WHERE numero_compte = :n",
            n=funded_alice.numero_compte,
        )
        await execute(
            db_engine,
            "UPDATE compte SET statut = 'actif' WHERE numero_compte = :n",
            n=bob.numero_compte,
        )
        assert_failure(await send(client, funded_alice, bob.phone, 100), 403, "SenderAccountFrozen")
        assert await balance(db_engine, bob.numero_compte) == 0

    async def test_insufficient_funds_moves_nothing(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, funded_alice: Person, bob: Person
    ) -> None:
        response = await send(client, funded_alice, bob.phone, 50_001)
        assert_failure(response, 409, "InsufficientFunds")
        assert "50 001 F CFA" in response.json()["message"]
        assert await count(db_engine, "transaction") == 1  # the funding only
        assert await balance(db_engine, funded_alice.numero_compte) == 50_000


class TestLimits:
    """M-11: limits by KYC tier are enforced, after the lock."""

    async def test_per_operation_and_daily_send_limits(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        alice: Person,
        bob: Person,
        admin: str,
    ) -> None:
        # Tier 0 defaults: 100 000 per operation and per day, balance at most 200 000.
        await credit(client, admin, alice.numero_compte, 200_000)
        response = await send(client, alice, bob.phone, 100_001)
        assert_failure(response, 403, "LimitExceeded")
        assert (await send(client, alice, bob.phone, 60_000)).status_code == 201
        response = await send(client, alice, bob.phone, 40_001)
        assert_failure(response, 403, "LimitExceeded")
        assert "40 000 F CFA" in response.json()["message"]
        assert (await send(client, alice, bob.phone, 40_000)).status_code == 201
        wallet = await client.get("/api/portefeuille", headers=alice.headers)
        limits = wallet.json()["data"]["plafonds"]
        assert limits["envoi_journalier_restant"] == 0
        assert limits["envoi_mensuel_restant"] == 400_000

    async def test_yesterdays_sends_do_not_count_today(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        alice: Person,
        bob: Person,
        admin: str,
    ) -> None:
        await credit(client, admin, alice.numero_compte, 150_000)
        assert (await send(client, alice, bob.phone, 100_000)).status_code == 201
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        await execute(
            db_engine,
            "UPDATE compte SET date_cumul = :d WHERE numero_compte = :n",
            d=yesterday,
            n=alice.numero_compte,
        )
        assert (await send(client, alice, bob.phone, 50_000)).status_code == 201

    async def test_recipient_balance_cap(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        alice: Person,
        bob: Person,
        admin: str,
    ) -> None:
        await credit(client, admin, alice.numero_compte, 100_000)
        await credit(client, admin, bob.numero_compte, 150_000)
        response = await send(client, alice, bob.phone, 60_000)
        assert_failure(response, 409, "RecipientLimitExceeded")
        assert await balance(db_engine, bob.numero_compte) == 150_000

    async def test_a_higher_tier_raises_the_limits(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        alice: Person,
        bob: Person,
        admin: str,
    ) -> None:
        await execute(
            db_engine, "UPDATE utilisateur SET niveau_kyc = 2 WHERE telephone = :p", p=alice.phone
        )
        await credit(client, admin, alice.numero_compte, 900_000)
        assert (await send(client, alice, bob.phone, 150_000)).status_code == 201


class TestPin:
    async def test_missing_pin(
        self, client: httpx.AsyncClient, funded_alice: Person, bob: Person
    ) -> None:
        assert_failure(
            await send(client, funded_alice, bob.phone, 100, pin=None), 403, "PinRequired"
        )

    async def test_wrong_pin_counts_towards_the_lockout(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, funded_alice: Person, bob: Person
    ) -> None:
        for _ in range(4):
            assert_failure(
                await send(client, funded_alice, bob.phone, 100, pin="faux"), 401, "BadPin"
            )
        # The fifth wrong PIN locks the account; then even the right one is refused.
        assert_failure(await send(client, funded_alice, bob.phone, 100, pin="faux"), 423)
        assert_failure(await send(client, funded_alice, bob.phone, 100), 423)
        assert await balance(db_engine, bob.numero_compte) == 0

    async def test_someone_elses_or_forged_pin_tokens(
        self, client: httpx.AsyncClient, funded_alice: Person, bob: Person
    ) -> None:
        bobs = await pin_token(client, bob)
        response = await send(client, funded_alice, bob.phone, 100, pin_token=bobs)
        assert_failure(response, 401, "InvalidPinToken")
        # An access token is not a PIN token.
        response = await send(client, funded_alice, bob.phone, 100, pin_token=funded_alice.token)
        assert_failure(response, 401, "InvalidPinToken")
        expired = jwt.encode(
            {
                "iss": "hostolink",
                "sub": "1",
                "typ": "pin",
                "iat": time.time() - 900,
                "exp": time.time() - 600,
            },
            TEST_SECRET,
            algorithm="HS256",
        )
        response = await send(client, funded_alice, bob.phone, 100, pin_token=expired)
        assert_failure(response, 401, "InvalidPinToken")


class TestIdempotency:
    async def test_header_required(
        self, client: httpx.AsyncClient, funded_alice: Person, bob: Person
    ) -> None:
        response = await client.post(
            "/api/transferts",
            json={"destinataire": bob.phone, "montant": 100, "pin": "x"},
            headers=funded_alice.headers,
        )
        assert_failure(response, 400, "IdempotencyKeyRequired")

    async def test_same_key_same_body_replays(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, funded_alice: Person, bob: Person
    ) -> None:
        first = await send(client, funded_alice, bob.phone, 1_000, key="cle-essai-0001")
        again = await send(client, funded_alice, bob.phone, 1_000, key="cle-essai-0001")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert await balance(db_engine, bob.numero_compte) == 1_000
        # The PIN is not part of the request's identity: a retry with a PIN token replays.
        token = await pin_token(client, funded_alice)
        third = await send(
            client, funded_alice, bob.phone, 1_000, key="cle-essai-0001", pin_token=token
        )
        assert third.json() == first.json()

    async def test_same_key_other_body_is_409(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, funded_alice: Person, bob: Person
    ) -> None:
        assert (
            await send(client, funded_alice, bob.phone, 1_000, key="cle-essai-0002")
        ).status_code == 201
        response = await send(client, funded_alice, bob.phone, 2_000, key="cle-essai-0002")
        assert_failure(response, 409, "IdempotencyKeyReused")
        assert await balance(db_engine, bob.numero_compte) == 1_000

    async def test_keys_are_per_person(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        funded_alice: Person,
        bob: Person,
        admin: str,
    ) -> None:
        await credit(client, admin, bob.numero_compte, 1_000)
        assert (
            await send(client, funded_alice, bob.phone, 500, key="cle-partagee-1")
        ).status_code == 201
        assert (
            await send(client, bob, funded_alice.phone, 700, key="cle-partagee-1")
        ).status_code == 201

    async def test_a_refusal_does_not_burn_the_key(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        alice: Person,
        bob: Person,
        admin: str,
    ) -> None:
        refused = await send(client, alice, bob.phone, 5_000, key="cle-essai-0003")
        assert_failure(refused, 409, "InsufficientFunds")
        await credit(client, admin, alice.numero_compte, 5_000)
        assert (
            await send(client, alice, bob.phone, 5_000, key="cle-essai-0003")
        ).status_code == 201

    async def test_malformed_key(
        self, client: httpx.AsyncClient, funded_alice: Person, bob: Person
    ) -> None:
        response = await send(client, funded_alice, bob.phone, 100, key="court")
        assert_failure(response, 400, "InvalidIdempotencyKey")


class TestFees:
    async def test_scheduled_fee_is_booked_to_the_fee_account(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, funded_alice: Person, bob: Person
    ) -> None:
        # 1 % with a 50 F minimum and a 500 F maximum, from 1 F.
        await execute(
            db_engine,
            "INSERT INTO bareme_frais (type_operation, montant_min, taux_points_base, frais_min,"
            " frais_max) VALUES ('transfert', 1, 100, 50, 500)",
        )
        response = await send(client, funded_alice, bob.phone, 10_000)
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert (data["frais"], data["montant_debite"], data["nouveau_solde"]) == (
            100,
            10_100,
            39_900,
        )
        assert (await send(client, funded_alice, bob.phone, 1_000)).json()["data"]["frais"] == 50
        assert await balance(db_engine, "SYS-FRAIS") == 150
        assert await balance(db_engine, bob.numero_compte) == 11_000
        await assert_ledger_clean(db_engine)


class TestMessages:
    async def test_a_short_name_ends_the_sentence_once(
        self, client: httpx.AsyncClient, funded_alice: Person, bob: Person
    ) -> None:
        named = await client.patch(
            "/api/user/me", json={"prenom": "Awa", "nom": "Koné"}, headers=bob.headers
        )
        assert named.status_code == 200
        response = await send(client, funded_alice, bob.phone, 7_500)
        assert response.json()["message"] == "Vous avez envoyé 7 500 F CFA à Awa K."
