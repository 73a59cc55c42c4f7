"""Claims that move money: only through the audited ledger paths, once, never while the
operation may still move it, never twice, and the ledger balanced before and after."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.support.conversations.live import close_support_runtime
from tests.conftest import make_settings
from tests.factories import scalar
from tests.operations.conftest import SANDBOX
from tests.operations.helpers import funded, operation, settle, system_balance, withdraw
from tests.support.claims_helpers import (
    Staff,
    admin,
    agent,
    approve,
    claim_id,
    conversation,
    decide,
)
from tests.wallet.helpers import Person, assert_ledger_clean, balance, person, send

THRESHOLD = 10_000
# Every account's balance, buckets included: money is neither created nor destroyed.
ALL_MONEY = (
    "SELECT coalesce(sum(c.solde), 0) + coalesce((SELECT sum(solde) FROM sous_compte_systeme), 0)"
    " FROM compte c"
)


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    settings = make_settings(**SANDBOX, HOSTOLINK_SUPPORT_APPROVAL_THRESHOLD=THRESHOLD)
    application = create_app(settings, database_url=database_url)
    yield application
    await close_support_runtime(application)
    await application.state.sandbox.close()
    await application.state.db.dispose()


async def withdrawal(
    client: httpx.AsyncClient, who: Person, amount: int, *, numero: str | None = None
) -> str:
    started = await withdraw(client, who, amount, numero=numero)
    assert started.status_code == 202, started.text
    reference: str = started.json()["data"]["reference"]
    return reference


async def claim_on_operation(
    client: httpx.AsyncClient, engine: AsyncEngine, who: Person, reference: str
) -> tuple[int, int]:
    talk = await conversation(engine, who, operation=reference)
    return talk, await claim_id(client, who, talk)


async def postings(engine: AsyncEngine) -> int:
    return int(await scalar(engine, 'SELECT count(*) FROM "transaction"'))


async def balanced(engine: AsyncEngine) -> None:
    await assert_ledger_clean(engine)
    assert await scalar(engine, ALL_MONEY) == 0


class TestReversal:
    async def test_an_approved_reversal_of_a_sent_withdrawal_gives_the_money_back(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 40_000)
        reference = await withdrawal(client, awa, 12_000)
        await settle(app)
        assert (await operation(client, awa, reference))["statut"] == "reussie"
        assert await balance(db_engine, awa.numero_compte) == 28_000
        await balanced(db_engine)
        talk, claim = await claim_on_operation(client, db_engine, awa, reference)
        desk = await agent(client, db_engine, 5)
        boss = await admin(client, db_engine, "chef1@example.com")
        proposed = await decide(client, desk, claim, "contre_passation")
        assert proposed.status_code == 200, proposed.text
        assert (proposed.json()["data"]["statut"], proposed.json()["data"]["montant"]) == (
            "a_approuver",
            12_000,
        )
        assert await balance(db_engine, awa.numero_compte) == 28_000
        approved = await approve(client, boss, claim)
        assert approved.status_code == 200, approved.text
        data = approved.json()["data"]
        assert data["statut"] == "resolue"
        assert await balance(db_engine, awa.numero_compte) == 40_000
        # The hold's reversal: the provider's payout is now owed back by the provider.
        assert await system_balance(db_engine, "retraits.sandbox") == -12_000
        hold = await scalar(
            db_engine,
            'SELECT t.statut FROM "transaction" t JOIN operation_fournisseur o'
            " USING (id_operation) WHERE o.reference = CAST(:r AS uuid)"
            " AND t.type_transaction = 'retrait' AND t.id_compte_source = o.id_compte",
            r=reference,
        )
        assert hold == "remboursee"
        result = await scalar(
            db_engine,
            "SELECT t.type_transaction || '|' || t.motif FROM \"transaction\" t"
            " WHERE t.reference = :r",
            r=data["reference_resultat"],
        )
        assert result == "remboursement|Vérifié auprès de l'opérateur (approuvé : Pièces vérifiées)"
        actions = await scalar(
            db_engine,
            "SELECT string_agg(action, ',' ORDER BY id_audit) FROM journal_audit"
            " WHERE action LIKE 'reclamation.%' OR action = 'argent.remboursement'",
        )
        assert actions == "reclamation.decision,reclamation.approbation,argent.remboursement"
        system = await scalar(
            db_engine,
            "SELECT contenu FROM message_assistance"
            " WHERE id_conversation = :c AND auteur = 'systeme'",
            c=talk,
        )
        assert "12 000" in system
        assert data["reference_resultat"] in system
        notices = await scalar(
            db_engine,
            "SELECT count(*) FROM notification WHERE type_notification = 'reclamation'",
        )
        assert notices == 1
        await balanced(db_engine)

    async def test_an_operation_still_in_progress_is_not_reversed(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        reference = await withdrawal(client, awa, 5_000)  # not settled: still en_attente
        _, claim = await claim_on_operation(client, db_engine, awa, reference)
        desk = await agent(client, db_engine, 5)
        before = await postings(db_engine)
        refused = await decide(client, desk, claim, "contre_passation")
        assert refused.status_code == 409
        assert refused.json()["message"].startswith("L'opération est encore en cours")
        assert await postings(db_engine) == before
        detail = await client.get(f"/api/admin/reclamations/{claim}", headers=desk.headers)
        assert (detail.json()["data"]["statut"], detail.json()["data"]["resolution"]) == (
            "ouverte",
            None,
        )

    async def test_a_failed_withdrawal_was_already_given_back(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        reference = await withdrawal(client, awa, 5_000, numero="0700000099")
        await settle(app)
        assert (await operation(client, awa, reference))["statut"] == "echouee"
        assert await balance(db_engine, awa.numero_compte) == 20_000
        _, claim = await claim_on_operation(client, db_engine, awa, reference)
        desk = await agent(client, db_engine, 5)
        before = await postings(db_engine)
        refused = await decide(client, desk, claim, "contre_passation")
        assert refused.status_code == 409
        assert refused.json()["message"] == "Cette transaction a déjà été contre-passée."
        assert await postings(db_engine) == before
        assert await balance(db_engine, awa.numero_compte) == 20_000
        await balanced(db_engine)

    async def test_a_transaction_is_reversed_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        sent = await send(client, awa, bob.national, 3_000)
        reference = sent.json()["data"]["reference"]
        talk = await conversation(db_engine, awa, transaction=reference)
        claim = await claim_id(client, awa, talk, categorie="non_autorisee")
        desk = await agent(client, db_engine, 5)
        done = await decide(client, desk, claim, "contre_passation")
        assert done.status_code == 200, done.text
        assert done.json()["data"]["statut"] == "resolue"
        assert await balance(db_engine, awa.numero_compte) == 20_000
        assert await balance(db_engine, bob.numero_compte) == 0
        told = await scalar(
            db_engine,
            "SELECT contenu FROM message_assistance"
            " WHERE id_conversation = :c AND auteur = 'systeme'",
            c=talk,
        )
        assert "3 000 F CFA vous ont été rendus" in told
        again_claim = await claim_id(client, awa, talk)
        again = await decide(client, desk, again_claim, "contre_passation")
        assert again.status_code == 409
        assert again.json()["message"] == "Cette transaction a déjà été contre-passée."
        await balanced(db_engine)

    async def test_a_reversal_needs_the_recipient_s_funds(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        sent = await send(client, awa, bob.national, 3_000)
        reference = sent.json()["data"]["reference"]
        back = await send(client, bob, awa.national, 3_000)
        assert back.status_code in (200, 201), back.text
        talk = await conversation(db_engine, awa, transaction=reference)
        claim = await claim_id(client, awa, talk)
        desk = await agent(client, db_engine, 5)
        before = await postings(db_engine)
        refused = await decide(client, desk, claim, "contre_passation")
        assert refused.status_code == 409
        assert "n'a plus les fonds" in refused.json()["message"]
        assert await postings(db_engine) == before
        assert await scalar(db_engine, "SELECT statut FROM reclamations") == "ouverte"
        await balanced(db_engine)

    async def test_the_recipient_s_claim_reversed_tells_them_what_was_taken_back(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        sent = await send(client, awa, bob.national, 3_000)
        reference = sent.json()["data"]["reference"]
        # Bob, the recipient, claims the transfer (he says it was sent to him by mistake).
        talk = await conversation(db_engine, bob, transaction=reference)
        claim = await claim_id(client, bob, talk, categorie="autre")
        desk = await agent(client, db_engine, 5)
        done = await decide(client, desk, claim, "contre_passation")
        assert done.status_code == 200, done.text
        assert await balance(db_engine, bob.numero_compte) == 0
        told = await scalar(
            db_engine,
            "SELECT contenu FROM message_assistance"
            " WHERE id_conversation = :c AND auteur = 'systeme'",
            c=talk,
        )
        assert "3 000 F CFA ont été repris sur votre portefeuille" in told
        assert "rendus" not in told
        await balanced(db_engine)


class TestAdjustment:
    async def test_credit_and_debit_act_on_the_person_s_wallet(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        reference = await withdrawal(client, awa, 4_000)
        await settle(app)
        talk, claim = await claim_on_operation(client, db_engine, awa, reference)
        desk = await agent(client, db_engine, 5)
        credited = await decide(client, desk, claim, "ajustement_credit", montant=1_500)
        assert credited.status_code == 200, credited.text
        assert await balance(db_engine, awa.numero_compte) == 16_000 + 1_500
        again = await claim_id(client, awa, talk)
        debited = await decide(client, desk, again, "ajustement_debit", montant=500)
        assert debited.status_code == 200, debited.text
        assert await balance(db_engine, awa.numero_compte) == 17_000
        await balanced(db_engine)

    async def test_a_debit_beyond_the_balance_writes_nothing(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 6_000)
        reference = await withdrawal(client, awa, 4_000)
        await settle(app)
        talk, claim = await claim_on_operation(client, db_engine, awa, reference)
        desk = await agent(client, db_engine, 5)
        before = await postings(db_engine)
        refused = await decide(client, desk, claim, "ajustement_debit", montant=5_000)
        assert refused.status_code == 409
        assert refused.json()["message"].startswith("Débit impossible")
        assert await postings(db_engine) == before
        assert await balance(db_engine, awa.numero_compte) == 2_000
        row = await scalar(
            db_engine, "SELECT statut || coalesce(resolution, '-') FROM reclamations"
        )
        assert row == "ouverte-"
        assert (
            await scalar(
                db_engine,
                "SELECT count(*) FROM message_assistance WHERE id_conversation = :c",
                c=talk,
            )
            == 0
        )
        await balanced(db_engine)


class TestConcurrency:
    async def test_two_simultaneous_approvals_post_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 40_000)
        reference = await withdrawal(client, awa, 15_000)
        await settle(app)
        _, claim = await claim_on_operation(client, db_engine, awa, reference)
        desk = await agent(client, db_engine, 5)
        first = await admin(client, db_engine, "chef1@example.com")
        second = await admin(client, db_engine, "chef2@example.com")
        proposed = await decide(client, desk, claim, "contre_passation")
        assert proposed.json()["data"]["statut"] == "a_approuver"
        before = await postings(db_engine)
        answers = await asyncio.gather(
            approve(client, first, claim), approve(client, second, claim)
        )
        assert sorted(a.status_code for a in answers) == [200, 409]
        assert await postings(db_engine) == before + 1
        assert await balance(db_engine, awa.numero_compte) == 40_000
        notices = await scalar(
            db_engine, "SELECT count(*) FROM notification WHERE type_notification = 'reclamation'"
        )
        assert notices == 1
        await balanced(db_engine)

    async def test_two_simultaneous_decisions_post_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        reference = await withdrawal(client, awa, 3_000)
        await settle(app)
        _, claim = await claim_on_operation(client, db_engine, awa, reference)
        desks: list[Staff] = [await agent(client, db_engine, n) for n in (5, 6)]
        before = await postings(db_engine)
        answers = await asyncio.gather(
            *(decide(client, desk, claim, "ajustement_credit", montant=1_000) for desk in desks)
        )
        assert sorted(a.status_code for a in answers) == [200, 409]
        assert await postings(db_engine) == before + 1
        assert await balance(db_engine, awa.numero_compte) == 18_000
        await balanced(db_engine)


async def hold_reference(engine: AsyncEngine, operation_reference: str) -> str:
    """The withdrawal's hold transaction (the one the person sees in their history)."""
    return str(
        await scalar(
            engine,
            'SELECT t.reference FROM "transaction" t JOIN operation_fournisseur o'
            " USING (id_operation) WHERE o.reference = CAST(:r AS uuid)"
            " AND t.type_transaction = 'retrait' AND t.id_compte_source = o.id_compte",
            r=operation_reference,
        )
    )


