"""Deletion racing an incoming transfer, on real PostgreSQL. Both take the recipient's wallet
row lock; a transaction of the test holds that lock while both requests queue behind it, in
a chosen order, then lets go. Either the transfer lands first and the deletion is refused
(the balance is no longer zero), or the deletion commits first and the transfer, which had
already found its recipient, is refused on the locked row. Never money into a closed wallet."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.account.helpers import codes, delete
from tests.factories import scalar
from tests.wallet.helpers import (
    admin_token,
    assert_ledger_clean,
    balance,
    credit,
    person,
    send,
)

WAITING = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def _waiters(engine: AsyncEngine, expected: int) -> None:
    """Until `expected` sessions wait for a lock (a condition, not a duration)."""
    for _ in range(2000):
        if await scalar(engine, WAITING) >= expected:
            return
        await asyncio.sleep(0.005)
    pytest.fail(f"{expected} requests never queued behind the wallet's lock")


async def _race(
    engine: AsyncEngine, wallet: str, first: Awaitable[Any], second: Awaitable[Any]
) -> tuple[httpx.Response, httpx.Response]:
    async with engine.connect() as holder:
        transaction = await holder.begin()
        await holder.execute(
            text("SELECT 1 FROM compte WHERE numero_compte = :n FOR UPDATE"), {"n": wallet}
        )
        one = asyncio.ensure_future(first)
        await _waiters(engine, 1)
        two = asyncio.ensure_future(second)
        await _waiters(engine, 2)
        await transaction.rollback()
    return await one, await two


class TestDeletionRacingATransfer:
    async def test_the_transfer_locks_first_and_the_deletion_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, bob = await person(client, db_engine, 1), await person(client, db_engine, 2)
        await credit(client, await admin_token(client, db_engine), bob.numero_compte, 5_000)

        sent, deleted = await _race(
            db_engine,
            awa.numero_compte,
            send(client, bob, awa.national, 1_000),
            delete(client, awa),
        )

        assert sent.status_code == 201, sent.text
        assert deleted.status_code == 409, deleted.text
        assert codes(deleted.json()["raisons"]) == ["solde"]
        assert await balance(db_engine, awa.numero_compte) == 1_000
        statut = await scalar(
            db_engine, "SELECT statut FROM compte WHERE numero_compte = :n", n=awa.numero_compte
        )
        assert statut == "actif"
        await assert_ledger_clean(db_engine)

    async def test_the_deletion_locks_first_and_the_transfer_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, bob = await person(client, db_engine, 1), await person(client, db_engine, 2)
        await credit(client, await admin_token(client, db_engine), bob.numero_compte, 5_000)

        deleted, sent = await _race(
            db_engine,
            awa.numero_compte,
            delete(client, awa),
            send(client, bob, awa.national, 1_000),
        )

        assert deleted.status_code == 200, deleted.text
        # The transfer had found Awa before she left: refused on the locked, closed wallet.
        assert sent.status_code == 409, sent.text
        assert sent.json()["error"] == "RecipientAccountFrozen"
        assert "est fermé (compte supprimé" in sent.json()["message"]
        assert await balance(db_engine, awa.numero_compte) == 0
        assert await balance(db_engine, bob.numero_compte) == 5_000
        await assert_ledger_clean(db_engine)

    async def test_two_deletions_at_once_delete_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1)

        first, second = await _race(
            db_engine, awa.numero_compte, delete(client, awa), delete(client, awa)
        )

        assert first.status_code == 200, first.text
        assert second.status_code == 409, second.text
        assert second.json()["message"] == "Ce compte est déjà supprimé."
        lines = await scalar(
            db_engine, "SELECT count(*) FROM journal_audit WHERE action = 'compte.suppression'"
        )
        assert lines == 1

    async def test_unordered_races_never_leave_money_in_a_closed_wallet(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        for round_ in range(3):
            awa = await person(client, db_engine, 10 + 2 * round_)
            bob = await person(client, db_engine, 11 + 2 * round_)
            await credit(client, admin, bob.numero_compte, 5_000)
            sent, deleted = await asyncio.gather(
                send(client, bob, awa.national, 1_000), delete(client, awa)
            )
            assert (sent.status_code, deleted.status_code) in {(201, 409), (404, 200), (409, 200)}
            statut = await scalar(
                db_engine,
                "SELECT statut FROM compte WHERE numero_compte = :n",
                n=awa.numero_compte,
            )
            money = await balance(db_engine, awa.numero_compte)
            assert (statut, money) in {("actif", 1_000), ("ferme", 0)}
        await assert_ledger_clean(db_engine)
