"""A person's conversations over REST: opening one (about one of their own transactions or
operations only), listing, the detail, writing (a resolved conversation reopens), the
history without the agents' notes, read markers, bad input and the rate limits."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import bearer
from tests.factories import funded_people, member, provider_operation, scalar, wallet_owner
from tests.support.helpers import (
    ADMIN_PATH,
    PATH,
    answer,
    attachment,
    open_conversation,
    person_and_agent,
    transaction_of,
    write,
)
from tests.wallet.helpers import admin_token


async def _operation_reference(engine: AsyncEngine, user_id: int) -> str:
    found = await scalar(
        engine,
        "SELECT reference::text FROM operation_fournisseur WHERE id_user = :u"
        " ORDER BY id_operation DESC LIMIT 1",
        u=user_id,
    )
    return str(found)


class TestOpening:
    async def test_a_person_opens_a_conversation_with_a_first_message(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        picture = await attachment(db_engine, awa.id)
        response = await client.post(
            PATH,
            json={"sujet": "  Retrait non reçu ", "message": "Bonjour", "id_media": picture},
            headers=awa.headers,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["success"] is True
        assert body["message"]
        data = body["data"]
        assert data["sujet"] == "Retrait non reçu"
        assert data["statut"] == "nouvelle"
        assert data["libelle_statut"] == "Nouvelle"
        assert data["agent"] is None
        assert data["non_lus"] == 0
        assert data["dernier_message"]["extrait"] == "Bonjour"
        assert data["dernier_message"]["auteur"] == "utilisateur"
        messages = await client.get(
            f"{PATH}/{data['id_conversation']}/messages", headers=awa.headers
        )
        [first] = messages.json()["data"]
        assert first["prenom_auteur"] == "Awa"
        assert first["piece_jointe"]["id_media"] == picture
        assert "/api/assistance/pieces/" in first["piece_jointe"]["url"]

    async def test_about_my_transaction_or_operation_only(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, bakary = await funded_people(client, db_engine, 2, 5_000)
        awa_id = await scalar(
            db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
        )
        bakary_id = await scalar(
            db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=bakary.phone
        )
        mine = await transaction_of(db_engine, awa_id)
        theirs = await transaction_of(db_engine, bakary_id)
        base = {"sujet": "Crédit", "message": "Bonjour"}

        linked = await client.post(
            PATH, json={**base, "reference_transaction": mine}, headers=awa.headers
        )
        assert linked.status_code == 201, linked.text
        assert linked.json()["data"]["reference_transaction"] == mine
        detail = await client.get(
            f"{PATH}/{linked.json()['data']['id_conversation']}", headers=awa.headers
        )
        assert detail.json()["data"]["objet"]["reference"] == mine
        assert detail.json()["data"]["objet"]["genre"] == "transaction"
        assert detail.json()["data"]["reclamations"] == []

        refused = await client.post(
            PATH, json={**base, "reference_transaction": theirs}, headers=awa.headers
        )
        assert refused.status_code == 404
        assert refused.json()["message"] == "Transaction introuvable."
        count = await scalar(
            db_engine,
            "SELECT count(*) FROM conversation_assistance WHERE id_transaction IS NOT NULL",
        )
        assert count == 1

        owner = await wallet_owner(client, db_engine, 3)
        await provider_operation(
            db_engine, owner, statut="echouee", sens="retrait", settled="now()"
        )
        operation = await _operation_reference(db_engine, owner["u"])
        refused = await client.post(
            PATH, json={**base, "reference_operation": operation}, headers=awa.headers
        )
        assert refused.status_code == 404
        assert refused.json()["message"] == "Opération introuvable."
        bad = await client.post(
            PATH, json={**base, "reference_operation": "pas-un-uuid"}, headers=awa.headers
        )
        assert bad.status_code == 404

    async def test_about_my_operation(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        account = await scalar(
            db_engine, "SELECT id_compte FROM compte WHERE id_user = :u", u=awa.id
        )
        owner = {"u": awa.id, "c": int(account)}
        await provider_operation(
            db_engine, owner, statut="echouee", sens="retrait", settled="now()"
        )
        operation = await _operation_reference(db_engine, awa.id)
        response = await client.post(
            PATH,
            json={
                "sujet": "Retrait échoué",
                "message": "Aidez-moi",
                "reference_operation": operation,
            },
            headers=awa.headers,
        )
        assert response.status_code == 201, response.text
        assert response.json()["data"]["reference_operation"] == operation
        detail = await client.get(
            f"{PATH}/{response.json()['data']['id_conversation']}", headers=awa.headers
        )
        objet = detail.json()["data"]["objet"]
        assert objet["genre"] == "operation"
        assert objet["type"] == "retrait"
        assert objet["fournisseur"] == "sandbox"
        assert objet["montant"] == 1000

    async def test_bad_input_is_refused_in_french(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        cases: list[dict[str, Any]] = [
            {"sujet": "ab", "message": "Bonjour"},
            {"sujet": "Sujet", "message": ""},
            {"sujet": "Sujet", "message": "x" * 4001},
            {"sujet": "Sujet", "message": "Bonjour", "id_user": 7},
            {
                "sujet": "Sujet",
                "message": "Bonjour",
                "reference_transaction": "T1",
                "reference_operation": "O1",
            },
        ]
        for body in cases:
            response = await client.post(PATH, json=body, headers=awa.headers)
            assert response.status_code == 422, (body, response.text)
            assert response.json()["success"] is False
        both = await client.post(PATH, json=cases[-1], headers=awa.headers)
        assert "pas les deux" in both.text
        unknown = await client.get(PATH + "?statut=bof", headers=awa.headers)
        assert unknown.status_code == 422
        assert "statut" in unknown.json()["message"]
        other_media = await attachment(db_engine, (await member(client, db_engine, 2)).id)
        refused = await client.post(
            PATH,
            json={"sujet": "Sujet", "message": "Bonjour", "id_media": other_media},
            headers=awa.headers,
        )
        assert refused.status_code == 422
        assert "Pièce jointe introuvable" in refused.json()["message"]

    async def test_five_new_conversations_an_hour(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        for n in range(5):
            await open_conversation(client, awa, sujet=f"Question {n}")
        sixth = await client.post(
            PATH, json={"sujet": "Encore", "message": "Bonjour"}, headers=awa.headers
        )
        assert sixth.status_code == 429
        assert sixth.headers["Retry-After"]
        assert sixth.json()["message"].startswith("Trop de conversations")


class TestOwnership:
    async def test_someone_else_gets_404_everywhere(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        bakary = await member(client, db_engine, 2, prenom="Bakary")
        conversation = await open_conversation(client, awa)
        cid = conversation["id_conversation"]
        calls = [
            ("GET", f"{PATH}/{cid}", None),
            ("GET", f"{PATH}/{cid}/messages", None),
            ("POST", f"{PATH}/{cid}/messages", {"contenu": "Intrus"}),
            ("POST", f"{PATH}/{cid}/lu", {"id_message": 1}),
        ]
        for method, url, body in calls:
            response = await client.request(method, url, json=body, headers=bakary.headers)
            assert response.status_code == 404, (url, response.text)
            assert response.json()["message"] == "Conversation introuvable."
        listed = await client.get(PATH, headers=bakary.headers)
        assert listed.json()["data"] == []
        # And the agents' routes are not a person's.
        desk = await client.get(ADMIN_PATH, headers=awa.headers)
        assert desk.status_code == 403


class TestConversationLife:
    async def test_statuses_reopening_and_notes(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, agent = await person_and_agent(client, db_engine)
        cid = (await open_conversation(client, awa))["id_conversation"]
        note = await answer(client, agent, cid, "Vérifier chez Orange", interne=True)
        assert note["interne"] is True
        mine = (await client.get(f"{PATH}/{cid}", headers=awa.headers)).json()["data"]
        assert mine["statut"] == "nouvelle"  # a note changes nothing for the person
        assert mine["non_lus"] == 0

        reply = await answer(client, agent, cid, "Nous regardons votre retrait.")
        mine = (await client.get(f"{PATH}/{cid}", headers=awa.headers)).json()["data"]
        assert mine["statut"] == "attente_utilisateur"
        assert mine["agent"] == {"id_user": agent.id, "prenom": "Koffi"}
        assert mine["date_premiere_reponse"] is not None
        assert mine["non_lus"] == 1
        assert mine["dernier_message"]["auteur"] == "agent"

        history = await client.get(f"{PATH}/{cid}/messages", headers=awa.headers)
        texts = [m["contenu"] for m in history.json()["data"]]
        assert "Vérifier chez Orange" not in texts
        assert texts == [
            "Nous regardons votre retrait.",
            "Mon retrait Orange Money n'est pas arrivé.",
        ]
        assert "Vérifier chez Orange" not in history.text

        read = await client.post(
            f"{PATH}/{cid}/lu", json={"id_message": reply["id_message"]}, headers=awa.headers
        )
        assert read.status_code == 200
        mine = (await client.get(f"{PATH}/{cid}", headers=awa.headers)).json()["data"]
        assert mine["non_lus"] == 0
        # A note is no message of the person's conversation.
        hidden_note = await client.post(
            f"{PATH}/{cid}/lu", json={"id_message": note["id_message"]}, headers=awa.headers
        )
        assert hidden_note.status_code == 400

        await write(client, awa, cid, "Merci")
        mine = (await client.get(f"{PATH}/{cid}", headers=awa.headers)).json()["data"]
        assert mine["statut"] == "en_cours"

        resolved = await client.post(
            f"{ADMIN_PATH}/{cid}/resolution", json={"message": "Remboursé."}, headers=agent.headers
        )
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["data"]["statut"] == "resolue"
        listed = await client.get(PATH + "?statut=ouvertes", headers=awa.headers)
        assert listed.json()["data"] == []
        listed = await client.get(PATH + "?statut=resolues", headers=awa.headers)
        assert [c["id_conversation"] for c in listed.json()["data"]] == [cid]

        await write(client, awa, cid, "Finalement rien reçu")
        mine = (await client.get(f"{PATH}/{cid}", headers=awa.headers)).json()["data"]
        assert mine["statut"] == "en_cours"
        assert mine["date_resolution"] is None

    async def test_a_resolved_conversation_nobody_took_reopens_as_new(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        admin = bearer(await admin_token(client, db_engine))
        cid = (await open_conversation(client, awa))["id_conversation"]
        await client.post(f"{ADMIN_PATH}/{cid}/resolution", headers=admin)
        # The resolution took it (someone resolved it): writing makes it the desk's turn.
        await write(client, awa, cid, "Encore moi")
        mine = (await client.get(f"{PATH}/{cid}", headers=awa.headers)).json()["data"]
        assert mine["statut"] == "en_cours"

    async def test_history_pages_and_catch_up(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        cid = (await open_conversation(client, awa, message="m0"))["id_conversation"]
        ids = [(await write(client, awa, cid, f"m{n}"))["id_message"] for n in range(1, 5)]
        page = (await client.get(f"{PATH}/{cid}/messages?limite=2", headers=awa.headers)).json()
        assert [m["contenu"] for m in page["data"]] == ["m4", "m3"]
        older = await client.get(
            f"{PATH}/{cid}/messages?limite=2&avant={page['curseur_suivant']}", headers=awa.headers
        )
        assert [m["contenu"] for m in older.json()["data"]] == ["m2", "m1"]
        after = await client.get(f"{PATH}/{cid}/messages?apres={ids[1]}", headers=awa.headers)
        assert [m["contenu"] for m in after.json()["data"]] == ["m3", "m4"]
        both = await client.get(f"{PATH}/{cid}/messages?apres=1&avant=9", headers=awa.headers)
        assert both.status_code == 400

    async def test_twenty_messages_a_minute(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        cid = (await open_conversation(client, awa))["id_conversation"]
        for n in range(20):
            await write(client, awa, cid, f"message {n}")
        refused = await client.post(
            f"{PATH}/{cid}/messages", json={"contenu": "un de trop"}, headers=awa.headers
        )
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["message"].startswith("Trop de messages")

    async def test_empty_message_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        cid = (await open_conversation(client, awa))["id_conversation"]
        for body in ({}, {"contenu": "   "}, {"contenu": "x", "auteur": "agent"}):
            response = await client.post(f"{PATH}/{cid}/messages", json=body, headers=awa.headers)
            assert response.status_code == 422, body
        interne = await client.post(
            f"{PATH}/{cid}/messages", json={"contenu": "x", "interne": True}, headers=awa.headers
        )
        assert interne.status_code == 422
