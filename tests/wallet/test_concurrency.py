"""The ledger under concurrency, with real connections: many clients at once through the
API (each request on its own pooled PostgreSQL connection), then the books must balance to
the franc. M-3 (overdraft races) and M-4 (lost updates) of the previous back end."""

from __future__ import annotations

import asyncio
import random
import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.wallet import ledger, repository
from hostolink.wallet.ledger import Movement
from hostolink.wallet.reference_data import account_number, provider_accounts
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


async def _account_ids(engine: AsyncEngine, people: list[Person]) -> list[int]:
    async with engine.connect() as connection:
        found = await connection.scalars(
            text("SELECT id_compte FROM compte WHERE numero_compte = ANY(:n) ORDER BY id_compte"),
            {"n": [p.numero_compte for p in people]},
        )
        return list(found)


async def _settle_into_float(engine: AsyncEngine, wallet: int, amount: int) -> None:
    """A deposit's booking (operations.service): the wallet locked, the provider's clearing
    account read, one posting; with a short lock_timeout, so that a wait on the clearing
    account's row would fail the test instead of passing slowly."""
    async with AsyncSession(engine) as session, session.begin():
        await session.execute(text("SET LOCAL lock_timeout = '5s'"))
        locked = await ledger.lock(session, [wallet], system_codes=[FLOAT])
        (clearing,) = (a for a in locked.accounts if a != wallet)
        movement = Movement.start(locked)
        movement.add(clearing, -amount)
        movement.add(wallet, amount)
        await repository.post(
            session,
            movement.posting(
                reference=ledger.new_reference(),
                # Shaped as a deposit's booking; `depot` would need an operation row.
                type_transaction="ajustement",
                montant=amount,
                frais=0,
                source=clearing,
                destination=wallet,
                initiator=None,
                description="Dépôt de test",
                motif="Règlement de test",
                qr=None,
                operation=None,
                reverses=None,
            ),
        )


async def _buckets(engine: AsyncEngine, code: str) -> list[tuple[int, int]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT s.sous_compte, s.solde FROM sous_compte_systeme s"
                " JOIN compte c ON c.id_compte = s.id_compte WHERE c.code_systeme = :c"
            ),
            {"c": code},
        )
        return [(r.sous_compte, r.solde) for r in rows]


async def _entries_total(engine: AsyncEngine, numero: str) -> int:
    async with engine.connect() as connection:
        total = await connection.scalar(
            text(
                "SELECT coalesce(sum(e.montant), 0) FROM ecriture e"
                " JOIN compte c ON c.id_compte = e.id_compte WHERE c.numero_compte = :n"
            ),
            {"n": numero},
        )
        return int(total)


FLOAT = provider_accounts("sandbox")[0]


class TestSystemAccountsDoNotSerialize:
    """A system account takes part in many postings at once (every fee, every deposit of a
    provider): its balance is spread over buckets, so postings neither lock nor update one
    hot row for it."""

    async def test_many_settlements_into_one_clearing_account(
        self, db_engine: AsyncEngine, people: list[Person]
    ) -> None:
        wallets = await _account_ids(db_engine, people)
        # 20 wallets × 5 rounds, all at once (the engine's pool queues the surplus).
        await asyncio.gather(
            *(_settle_into_float(db_engine, w, 10 + i) for i in range(5) for w in wallets)
        )
        expected = -sum(10 + i for i in range(5)) * len(wallets)
        numero = account_number(FLOAT)
        assert await balance(db_engine, numero) == expected
        assert await _entries_total(db_engine, numero) == expected
        buckets = await _buckets(db_engine, FLOAT)
        assert sum(s for _, s in buckets) == expected
        assert len(buckets) > 1  # spread, not one row
        async with db_engine.connect() as connection:
            own = await connection.scalar(
                text("SELECT solde FROM compte WHERE code_systeme = :c"), {"c": FLOAT}
            )
        assert own == 0
        for person in people:
            assert await balance(db_engine, person.numero_compte) == FUNDING + 60
        await assert_ledger_clean(db_engine)

    async def test_a_posting_does_not_wait_for_the_system_accounts_row(
        self, db_engine: AsyncEngine, people: list[Person]
    ) -> None:
        wallets = await _account_ids(db_engine, people)
        async with db_engine.connect() as holder, holder.begin():
            # Another transaction holds the clearing account's row as an update of its
            # balance did (every deposit's booking, until revision 0010): the posting still
            # goes through (lock_timeout would fail it). Its entry's foreign key takes only
            # a KEY SHARE lock on the row, which such an update does not block.
            await holder.execute(
                text("SELECT 1 FROM compte WHERE code_systeme = :c FOR NO KEY UPDATE"),
                {"c": FLOAT},
            )
            await _settle_into_float(db_engine, wallets[0], 500)
        assert await balance(db_engine, account_number(FLOAT)) == -500
        await assert_ledger_clean(db_engine)

    async def test_concurrent_fee_bearing_transfers_credit_the_fee_account(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, people: list[Person]
    ) -> None:
        await execute(
            db_engine,
            "INSERT INTO bareme_frais (type_operation, montant_min, frais_fixe)"
            " VALUES ('transfert', 1, 25)",
        )
        tokens = {p.phone: await pin_token(client, p) for p in people}
        n = len(people)
        calls = [
            lambda s=people[i % n], r=people[(i + n // 2) % n]: send(
                client, s, r.phone, 100, pin_token=tokens[s.phone]
            )
            for i in range(120)
        ]
        responses = await _in_waves(calls, width=40)
        assert [r.status_code for r in responses] == [201] * 120
        assert await balance(db_engine, "SYS-FRAIS") == 120 * 25
        assert await _entries_total(db_engine, "SYS-FRAIS") == 120 * 25
        assert await user_balances_total(db_engine) == ACCOUNTS * FUNDING - 120 * 25
        await assert_ledger_clean(db_engine)
