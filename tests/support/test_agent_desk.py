"""The agents' desk over REST: the queue and its filters, taking and handing over, answers
and internal notes (the person notified of answers only), resolution, moderation (audited,
the content gone for both sides), the person's context within the agent's permissions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import execute, funded_people, member, scalar
from tests.support.helpers import (
    ADMIN_PATH,
    PATH,
    answer,
    attachment,
    open_conversation,
    person_and_agent,
    write,
)


async def _queue(client: httpx.AsyncClient, agent: Any, query: str = "") -> list[int]:
    response = await client.get(f"{ADMIN_PATH}{query}", headers=agent.headers)
    assert response.status_code == 200, response.text
    return [c["id_conversation"] for c in response.json()["data"]]


async def _notifications(engine: AsyncEngine, user_id: int) -> list[str]:
    found = await scalar(
        engine,
        "SELECT coalesce(string_agg(titre, '|' ORDER BY id_notification), '')"
        " FROM notification WHERE id_user = :u AND type_notification = 'assistance'",
        u=user_id,
    )
    return [t for t in str(found).split("|") if t]


class TestQueue:
    async def test_filters_and_search(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, agent = await person_and_agent(client, db_engine)
        bakary = await member(client, db_engine, 3, prenom="Bakary", nom="Traoré")
        first = (await open_conversation(client, awa, sujet="Retrait bloqué"))["id_conversation"]
        second = (await open_conversation(client, bakary, sujet="Carte refusée"))["id_conversation"]
        third = (await open_conversation(client, awa, sujet="Dépôt absent"))["id_conversation"]
        assert await _queue(client, agent, "?filtre=nouvelles") == [third, second, first]
        await answer(client, agent, first, "Je regarde.")
        await client.post(f"{ADMIN_PATH}/{second}/prise", headers=agent.headers)
        await client.post(f"{ADMIN_PATH}/{third}/resolution", headers=agent.headers)
        assert await _queue(client, agent, "?filtre=nouvelles") == []
        assert await _queue(client, agent, "?filtre=miennes") == [first, second]  # answered last
        assert await _queue(client, agent, "?filtre=attente_utilisateur") == [first]
        assert await _queue(client, agent, "?filtre=resolues") == [third]
        assert await _queue(client, agent, "?filtre=toutes&q=traor") == [second]
        assert await _queue(client, agent, "?filtre=toutes&q=carte") == [second]
        page = await client.get(f"{ADMIN_PATH}?filtre=toutes&limite=2", headers=agent.headers)
        rest = await client.get(
            f"{ADMIN_PATH}?filtre=toutes&limite=2&curseur={page.json()['curseur_suivant']}",
            headers=agent.headers,
        )
        ids = [c["id_conversation"] for c in page.json()["data"] + rest.json()["data"]]
        assert sorted(ids) == sorted([first, second, third])
        row = page.json()["data"][0]
        assert row["personne"]["prenom"] in ("Awa", "Bakary")
        bad = await client.get(f"{ADMIN_PATH}?filtre=bof", headers=agent.headers)
        assert bad.status_code == 422
        assert "filtre" in bad.json()["message"]


class TestAssignment:
    async def test_take_conflict_force_and_transfer(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, agent = await person_and_agent(client, db_engine)
        other = await member(client, db_engine, 3, prenom="Mariam", roles=("agent",))
        cid = (await open_conversation(client, awa))["id_conversation"]
        taken = await client.post(f"{ADMIN_PATH}/{cid}/prise", headers=agent.headers)
        assert taken.status_code == 200, taken.text
        assert taken.json()["data"]["statut"] == "en_cours"
        assert taken.json()["data"]["agent"]["id_user"] == agent.id
        again = await client.post(f"{ADMIN_PATH}/{cid}/prise", headers=agent.headers)
        assert again.status_code == 200  # mine already: harmless
        conflict = await client.post(f"{ADMIN_PATH}/{cid}/prise", headers=other.headers)
        assert conflict.status_code == 409
        assert "forcer" in conflict.json()["message"]
        forced = await client.post(
            f"{ADMIN_PATH}/{cid}/prise", json={"forcer": True}, headers=other.headers
        )
        assert forced.json()["data"]["agent"]["id_user"] == other.id

        not_agent = await client.post(
            f"{ADMIN_PATH}/{cid}/transfert", json={"id_agent": awa.id}, headers=other.headers
        )
        assert not_agent.status_code == 422
        assert not_agent.json()["message"] == "Cette personne n'est pas un agent du support."
        handed = await client.post(
            f"{ADMIN_PATH}/{cid}/transfert", json={"id_agent": agent.id}, headers=other.headers
        )
        assert handed.status_code == 200
        assert handed.json()["data"]["agent"]["id_user"] == agent.id
        audits = await scalar(
            db_engine,
            "SELECT string_agg(action, ',' ORDER BY id_audit) FROM journal_audit"
            " WHERE table_cible = 'conversation_assistance' AND cle_cible = :k",
            k=str(cid),
        )
        assert audits == "assistance.reprise,assistance.transfert"


class TestAnswers:
    async def test_answers_notify_and_notes_do_not(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, agent = await person_and_agent(client, db_engine)
        cid = (await open_conversation(client, awa))["id_conversation"]
        await answer(client, agent, cid, "Note pour l'équipe", interne=True)
        assert await _notifications(db_engine, awa.id) == []
        reply = await answer(client, agent, cid, "Votre retrait est en cours de vérification.")
        assert reply["auteur"] == "agent"
        assert reply["prenom_auteur"] == "Koffi"
        assert await _notifications(db_engine, awa.id) == ["Le support vous a répondu"]
        data = await scalar(
            db_engine,
            "SELECT donnees->>'id_conversation' FROM notification WHERE id_user = :u",
            u=awa.id,
        )
        assert data == str(cid)
        await client.post(f"{ADMIN_PATH}/{cid}/resolution", headers=agent.headers)
        assert await _notifications(db_engine, awa.id) == [
            "Le support vous a répondu",
            "Conversation résolue",
        ]
        # The agents see the notes.
        history = await client.get(f"{ADMIN_PATH}/{cid}/messages", headers=agent.headers)
        assert [m["interne"] for m in history.json()["data"]] == [False, True, False]

    async def test_an_attachment_must_be_the_agents_own(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, agent = await person_and_agent(client, db_engine)
        cid = (await open_conversation(client, awa))["id_conversation"]
        theirs = await attachment(db_engine, awa.id)
        refused = await client.post(
            f"{ADMIN_PATH}/{cid}/messages", json={"id_media": theirs}, headers=agent.headers
        )
        assert refused.status_code == 422
        mine = await attachment(db_engine, agent.id)
        sent = await client.post(
            f"{ADMIN_PATH}/{cid}/messages", json={"id_media": mine}, headers=agent.headers
        )
        assert sent.status_code == 201
        assert sent.json()["data"]["piece_jointe"]["largeur"] == 800

    async def test_agent_read_marker(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, agent = await person_and_agent(client, db_engine)
        cid = (await open_conversation(client, awa))["id_conversation"]
        last = await write(client, awa, cid, "Toujours rien")
        [row] = (await client.get(ADMIN_PATH, headers=agent.headers)).json()["data"]
        assert row["non_lus"] == 2
        read = await client.post(
            f"{ADMIN_PATH}/{cid}/lu", json={"id_message": last["id_message"]}, headers=agent.headers
        )
        assert read.status_code == 200
        [row] = (await client.get(ADMIN_PATH, headers=agent.headers)).json()["data"]
        assert row["non_lus"] == 0


class TestModeration:
    async def test_masking_hides_for_both_sides_and_is_audited(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, agent = await person_and_agent(client, db_engine)
        cid = (await open_conversation(client, awa))["id_conversation"]
        rude = await write(client, awa, cid, "Message injurieux")
        path = f"/api/admin/assistance/messages/{rude['id_message']}/masquage"
        short = await client.post(path, json={"motif": "x"}, headers=agent.headers)
        assert short.status_code == 422
        hidden = await client.post(path, json={"motif": "Propos injurieux"}, headers=agent.headers)
        assert hidden.status_code == 200, hidden.text
        again = await client.post(path, json={"motif": "Propos injurieux"}, headers=agent.headers)
        assert again.status_code == 409
        for url, who in ((f"{PATH}/{cid}/messages", awa), (f"{ADMIN_PATH}/{cid}/messages", agent)):
            messages = (await client.get(url, headers=who.headers)).json()["data"]
            shown = next(m for m in messages if m["id_message"] == rude["id_message"])
            assert shown["statut"] == "masque"
            assert shown["contenu"] is None
            assert "injurieux" not in str(messages)
        motif = await scalar(
            db_engine,
            "SELECT motif FROM journal_audit WHERE action = 'assistance.masquage'"
            " AND cle_cible = :k",
            k=str(rude["id_message"]),
        )
        assert motif == "Propos injurieux"
        assert (
            await client.post(path, json={"motif": "abc"}, headers=awa.headers)
        ).status_code == 403


class TestContext:
    async def test_context_within_the_agents_permissions(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        [awa] = await funded_people(client, db_engine, 1, 5_000)
        awa_id = int(
            await scalar(
                db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
            )
        )
        agent = await member(client, db_engine, 2, prenom="Koffi", roles=("agent",))
        response = await client.post(
            PATH, json={"sujet": "Crédit", "message": "Bonjour"}, headers=awa.headers
        )
        cid = response.json()["data"]["id_conversation"]
        detail = await client.get(f"{ADMIN_PATH}/{cid}", headers=agent.headers)
        assert detail.status_code == 200, detail.text
        data = detail.json()["data"]
        assert data["personne"]["id_user"] == awa_id
        context = data["contexte"]
        assert context["personne"]["niveau_kyc"] >= 0
        assert context["personne"]["actif"] is True
        # An RFC 3339 date-time, as the schema says: with its offset (the column is naive).
        assert datetime.fromisoformat(context["personne"]["date_inscription"]).tzinfo is not None
        assert len(context["transactions"]) == 1
        assert context["transactions"][0]["montant"] == 5_000
        assert context["operations"] == []
        assert context["reclamations"] == []

        await execute(
            db_engine,
            "UPDATE role_permission SET permissions = array_remove(array_remove(permissions,"
            " 'transactions:lire'), 'operations:lire') WHERE code = 'agent'",
        )
        try:
            detail = await client.get(f"{ADMIN_PATH}/{cid}", headers=agent.headers)
            context = detail.json()["data"]["contexte"]
            assert context["transactions"] is None
            assert context["operations"] is None
        finally:
            await execute(
                db_engine,
                "UPDATE role_permission SET permissions = permissions"
                " || ARRAY['transactions:lire', 'operations:lire']::varchar[] WHERE code = 'agent'",
            )

    @pytest.mark.parametrize("route", ["", "/1", "/1/messages"])
    async def test_people_never_reach_the_desk(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, route: str
    ) -> None:
        awa = await member(client, db_engine, 1)
        response = await client.get(ADMIN_PATH + route, headers=awa.headers)
        assert response.status_code == 403
