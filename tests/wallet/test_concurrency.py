"""The ledger under concurrency, with real connections: many clients at once through the
API (each request on its own pooled PostgreSQL connection), then the books must balance to
the franc. M-3 (overdraft races) and M-4 (lost updates) of the previous back end."""

from __future__ import annotations

import asyncio
import random
import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import count
from tests.factories import execute, funded_people
from tests.wallet.helpers import (
    Person,
    admin_token,
    assert_ledger_clean,
    balance,
    credit,
    pin_token,
    send,
    user_balances_total,
)

ACCOUNTS = 20
FUNDING = 100_000


@pytest.fixture
async def people(client: httpx.AsyncClient, db_engine: AsyncEngine) -> list[Person]:
    return await funded_people(client, db_engine, ACCOUNTS, FUNDING)


async def _in_waves(calls: list, width: int) -> list[httpx.Response]:  # type: ignore[type-arg]
    """Run the coroutine factories `width` at a time (each holds a database connection)."""
    semaphore = asyncio.Semaphore(width)

    async def one(factory):  # type: ignore[no-untyped-def]
        async with semaphore:
            return await factory()

    return list(await asyncio.gather(*(one(call) for call in calls)))


class TestRandomTransfers:
    async def test_money_is_conserved_to_the_franc(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, people: list[Person]
    ) -> None:
        rng = random.Random(20261124)  # noqa: S311 — reproducible load, not secrets
        tokens = {p.phone: await pin_token(client, p) for p in people}
        calls = []
        for _ in range(400):
            sender, recipient = rng.sample(people, 2)
            amount = rng.randint(1, 6_000)
            calls.append(
                lambda s=sender, r=recipient, a=amount: send(
                    client, s, r.phone, a, pin_token=tokens[s.phone]
                )
            )
        responses = await _in_waves(calls, width=40)
        statuses = [r.status_code for r in responses]
        assert all(status in {201, 409, 403} for status in statuses), set(statuses)
        assert statuses.count(201) > 300
        assert await user_balances_total(db_engine) == ACCOUNTS * FUNDING
        report = await assert_ledger_clean(db_engine)
        assert report.transactions == ACCOUNTS + statuses.count(201)


class TestOppositeTransfers:
    async def test_no_deadlock_reaches_the_client(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, people: list[Person]
    ) -> None:
        a, b = people[0], people[1]
        ta, tb = await pin_token(client, a), await pin_token(client, b)
        calls = []
        for _ in range(60):
            calls.append(lambda: send(client, a, b.phone, 10, pin_token=ta))
            calls.append(lambda: send(client, b, a.phone, 7, pin_token=tb))
        responses = await _in_waves(calls, width=40)
        assert [r.status_code for r in responses] == [201] * 120
        assert await balance(db_engine, a.numero_compte) == FUNDING - 60 * 3
        assert await balance(db_engine, b.numero_compte) == FUNDING + 60 * 3
        await assert_ledger_clean(db_engine)


class TestDraining:
    async def test_exactly_the_affordable_transfers_succeed(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, people: list[Person]
    ) -> None:
        drainer, others = people[0], people[1:]
        # A verified tier, so that the funds run out before the daily limit does.
        await execute(
            db_engine, "UPDATE utilisateur SET niveau_kyc = 2 WHERE telephone = :p", p=drainer.phone
        )
        token = await pin_token(client, drainer)
        # 100 000 F: at most ten of these thirty parallel 10 000 F transfers can be paid.
        recipients = [others[i % len(others)] for i in range(30)]
        calls = [
            lambda r=r: send(client, drainer, r.phone, 10_000, pin_token=token) for r in recipients
        ]
        responses = await _in_waves(calls, width=30)
        statuses = sorted(r.status_code for r in responses)
        assert statuses.count(201) == 10, statuses
        assert statuses.count(409) == 20
        assert await balance(db_engine, drainer.numero_compte) == 0
        assert await user_balances_total(db_engine) == ACCOUNTS * FUNDING
        await assert_ledger_clean(db_engine)


class TestIdempotentRetriesAtOnce:
    async def test_twenty_identical_requests_make_one_transfer(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, people: list[Person]
    ) -> None:
        sender, recipient = people[0], people[1]
        token = await pin_token(client, sender)
        key = str(uuid.uuid4())
        calls = [
            lambda: send(client, sender, recipient.phone, 2_500, key=key, pin_token=token)
            for _ in range(20)
        ]
        responses = await _in_waves(calls, width=20)
        assert [r.status_code for r in responses] == [201] * 20
        assert len({r.json()["data"]["reference"] for r in responses}) == 1
        assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 19
        assert await balance(db_engine, recipient.numero_compte) == FUNDING + 2_500
        assert await count(db_engine, "cle_idempotence") == 1


class TestAdminCreditsDuringTransfers:
    async def test_no_lost_update(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, people: list[Person]
    ) -> None:
        admin = await admin_token(client, db_engine)
        target, sender = people[0], people[1]
        token = await pin_token(client, sender)
        calls = []
        for _ in range(25):
            calls.append(lambda: send(client, sender, target.phone, 100, pin_token=token))
            calls.append(lambda: credit(client, admin, target.numero_compte, 1))
        await _in_waves(calls, width=25)
        assert await balance(db_engine, target.numero_compte) == FUNDING + 25 * 100 + 25
        await assert_ledger_clean(db_engine)


class TestConnectionsAreReturned:
    """M-5: the previous back end leaked a pooled connection per phone/e-mail transfer."""

    async def test_refusals_and_successes_leave_no_connection_checked_out(
        self, app: object, client: httpx.AsyncClient, db_engine: AsyncEngine, people: list[Person]
    ) -> None:
        sender, recipient = people[0], people[1]
        token = await pin_token(client, sender)
        pool_size = app.state.settings.db_pool_size  # type: ignore[attr-defined]
        for _ in range(pool_size * 3):
            response = await send(client, sender, recipient.phone, FUNDING * 10, pin_token=token)
            assert response.status_code in {403, 409}
        assert (await send(client, sender, recipient.phone, 1, pin_token=token)).status_code == 201
        db = app.state.db  # type: ignore[attr-defined]
        assert db.engine.pool.checkedout() == 0
        assert db.reader.pool.checkedout() == 0
