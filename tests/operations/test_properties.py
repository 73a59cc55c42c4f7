"""Random stories of one deposit or withdrawal, replayed through the real flow on the real
database, against our sandbox provider scripted by the story: outages (the request never
arrives), lost answers (the provider did it, we never heard), platform switches (« not
found »), the provider's decision at any moment, its signed notifications snapshotted at any
moment and delivered late, twice, in any order or never, reconciliation runs before and
after the horizon, the notification worker, and a truthful operator on the « à vérifier »
queue. At the end of every story:
- the ledger balances (`hostolink.wallet.verify`);
- a deposit is credited at most once, and only if the payer really paid;
- a withdrawal is booked at most once, released at most once, never both; booked only if
  the provider paid, released only if it did not, and only on a definitive failure or an
  operator's decision (the history's event says which);
- once the incidents are over and the provider has decided, the operation says what the
  provider says; a provider that never decides leaves a withdrawal's money held.

Hypothesis draws the stories: a few dozen examples, derandomized (the same stories every
run, so CI is reproducible), no deadline (a story is a handful of HTTP requests and SQL)."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.providers.base import Outcome
from hostolink.providers.sandbox.adapter import SandboxProvider
from tests.conftest import make_settings
from tests.factories import asgi_client, execute, scalar
from tests.operations.conftest import SANDBOX
from tests.operations.helpers import deposit, withdraw
from tests.wallet.helpers import admin_token, assert_ledger_clean, credit, person

NOTIFY = "/api/fournisseurs/sandbox/notifications"
EXAMPLES = 60
RELEASING_EVENTS = {
    "failed",
    "expired",
    "rejected",
    "misconfigured_at_initiation",
    "operator_failed",
}

# One step of a story. "decide": the provider decides (as the story's truth says); "snap":
# a signed notification of the provider's current state is kept; "deliver": a kept one is
# delivered (`again`: re-signed under a new event id, a duplicate the inbox cannot merge).
Step = (
    st.tuples(st.just("outage"), st.booleans())
    | st.tuples(st.just("lose_answers"), st.booleans())
    | st.tuples(st.just("switch"), st.booleans())
    | st.tuples(st.just("decide"))
    | st.tuples(st.just("snap"))
    | st.tuples(st.just("deliver"), st.integers(0, 7), st.booleans())
    | st.tuples(st.just("reconcile"), st.booleans())
    | st.tuples(st.just("worker"))
    | st.tuples(st.just("operator"))
)


@dataclass
class Story:
    direction: str
    amount: int
    truth: str  # "pays" | "refuses" | "never": what the provider will decide
    start_outage: bool
    start_answer_lost: bool
    steps: list[tuple[Any, ...]]


stories = st.builds(
    Story,
    direction=st.sampled_from(["depot", "retrait"]),
    amount=st.integers(100, 500),
    truth=st.sampled_from(["pays", "refuses", "never"]),
    start_outage=st.booleans(),
    start_answer_lost=st.booleans(),
    steps=st.lists(Step, max_size=14),
)


@dataclass
class Play:
    """The running story: our app, the scripted sandbox, what was snapshotted."""

    client: httpx.AsyncClient
    app: Any
    engine: AsyncEngine
    admin: dict[str, str]
    reference: str
    story: Story
    kept: list[bytes] = field(default_factory=list)
    past_horizon: bool = False

    @property
    def sandbox(self) -> SandboxProvider:
        sandbox: SandboxProvider = self.app.state.sandbox
        return sandbox

    async def provider_status(self) -> Outcome | None:
        found = await self.sandbox.by_reference(self.reference)
        return None if found is None else found.status

    async def status(self) -> str:
        return str(
            await scalar(
                self.engine,
                "SELECT statut FROM operation_fournisseur WHERE reference = CAST(:r AS uuid)",
                r=self.reference,
            )
        )

    async def decide(self) -> None:
        found = await self.sandbox.by_reference(self.reference)
        if found is None or found.status is not Outcome.PENDING or self.story.truth == "never":
            return
        await self.sandbox.decide(found.id, accept=self.story.truth == "pays")

    async def snap(self) -> None:
        found = await self.sandbox.by_reference(self.reference)
        if found is not None:
            body, _ = await self.sandbox.notification(found.id)
            self.kept.append(body)

    async def deliver(self, index: int, *, again: bool) -> None:
        """One of the notifications snapshotted, or sent by the provider when it decided
        (held back until now): late, out of order, maybe twice."""
        pool = self.kept + [body for body, _ in self.sandbox.held]
        if not pool:
            return
        body = pool[index % len(pool)]
        if again:
            event = json.loads(body)
            event["id"] = "evt_" + secrets.token_hex(8)
            body = json.dumps(event, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Sandbox-Signature": self.sandbox.sign(body)}
        answer = await self.client.post(NOTIFY, content=body, headers=headers)
        assert answer.status_code == 200, answer.text

    async def reconcile(self, *, past_horizon: bool) -> None:
        self.past_horizon = self.past_horizon or past_horizon  # time only moves forward
        await execute(
            self.engine,
            "UPDATE operation_fournisseur SET date_creation = now() - make_interval(mins => :m),"
            " date_prochaine_verification = now() - interval '1 second'"
            " WHERE reference = CAST(:r AS uuid) AND date_prochaine_verification IS NOT NULL",
            r=self.reference,
            m=25 * 60 if self.past_horizon else 10,
        )
        await self.app.state.operations.reconcile()

    async def worker(self) -> None:
        await execute(
            self.engine, "UPDATE tache SET date_execution = now() WHERE statut = 'en_attente'"
        )
        while await self.app.state.worker.run_once():
            pass

    async def operator(self) -> None:
        """A truthful operator: checks with the provider by other means, and decides what
        it says (nothing there: failed; still pending there: waits)."""
        if await self.status() != "a_verifier":
            return
        provider = await self.provider_status()
        if provider is Outcome.PENDING:
            return
        body = {
            "statut": "reussie" if provider is Outcome.SUCCEEDED else "echouee",
            "motif": "Vérifié auprès de l'opérateur",
        }
        answer = await self.client.post(
            f"/api/admin/operations/{self.reference}/resolution", json=body, headers=self.admin
        )
        assert answer.status_code == 200, answer.text

    async def step(self, step: tuple[Any, ...]) -> None:
        name = step[0]
        if name == "outage":
            self.sandbox.outage = step[1]
        elif name == "lose_answers":
            self.sandbox.answers_lost = step[1]
        elif name == "switch":
            self.sandbox.platform_switched = step[1]
        elif name == "decide":
            await self.decide()
        elif name == "snap":
            await self.snap()
        elif name == "deliver":
            await self.deliver(step[1], again=step[2])
        elif name == "reconcile":
            await self.reconcile(past_horizon=step[1])
        elif name == "worker":
            await self.worker()
        elif name == "operator":
            await self.operator()

    async def drain(self) -> None:
        """The incidents end, the provider decides, reconciliation and the worker catch up,
        the operator looks at the queue."""
        self.sandbox.outage = self.sandbox.answers_lost = self.sandbox.platform_switched = False
        for _ in range(2):
            await self.reconcile(past_horizon=False)
            await self.decide()
            await self.worker()
        await self.reconcile(past_horizon=True)
        await self.operator()


@pytest.fixture
async def scripted_app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    application = create_app(make_settings(**SANDBOX), database_url=database_url)
    sandbox: SandboxProvider = application.state.sandbox
    sandbox.decide_payouts = False  # the story decides
    sandbox.hold_notifications = True  # the story delivers (or loses) them
    yield application
    await sandbox.close()
    await application.state.db.dispose()


@pytest.fixture
async def scripted_client(scripted_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(scripted_app) as http:
        yield http


@pytest.fixture
async def funded(
    scripted_client: httpx.AsyncClient, scripted_app: Any, db_engine: AsyncEngine
) -> Any:
    awa = await person(scripted_client, db_engine, 1)
    admin = await admin_token(scripted_client, db_engine)
    await credit(scripted_client, admin, awa.numero_compte, 50_000)
    return awa, {"Authorization": f"Bearer {admin}"}


async def _movements(engine: AsyncEngine, reference: str) -> dict[str, int]:
    """The ledger transactions of one operation, by kind: the withdrawal's hold (from the
    wallet), its booking (from the hold account), a release, a deposit's credit."""
    sql = """
    SELECT
      count(*) FILTER (WHERE t.type_transaction = 'retrait' AND t.id_compte_source = o.id_compte)
        AS hold,
      count(*) FILTER (WHERE t.type_transaction = 'retrait' AND t.id_compte_source <> o.id_compte)
        AS book,
      count(*) FILTER (WHERE t.type_transaction = 'remboursement') AS released,
      count(*) FILTER (WHERE t.type_transaction = 'depot') AS credit
    FROM operation_fournisseur o LEFT JOIN "transaction" t ON t.id_operation = o.id_operation
    WHERE o.reference = CAST(:r AS uuid)
    """
    async with engine.connect() as connection:
        row = (await connection.execute(text(sql), {"r": reference})).one()
    return {"hold": row.hold, "book": row.book, "released": row.released, "credit": row.credit}


