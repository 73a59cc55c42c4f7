"""The sandbox behind two processes (uvicorn --workers 2, or two instances): two apps on the
same database, each with its own client. Whichever process created an operation, the other
serves its payment page, answers its status calls, decides its payout once due, and only the
process that decided sends the notification."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.providers.base import OperationRef, Outcome
from hostolink.providers.sandbox.adapter import PLATFORM_SWITCH_CALLS, SandboxProvider
from tests.conftest import make_settings
from tests.factories import execute, scalar
from tests.operations.helpers import deposit, make_due, operation, pay, sandbox_id, settle, withdraw
from tests.wallet.helpers import admin_token, assert_ledger_clean, balance, credit, person

# Payouts are due ten minutes after creation: the creating process's timer never runs in the
# test, the other process meets the payout past its date (the test moves the date).
SHARED = {"SANDBOX_DUPLICATE_RATE": 0, "SANDBOX_PAYOUT_DELAY_SECONDS": 600}


class Instance:
    def __init__(self, app: Any, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    @property
    def sandbox(self) -> SandboxProvider:
        sandbox: SandboxProvider = self.app.state.sandbox
        return sandbox


@pytest.fixture
async def instances(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[list[Instance]]:
    apps = [create_app(make_settings(**SHARED), database_url=database_url) for _ in range(2)]
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
        for app, name in zip(apps, ("a", "b"), strict=True)
    ]
    try:
        yield [Instance(app, client) for app, client in zip(apps, clients, strict=True)]
    finally:
        for app, client in zip(apps, clients, strict=True):
            await client.aclose()
            await app.state.sandbox.close()
            await app.state.db.dispose()


def ref(reference: str, direction: Any, amount: int, msisdn: str) -> OperationRef:
    return OperationRef(
        reference=reference,
        direction=direction,
        amount=amount,
        currency="XOF",
        msisdn=msisdn,
        rail="sandbox",
        external_id=None,
        provider_data={},
    )


async def test_a_deposit_made_on_one_process_is_paid_and_read_on_the_other(
    instances: list[Instance], db_engine: AsyncEngine
) -> None:
    a, b = instances
    awa = await person(a.client, db_engine, 1)
    started = await deposit(a.client, awa, 5_000)
    assert started.status_code == 202, started.text
    reference = started.json()["data"]["reference"]

    listed = await b.client.get("/sandbox")
    assert listed.status_code == 200
    assert sandbox_id(started) in listed.text
    await pay(b.client, started)  # B's page: the 404 « Opération inconnue » no more
    assert not a.sandbox._tasks  # B decided, B notifies: A sends nothing
    await settle(b.app)

    done = await operation(b.client, awa, reference)
    assert done["statut"] == "reussie"
    assert await balance(db_engine, awa.numero_compte) == 5_000
    answer = await b.sandbox.status(ref(reference, "depot", 5_000, awa.national))
    assert (answer.outcome, answer.external_id) == (Outcome.SUCCEEDED, sandbox_id(started))
    page = await a.client.get(f"/sandbox/paiement/{sandbox_id(started)}")
    assert "Opération réussi" in page.text
    assert "Confirmer le paiement" not in page.text
    found = await a.sandbox.by_reference(reference)
    assert found is not None
    assert (found.notifications_sent, found.status_calls) == (1, 1)
    await assert_ledger_clean(db_engine)


async def test_a_payout_made_on_one_process_is_decided_and_reported_by_the_other(
    instances: list[Instance], db_engine: AsyncEngine
) -> None:
    a, b = instances
    awa = await person(a.client, db_engine, 1)
    await credit(a.client, await admin_token(a.client, db_engine), awa.numero_compte, 10_000)
    started = await withdraw(a.client, awa, 4_000)
    assert started.status_code == 202, started.text
    reference = started.json()["data"]["reference"]
    found = await b.sandbox.by_reference(reference)
    assert found is not None
    assert found.status is Outcome.PENDING
    assert found.decide_at is not None

    # Not due yet: B's status call finds it pending and decides nothing.
    pending = await b.sandbox.status(ref(reference, "retrait", 4_000, awa.national))
    assert pending.outcome is Outcome.PENDING
    # Its date passes while A's timer has not run (A stopped, say): B decides it.
    await execute(
        db_engine,
        "UPDATE operation_bac_a_sable SET date_decision_prevue = now() - interval '1 s'"
        " WHERE reference = :r",
        r=reference,
    )
    await make_due(db_engine, reference, age_minutes=1)
    assert await b.app.state.operations.reconcile() == 1
    await settle(b.app)

    done = await operation(b.client, awa, reference)
    assert done["statut"] == "reussie"
    assert await balance(db_engine, awa.numero_compte) == 6_000
    # A's timer, had it run now, finds the payout decided: no second decision or notification.
    again = await a.sandbox.decide(found.id, accept=False)
    assert again.status is Outcome.SUCCEEDED
    assert len(a.sandbox._tasks) == 1  # its own timer, still asleep: nothing else
    decided = await b.sandbox.by_reference(reference)
    assert decided is not None
    assert decided.notifications_sent == 1
    assert await scalar(db_engine, "SELECT count(*) FROM webhook_entrant") == 1
    await assert_ledger_clean(db_engine)


async def test_two_processes_deciding_at_once_decide_and_notify_once(
    instances: list[Instance], db_engine: AsyncEngine
) -> None:
    a, b = instances
    awa = await person(a.client, db_engine, 1)
    started = await deposit(a.client, awa, 5_000)
    for instance in instances:
        instance.sandbox.hold_notifications = True

    decided = await asyncio.gather(
        a.sandbox.decide(sandbox_id(started), accept=True),
        b.sandbox.decide(sandbox_id(started), accept=False),
    )

    assert decided[0].status == decided[1].status
    assert len(a.sandbox.held) + len(b.sandbox.held) == 1


async def test_the_platform_switch_counts_status_calls_of_every_process(
    instances: list[Instance], db_engine: AsyncEngine
) -> None:
    a, b = instances
    awa = await person(a.client, db_engine, 1)
    started = await deposit(a.client, awa, 5_000, numero="0700000095")
    reference = started.json()["data"]["reference"]
    asked = ref(reference, "depot", 5_000, "0700000095")
    answers = [
        await (a if n % 2 else b).sandbox.status(asked) for n in range(PLATFORM_SWITCH_CALLS + 1)
    ]
    assert [x.outcome for x in answers] == [Outcome.UNKNOWN] * PLATFORM_SWITCH_CALLS + [
        Outcome.PENDING
    ]
