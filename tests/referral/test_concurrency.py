"""The referral's guards under concurrency, on real PostgreSQL and several connections: one
reward per invitee however often its job runs or deposits arrive, and a budget never
overdrawn when many rewards are paid at once."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.db import Database
from hostolink.referral import service
from hostolink.referral.rewards import BUDGET_SPENT, Rewards
from tests.conftest import TEST_SECRET
from tests.factories import scalar
from tests.operations.helpers import system_balance
from tests.referral.helpers import MARKETING, campaign, invited, my_referrals, super_admin
from tests.wallet.helpers import assert_ledger_clean, balance, credit, person

INVITEES = 10


async def _first_deposit(engine: AsyncEngine, who: Any) -> None:
    """A first deposit of 5 000 F CFA credited to `who` (the ledger's credit, then the hook
    the deposit's credit runs, in one transaction)."""
    tx = await scalar(
        engine,
        "SELECT t.id_transaction FROM transaction t JOIN compte c"
        " ON c.id_compte = t.id_compte_destination WHERE c.numero_compte = :n",
        n=who.numero_compte,
    )
    user = await scalar(engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=who.phone)
    async with AsyncSession(engine) as session, session.begin():
        await service.on_deposit_credited(session, user_id=user, transaction_id=tx, amount=5_000)


async def test_budget_for_three_rewards_pays_exactly_three_of_ten_concurrent(
    client: httpx.AsyncClient, db_engine: AsyncEngine, database_url: str
) -> None:
    admin = await super_admin(client, db_engine)
    await campaign(client, admin, budget=3 * 1_500, delai_validation_heures=1)
    awa = await person(client, db_engine, 1)
    code = (await my_referrals(client, awa))["code"]
    invitees = [await invited(client, db_engine, n, code) for n in range(2, 2 + INVITEES)]
    admin_token = admin["Authorization"].removeprefix("Bearer ")
    for someone in invitees:
        await credit(client, admin_token, someone.numero_compte, 5_000)
        await _first_deposit(db_engine, someone)
    ids = [
        int(i)
        for i in (
            await scalar(
                db_engine,
                "SELECT array_agg(id_parrainage ORDER BY id_parrainage) FROM parrainage"
                " WHERE statut = 'en_validation'",
            )
        )
    ]
    assert len(ids) == INVITEES
    database = Database(database_url, connections=12)
    try:
        rewards = Rewards(database, signing_key=TEST_SECRET, notices=None)
        outcomes = await asyncio.gather(*(rewards.run(i) for i in ids))
    finally:
        await database.dispose()
    paid = [o for o in outcomes if o is not None and o.paid]
    refused = [o for o in outcomes if o is not None and not o.paid]
    assert len(paid) == 3
    assert [o.reason for o in refused] == [BUDGET_SPENT] * 7
    assert await scalar(db_engine, "SELECT count(*) FROM recompense_parrainage") == 3
    assert (
        await scalar(
            db_engine,
            "SELECT count(*) FROM parrainage WHERE statut = 'non_eligible' AND motif = :m",
            m=BUDGET_SPENT,
        )
        == 7
    )
    assert await scalar(db_engine, "SELECT budget_engage FROM campagne_parrainage") == 4_500
    assert await system_balance(db_engine, MARKETING) == -3 * (1_000 + 500)
    assert await balance(db_engine, awa.numero_compte) == 3 * 1_000
    await assert_ledger_clean(db_engine)


async def test_one_reward_per_invitee_when_deposits_and_jobs_race(
    client: httpx.AsyncClient, db_engine: AsyncEngine, database_url: str
) -> None:
    admin = await super_admin(client, db_engine)
    await campaign(client, admin, delai_validation_heures=1)
    awa = await person(client, db_engine, 1)
    bintou = await invited(client, db_engine, 2, (await my_referrals(client, awa))["code"])
    admin_token = admin["Authorization"].removeprefix("Bearer ")
    for _ in range(2):
        await credit(client, admin_token, bintou.numero_compte, 5_000)
    transactions = await scalar(
        db_engine,
        "SELECT array_agg(t.id_transaction) FROM transaction t JOIN compte c"
        " ON c.id_compte = t.id_compte_destination WHERE c.numero_compte = :n",
        n=bintou.numero_compte,
    )
    user = await scalar(
        db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=bintou.phone
    )

    # Two deposits credited at once, each in its own transaction: the first one decides.
    async def credited(tx: int) -> None:
        async with AsyncSession(db_engine) as session, session.begin():
            await service.on_deposit_credited(
                session, user_id=user, transaction_id=tx, amount=5_000
            )

    await asyncio.gather(*(credited(int(tx)) for tx in transactions))
    assert (
        await scalar(db_engine, "SELECT count(*) FROM tache WHERE nom = 'parrainage.recompenser'")
        == 1
    )
    referral = await scalar(db_engine, "SELECT id_parrainage FROM parrainage")
    # The job run three times at once (a retry racing a lease expiry…): paid once.
    database = Database(database_url, connections=6)
    try:
        rewards = Rewards(database, signing_key=TEST_SECRET, notices=None)
        outcomes = await asyncio.gather(*(rewards.run(referral) for _ in range(3)))
    finally:
        await database.dispose()
    assert sorted(o is not None and o.paid for o in outcomes) == [False, False, True]
    assert [o for o in outcomes if o is not None and not o.paid] == []
    assert await scalar(db_engine, "SELECT count(*) FROM recompense_parrainage") == 1
    assert await balance(db_engine, awa.numero_compte) == 1_000
    assert await balance(db_engine, bintou.numero_compte) == 10_500
    await assert_ledger_clean(db_engine)