async def _release_event(engine: AsyncEngine, reference: str) -> str | None:
    value = await scalar(
        engine,
        "SELECT h.details ->> 'evenement' FROM historique_operation h"
        " JOIN operation_fournisseur o ON o.id_operation = h.id_operation"
        " WHERE o.reference = CAST(:r AS uuid) AND h.statut IN ('echouee', 'expiree')"
        " ORDER BY h.id_historique LIMIT 1",
        r=reference,
    )
    return None if value is None else str(value)


async def _start(client: httpx.AsyncClient, app: Any, who: Any, story: Story) -> str:
    sandbox: SandboxProvider = app.state.sandbox
    sandbox.outage = story.start_outage
    sandbox.answers_lost = story.start_answer_lost
    if story.direction == "depot":
        answer = await deposit(client, who, story.amount)
    else:
        answer = await withdraw(client, who, story.amount)
    assert answer.status_code in (201, 202, 422), answer.text
    reference: str = answer.json()["data"]["reference"]
    return reference


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(story=stories)
async def test_no_story_moves_money_twice_or_gives_back_what_was_paid(
    story: Story,
    scripted_client: httpx.AsyncClient,
    scripted_app: Any,
    db_engine: AsyncEngine,
    funded: Any,
) -> None:
    client, app = scripted_client, scripted_app
    who, admin = funded
    app.state.sandbox.held.clear()
    reference = await _start(client, app, who, story)
    play = Play(client, app, db_engine, admin, reference, story)
    for step in story.steps:
        await play.step(step)
    await play.drain()

    moved = await _movements(db_engine, reference)
    provider = await play.provider_status()
    status = await play.status()
    paid = provider is Outcome.SUCCEEDED
    # Shown by --hypothesis-show-statistics: which endings the stories reached.
    event(f"{story.direction} → {status}, provider {provider.value if provider else 'jamais'}")
    history = await scalar(
        db_engine,
        "SELECT string_agg(h.statut, ' ' ORDER BY h.id_historique) FROM historique_operation h"
        " JOIN operation_fournisseur o USING (id_operation) WHERE o.reference = CAST(:r AS uuid)",
        r=reference,
    )
    event(f"went through a_verifier: {'a_verifier' in str(history)}")
    await assert_ledger_clean(db_engine)
    if paid:
        assert status == "reussie", status
    if story.direction == "depot":
        assert moved["credit"] <= 1, moved
        assert moved["credit"] == (1 if paid else 0), (moved, provider, status)
    else:
        assert moved["hold"] == 1, moved
        assert moved["book"] <= 1, moved
        assert moved["released"] <= 1, moved
        assert not (moved["book"] and moved["released"]), moved  # never paid out AND returned
        assert moved["book"] == (1 if paid else 0), (moved, provider, status)
        if moved["released"]:
            assert not paid
            assert await _release_event(db_engine, reference) in RELEASING_EVENTS
        if provider is Outcome.PENDING:  # the provider never decided: the money is held
            assert status in ("en_attente", "a_verifier"), status
            assert moved["released"] == 0
    if provider is Outcome.FAILED:
        assert status == "echouee", status
    if provider is None:  # never reached it: only the operator could close it, as failed
        assert status == "echouee", status
        assert moved["credit"] == moved["book"] == 0, moved
