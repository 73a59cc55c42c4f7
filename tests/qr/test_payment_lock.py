"""The wallet's interface: `lock_for_payment` (verify, lock, refuse dead codes),
`mark_used` (single use), `static_payload` (get or create, concurrency-safe)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.errors import HostolinkError
from hostolink.kit.keys import KeyRing, parse_keyring
from hostolink.qr.errors import (
    InvalidQrCode,
    MalformedQrCode,
    QrCodeAlreadyPaid,
    QrCodeExpired,
    QrCodeRevoked,
)
from hostolink.qr.service import PaymentTarget, lock_for_payment, mark_used, static_payload
from tests.auth.helpers import count
from tests.qr.helpers import Person, app_ring, create_dynamic, expire, person

T = TypeVar("T")
OLD = parse_keyring("A:ancien-secret-de-signature", fallback_secret="x", label="hostolink/qr")
ROTATED = parse_keyring(
    "B:nouveau-secret-de-signature,A:ancien-secret-de-signature",
    fallback_secret="x",
    label="hostolink/qr",
)
NEW_ONLY = parse_keyring("B:nouveau-secret-de-signature", fallback_secret="x", label="hostolink/qr")


async def _in_transaction(engine: AsyncEngine, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        return await work(session)


async def _lock(engine: AsyncEngine, payload: str, ring: KeyRing | None = None) -> PaymentTarget:
    return await _in_transaction(
        engine,
        lambda session: lock_for_payment(session, ring=ring or app_ring(), payload=payload),
    )


async def _status(engine: AsyncEngine, code: str) -> tuple[str, object]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT statut, date_utilisation FROM qr_code_paiement WHERE code = :c"),
                {"c": code},
            )
        ).one()
    return row.statut, row.date_utilisation


async def _static(engine: AsyncEngine, who: Person, ring: KeyRing) -> str:
    return await _in_transaction(
        engine, lambda session: static_payload(session, ring=ring, compte_id=who.id_compte)
    )


class TestLockForPayment:
    async def test_static_code_pays_any_amount_into_its_account(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        target = await _lock(db_engine, await _static(db_engine, awa, app_ring()))
        assert target.id_compte == awa.id_compte
        assert target.type_qr == "statique"
        assert target.montant is None
        assert target.libelle is None

    async def test_dynamic_code_pays_its_amount(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa, 4200, libelle="Analyses")
        target = await _lock(db_engine, data["payload"])
        assert (target.id_compte, target.type_qr, target.montant, target.libelle) == (
            awa.id_compte,
            "dynamique",
            4200,
            "Analyses",
        )

    @pytest.mark.parametrize(
        ("payload", "error"),
        [
            ("n'importe quoi", MalformedQrCode),
            ("HL1.1.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAA", InvalidQrCode),
        ],
    )
    async def test_refuses_what_we_did_not_sign(
        self, db_engine: AsyncEngine, payload: str, error: type[HostolinkError]
    ) -> None:
        with pytest.raises(error):
            await _lock(db_engine, payload)

    async def test_expired(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)
        await expire(db_engine, data["code"])
        with pytest.raises(QrCodeExpired):
            await _lock(db_engine, data["payload"])

    async def test_revoked(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)
        await client.post(f"/api/qr/{data['code']}/revoquer", headers=awa.headers)
        with pytest.raises(QrCodeRevoked):
            await _lock(db_engine, data["payload"])


class TestKeyRotation:
    async def test_printed_codes_survive_a_rotation_until_the_old_key_goes(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        printed = await _static(db_engine, awa, OLD)
        assert printed.startswith("HL1.A.")
        assert (await _lock(db_engine, printed, ROTATED)).id_compte == awa.id_compte
        reprinted = await _static(db_engine, awa, ROTATED)
        assert reprinted.startswith("HL1.B.")
        assert reprinted.split(".")[2] == printed.split(".")[2]
        with pytest.raises(InvalidQrCode):
            await _lock(db_engine, printed, NEW_ONLY)
        assert (await _lock(db_engine, reprinted, NEW_ONLY)).id_compte == awa.id_compte


class TestMarkUsed:
    async def test_a_paid_dynamic_code_is_never_paid_again(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)

        async def pay(session: AsyncSession) -> None:
            target = await lock_for_payment(session, ring=app_ring(), payload=data["payload"])
            await mark_used(session, qr_id=target.id_qr_code)

        await _in_transaction(db_engine, pay)
        statut, used_at = await _status(db_engine, data["code"])
        assert statut == "utilise"
        assert used_at is not None
        with pytest.raises(QrCodeAlreadyPaid):
            await _lock(db_engine, data["payload"])

    async def test_a_static_code_stays_payable(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        payload = await _static(db_engine, awa, app_ring())
        for _ in range(2):
            target = await _lock(db_engine, payload)
            await _in_transaction(
                db_engine, lambda session, qr_id=target.id_qr_code: mark_used(session, qr_id=qr_id)
            )
        assert (await _status(db_engine, payload.split(".")[2]))[0] == "actif"

    async def test_two_payers_at_once_only_one_wins(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        """The second payer waits on the row lock, then sees the code paid."""
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)
        first_locked = asyncio.Event()
        release = asyncio.Event()

        async def first(session: AsyncSession) -> None:
            target = await lock_for_payment(session, ring=app_ring(), payload=data["payload"])
            first_locked.set()
            await release.wait()
            await mark_used(session, qr_id=target.id_qr_code)

        async def second() -> PaymentTarget:
            await first_locked.wait()
            return await _lock(db_engine, data["payload"])

        first_task = asyncio.create_task(_in_transaction(db_engine, first))
        second_task = asyncio.create_task(second())
        await first_locked.wait()
        await asyncio.sleep(0.2)
        assert not second_task.done()  # blocked on the row lock
        release.set()
        await first_task
        with pytest.raises(QrCodeAlreadyPaid):
            await second_task


class TestStaticPayload:
    async def test_one_code_under_concurrent_sessions(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        payloads = await asyncio.gather(*(_static(db_engine, awa, app_ring()) for _ in range(5)))
        assert len(set(payloads)) == 1
        assert await count(db_engine, "qr_code_paiement") == 1
