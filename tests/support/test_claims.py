"""Claims: opened by the person on their own transaction or operation (one in progress per
object), decided by an agent, approved by another person at or above the threshold; the
person is told in the conversation and by a notification."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.support.conversations.live import close_support_runtime
from tests.conftest import make_settings
from tests.factories import scalar
from tests.operations.helpers import funded
from tests.support.claims_helpers import (
    CLAIMS,
    admin,
    agent,
    approve,
    claim_id,
    conversation,
    decide,
    open_claim,
)
from tests.wallet.helpers import person, send

THRESHOLD = 10_000


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    settings = make_settings(HOSTOLINK_SUPPORT_APPROVAL_THRESHOLD=THRESHOLD)
    application = create_app(settings, database_url=database_url)
    yield application
    await close_support_runtime(application)
    await application.state.db.dispose()


async def transfer(client: httpx.AsyncClient, sender: Any, to: Any, amount: int) -> str:
    response = await send(client, sender, to.national, amount)
    assert response.status_code in (200, 201), response.text
    reference: str = response.json()["data"]["reference"]
    return reference


class TestOpening:
    async def test_a_claim_on_the_conversation_s_transaction(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        reference = await transfer(client, awa, bob, 3_000)
        talk = await conversation(db_engine, awa, transaction=reference)
        response = await open_claim(client, awa, talk, categorie="montant_incorrect")
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert data["reference_transaction"] == reference
        assert (data["statut"], data["libelle_statut"]) == ("ouverte", "En cours d'examen")
        assert data["libelle_categorie"] == "Montant incorrect"
        assert data["approbation_requise"] is False
        mine = await client.get("/api/assistance/reclamations", headers=awa.headers)
        assert [c["id_reclamation"] for c in mine.json()["data"]] == [data["id_reclamation"]]
        theirs = await client.get("/api/assistance/reclamations", headers=bob.headers)
        assert theirs.json()["data"] == []

    async def test_someone_else_s_transaction_or_conversation_is_not_found(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        carl = await person(client, db_engine, 3)
        reference = await transfer(client, awa, bob, 3_000)
        talk = await conversation(db_engine, carl)
        refused = await open_claim(client, carl, talk, reference_transaction=reference)
        assert refused.status_code == 404
        assert refused.json()["message"] == "Transaction introuvable."
        unknown = await open_claim(client, carl, talk, reference_operation=str(uuid.uuid4()))
        assert (unknown.status_code, unknown.json()["message"]) == (404, "Opération introuvable.")
        awa_talk = await conversation(db_engine, awa, transaction=reference)
        other = await open_claim(client, carl, awa_talk)
        assert (other.status_code, other.json()["message"]) == (404, "Conversation introuvable.")
        assert await scalar(db_engine, "SELECT count(*) FROM reclamations") == 0

    async def test_no_object_at_all_or_both_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1)
        talk = await conversation(db_engine, awa)
        bare = await open_claim(client, awa, talk)
        assert bare.status_code == 422
        assert "aucune transaction" in bare.json()["message"]
        both = await open_claim(
            client, awa, talk, reference_transaction="HL-X", reference_operation=str(uuid.uuid4())
        )
        assert both.status_code == 422
        author = await open_claim(client, awa, talk, id_user=1)
        assert author.status_code == 422

    async def test_one_claim_in_progress_per_transaction(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        reference = await transfer(client, awa, bob, 3_000)
        talk = await conversation(db_engine, awa, transaction=reference)
        first = await claim_id(client, awa, talk)
        again = await open_claim(client, awa, talk)
        assert again.status_code == 409
        assert again.json()["message"] == "Une réclamation est déjà en cours pour cette opération."
        # The other party may not claim it while Awa's is in progress either.
        bob_talk = await conversation(db_engine, bob, transaction=reference)
        assert (await open_claim(client, bob, bob_talk)).status_code == 409
        desk = await agent(client, db_engine, 5)
        closed = await decide(client, desk, first, "sans_suite")
        assert closed.status_code == 200, closed.text
        assert (await open_claim(client, awa, talk)).status_code == 201


class TestDecisions:
    async def test_no_further_action_tells_the_person(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        reference = await transfer(client, awa, bob, 3_000)
        talk = await conversation(db_engine, awa, transaction=reference)
        claim = await claim_id(client, awa, talk)
        desk = await agent(client, db_engine, 5)
        response = await decide(client, desk, claim, "sans_suite")
        data = response.json()["data"]
        assert (data["statut"], data["resolution"]) == ("rejetee", "sans_suite")
        assert data["id_agent_propose"] == desk.id
        assert data["reference_resultat"] is None
        message = await scalar(
            db_engine,
            "SELECT contenu FROM message_assistance WHERE id_conversation = :c"
            " AND auteur = 'systeme'",
            c=talk,
        )
        assert message.startswith(f"Votre réclamation n° {claim} a été classée sans suite.")
        kinds = await scalar(
            db_engine,
            "SELECT string_agg(type_notification, ',') FROM notification n"
            " JOIN utilisateur u USING (id_user) WHERE u.telephone = :t"
            " AND type_notification = 'reclamation'",
            t=awa.phone,
        )
        assert kinds == "reclamation"
        again = await decide(client, desk, claim, "sans_suite")
        assert again.status_code == 409
        audit = await scalar(
            db_engine,
            "SELECT count(*) FROM journal_audit WHERE action = 'reclamation.decision'",
        )
        assert audit == 1

    async def test_below_the_threshold_the_agent_s_decision_executes(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        reference = await transfer(client, awa, bob, 3_000)
        talk = await conversation(db_engine, awa, transaction=reference)
        claim = await claim_id(client, awa, talk)
        desk = await agent(client, db_engine, 5)
        response = await decide(client, desk, claim, "ajustement_credit", montant=THRESHOLD - 1)
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert (data["statut"], data["montant"]) == ("resolue", THRESHOLD - 1)
        assert data["reference_resultat"].startswith("HL-")
        assert data["id_approbateur"] is None

    async def test_at_the_threshold_a_second_person_approves(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        reference = await transfer(client, awa, bob, 3_000)
        talk = await conversation(db_engine, awa, transaction=reference)
        claim = await claim_id(client, awa, talk)
        first = await admin(client, db_engine, "chef1@example.com")
        second = await admin(client, db_engine, "chef2@example.com")
        proposed = await decide(client, first, claim, "ajustement_credit", montant=THRESHOLD)
        assert proposed.status_code == 200, proposed.text
        assert proposed.json()["data"]["statut"] == "a_approuver"
        assert proposed.json()["data"]["approbation_requise"] is True
        assert proposed.json()["message"].startswith("Décision enregistrée")
        # Nothing moved, nobody told yet.
        assert (
            await scalar(
                db_engine,
                "SELECT count(*) FROM notification WHERE type_notification = 'reclamation'",
            )
            == 0
        )
        listed = await client.get(CLAIMS, params={"statut": "a_approuver"}, headers=second.headers)
        assert [c["id_reclamation"] for c in listed.json()["data"]] == [claim]
        own = await approve(client, first, claim)
        assert own.status_code == 403
        assert own.json()["message"] == (
            "Vous avez proposé cette décision : une autre personne doit l'approuver."
        )
        done = await approve(client, second, claim)
        assert done.status_code == 200, done.text
        data = done.json()["data"]
        assert (data["statut"], data["id_approbateur"], data["id_agent_propose"]) == (
            "resolue",
            second.id,
            first.id,
        )
        assert (await approve(client, second, claim)).status_code == 409

    async def test_an_agent_proposes_but_never_approves(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        reference = await transfer(client, awa, bob, 3_000)
        talk = await conversation(db_engine, awa, transaction=reference)
        claim = await claim_id(client, awa, talk)
        desk = await agent(client, db_engine, 5)
        other = await agent(client, db_engine, 6)
        proposed = await decide(client, desk, claim, "ajustement_credit", montant=50_000)
        assert proposed.json()["data"]["statut"] == "a_approuver"
        assert (await approve(client, other, claim)).status_code == 403
        detail = await client.get(f"{CLAIMS}/{claim}", headers=other.headers)
        assert detail.json()["data"]["id_agent_propose"] == desk.id

    async def test_a_refused_proposal_opens_the_claim_again(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        reference = await transfer(client, awa, bob, 3_000)
        talk = await conversation(db_engine, awa, transaction=reference)
        claim = await claim_id(client, awa, talk)
        desk = await agent(client, db_engine, 5)
        boss = await admin(client, db_engine, "chef1@example.com")
        await decide(client, desk, claim, "ajustement_credit", montant=15_000)
        refused = await client.post(
            f"{CLAIMS}/{claim}/refus", json={"motif": "Montant non justifié"}, headers=boss.headers
        )
        assert refused.status_code == 200, refused.text
        data = refused.json()["data"]
        assert (data["statut"], data["resolution"], data["montant"], data["id_agent_propose"]) == (
            "ouverte",
            None,
            None,
            None,
        )
        assert (await approve(client, boss, claim)).status_code == 409
        decided = await decide(client, desk, claim, "ajustement_credit", montant=2_000)
        assert decided.json()["data"]["statut"] == "resolue"

    async def test_bodies_are_checked(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await funded(client, db_engine, 20_000)
        bob = await person(client, db_engine, 2)
        reference = await transfer(client, awa, bob, 3_000)
        talk = await conversation(db_engine, awa, transaction=reference)
        claim = await claim_id(client, awa, talk)
        desk = await agent(client, db_engine, 5)
        assert (await decide(client, desk, claim, "ajustement_credit")).status_code == 422
        assert (await decide(client, desk, claim, "sans_suite", montant=5)).status_code == 422
        short = await client.post(
            f"{CLAIMS}/{claim}/decision",
            json={"resolution": "sans_suite", "motif": "x"},
            headers=desk.headers,
        )
        assert short.status_code == 422
        assert (await decide(client, desk, 999_999, "sans_suite")).status_code == 404

    async def test_people_are_kept_out(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1)
        assert (await client.get(CLAIMS, headers=awa.headers)).status_code == 403
        assert (await client.get(CLAIMS)).status_code == 401
        refused = await client.post(
            f"{CLAIMS}/1/decision",
            json={"resolution": "sans_suite", "motif": "Je me rembourse"},
            headers=awa.headers,
        )
        assert refused.status_code == 403