class TestTheHoldClaimedDirectly:
    async def test_a_pending_withdrawal_s_hold_is_not_reversed(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        reference = await withdrawal(client, awa, 5_000)  # still with the provider
        hold = await hold_reference(db_engine, reference)
        talk = await conversation(db_engine, awa, transaction=hold)
        claim = await claim_id(client, awa, talk)
        desk = await agent(client, db_engine, 5)
        before = await postings(db_engine)
        refused = await decide(client, desk, claim, "contre_passation")
        assert refused.status_code == 409
        assert refused.json()["message"].startswith("L'opération est encore en cours")
        assert await postings(db_engine) == before

    async def test_claims_on_the_hold_and_on_its_operation_at_once_post_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        reference = await withdrawal(client, awa, 3_000)
        await settle(app)
        hold = await hold_reference(db_engine, reference)
        on_hold = await claim_id(client, awa, await conversation(db_engine, awa, transaction=hold))
        _, on_operation = await claim_on_operation(client, db_engine, awa, reference)
        desks = [await agent(client, db_engine, n) for n in (5, 6)]
        before = await postings(db_engine)
        answers = await asyncio.gather(
            decide(client, desks[0], on_hold, "contre_passation"),
            decide(client, desks[1], on_operation, "contre_passation"),
        )
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        refused = next(a for a in answers if a.status_code == 409)
        assert refused.json()["message"] == "Cette transaction a déjà été contre-passée."
        assert await postings(db_engine) == before + 1
        assert await balance(db_engine, awa.numero_compte) == 20_000
        await balanced(db_engine)
