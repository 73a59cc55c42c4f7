"""Paying a scanned QR code (M-7 of the previous back end: unsigned, never-expiring,
reusable codes, and a credited account chosen by the client)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import PASSWORD, assert_failure, count
from tests.factories import execute
from tests.wallet.helpers import (
    Person,
    admin_token,
    assert_ledger_clean,
    balance,
    credit,
    person,
    pin_token,
)


@pytest.fixture
async def pair(client: httpx.AsyncClient, db_engine: AsyncEngine) -> tuple[Person, Person]:
    admin = await admin_token(client, db_engine)
    payer, shop = await person(client, db_engine, 1), await person(client, db_engine, 2)
    await credit(client, admin, payer.numero_compte, 20_000)
    return payer, shop


async def dynamic(client: httpx.AsyncClient, owner: Person, amount: int) -> str:
    response = await client.post(
        "/api/qr/dynamique",
        json={"montant": amount, "libelle": "Consultation"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    payload: str = response.json()["data"]["payload"]
    return payload


async def static(client: httpx.AsyncClient, owner: Person) -> str:
    payload: str = (await client.get("/api/qr/statique", headers=owner.headers)).json()["data"][
        "payload"
    ]
    return payload


async def pay(
    client: httpx.AsyncClient, payer: Person, payload: str, key: str, **body: object
) -> httpx.Response:
    headers = payer.headers | {"Idempotency-Key": key}
    return await client.post(
        "/api/qr/payer", json={"payload": payload, "pin": PASSWORD, **body}, headers=headers
    )


class TestDynamicQr:
    async def test_paid_once_for_its_fixed_amount(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, pair: tuple[Person, Person]
    ) -> None:
        payer, shop = pair
        payload = await dynamic(client, shop, 2_500)
        response = await pay(client, payer, payload, "qr-paiement-0001")
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert (data["type_transaction"], data["montant"], data["description"]) == (
            "paiement_qr",
            2_500,
            "Consultation",
        )
        assert await balance(db_engine, shop.numero_compte) == 2_500
        again = await pay(client, payer, payload, "qr-paiement-0002")
        assert_failure(again, 409, "QrCodeAlreadyPaid")
        # A retry of the first request replays its answer instead of failing.
        replay = await pay(client, payer, payload, "qr-paiement-0001")
        assert replay.json() == response.json()
        assert await balance(db_engine, shop.numero_compte) == 2_500
        await assert_ledger_clean(db_engine)

    async def test_two_payers_at_once_one_pays(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, pair: tuple[Person, Person]
    ) -> None:
        payer, shop = pair
        admin = await admin_token(client, db_engine)
        other = await person(client, db_engine, 3)
        await credit(client, admin, other.numero_compte, 20_000)
        payload = await dynamic(client, shop, 1_000)
        first, second = await asyncio.gather(
            pay(client, payer, payload, "qr-course-payeur-1"),
            pay(client, other, payload, "qr-course-payeur-2"),
        )
        assert sorted([first.status_code, second.status_code]) == [201, 409]
        assert await balance(db_engine, shop.numero_compte) == 1_000

    async def test_a_different_amount_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, pair: tuple[Person, Person]
    ) -> None:
        payer, shop = pair
        payload = await dynamic(client, shop, 2_500)
        response = await pay(client, payer, payload, "qr-montant-0001", montant=1)
        assert_failure(response, 422, "AmountMismatch")
        assert "2 500 F CFA" in response.json()["message"]
        assert (
            await pay(client, payer, payload, "qr-montant-0002", montant=2_500)
        ).status_code == 201

    async def test_expired_is_refused_and_nothing_moves(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, pair: tuple[Person, Person]
    ) -> None:
        payer, shop = pair
        payload = await dynamic(client, shop, 2_500)
        await execute(
            db_engine,
            "UPDATE qr_code_paiement SET date_creation = now() - interval '2 hours',"
            " date_expiration = now() - interval '1 second' WHERE type_qr = 'dynamique'",
        )
        assert_failure(await pay(client, payer, payload, "qr-expire-0001"), 410, "QrCodeExpired")
        assert await count(db_engine, "notification") == 1  # the funding's only
        assert await balance(db_engine, payer.numero_compte) == 20_000


class TestStaticQr:
    async def test_any_amount_many_times(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, pair: tuple[Person, Person]
    ) -> None:
        payer, shop = pair
        payload = await static(client, shop)
        token = await pin_token(client, payer)
        for n, amount in enumerate((300, 700)):
            response = await client.post(
                "/api/qr/payer",
                json={"payload": payload, "montant": amount},
                headers=payer.headers
                | {"Idempotency-Key": f"qr-statique-{n:04d}", "X-Jeton-Pin": token},
            )
            assert response.status_code == 201, response.text
        assert await balance(db_engine, shop.numero_compte) == 1_000

    async def test_amount_required(
        self, client: httpx.AsyncClient, pair: tuple[Person, Person]
    ) -> None:
        payer, shop = pair
        response = await pay(client, payer, await static(client, shop), "qr-sans-montant-1")
        assert_failure(response, 422, "AmountRequired")

    async def test_paying_my_own_code_is_a_self_transfer(
        self, client: httpx.AsyncClient, pair: tuple[Person, Person]
    ) -> None:
        payer, _ = pair
        response = await pay(
            client, payer, await static(client, payer), "qr-soi-meme-01", montant=5
        )
        assert_failure(response, 400, "SelfTransfer")


class TestIntegrity:
    async def test_tampered_payload(
        self, client: httpx.AsyncClient, pair: tuple[Person, Person]
    ) -> None:
        payer, shop = pair
        payload = await static(client, shop)
        tampered = payload[:-1] + ("A" if payload[-1] != "A" else "B")
        response = await pay(client, payer, tampered, "qr-falsifie-0001", montant=100)
        assert_failure(response, 400, "InvalidQrCode")

    async def test_the_client_cannot_choose_the_credited_account(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, pair: tuple[Person, Person]
    ) -> None:
        payer, shop = pair
        third = await person(client, db_engine, 3)
        response = await pay(
            client,
            payer,
            await static(client, shop),
            "qr-compte-force-1",
            montant=100,
            numero_compte=third.numero_compte,
        )
        assert_failure(response, 422, "ValidationError")
        assert await balance(db_engine, third.numero_compte) == 0

    async def test_negative_amount(
        self, client: httpx.AsyncClient, pair: tuple[Person, Person]
    ) -> None:
        payer, shop = pair
        response = await pay(
            client, payer, await static(client, shop), "qr-negatif-0001", montant=-100
        )
        assert_failure(response, 422, "ValidationError")
