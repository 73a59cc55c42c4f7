"""The FAQ: public search tolerant of accents and typos, questions ranked above answers,
unpublished questions hidden, management with `aide:gerer` only."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.support.faq.seed import QUESTIONS
from tests.factories import scalar
from tests.support.claims_helpers import Staff, admin, agent
from tests.wallet.helpers import person

FAQ = "/api/aide/faq"
ADMIN = "/api/admin/aide/faq"


async def add(client: httpx.AsyncClient, staff: Staff, **body: Any) -> dict[str, Any]:
    response = await client.post(ADMIN, json=body, headers=staff.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def search(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get(FAQ, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def questions(body: dict[str, Any]) -> list[str]:
    return [item["question"] for item in body["data"]]


class TestSeed:
    async def test_the_seeded_questions_are_public(self, client: httpx.AsyncClient) -> None:
        body = await search(client)
        assert len(body["data"]) == len(QUESTIONS)
        assert "Dépôts et retraits" in body["categories"]
        assert body["recherche"] == {"q": None, "corrigee": None}

    async def test_seeding_again_changes_nothing_and_keeps_edits(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        boss = await admin(client, db_engine, "admin@example.com")
        first = (await search(client))["data"][0]
        edited = await client.patch(
            f"{ADMIN}/{first['id_question']}",
            json={"reponse": "Réponse revue."},
            headers=boss.headers,
        )
        assert edited.status_code == 200, edited.text
        from hostolink.seed import seed_reference_data  # noqa: PLC0415
        from sqlalchemy.ext.asyncio import AsyncSession  # noqa: PLC0415

        async with AsyncSession(db_engine) as session, session.begin():
            seeded = await seed_reference_data(session)
        assert "questions fréquentes" not in seeded
        assert await scalar(db_engine, "SELECT count(*) FROM question_frequente") == len(QUESTIONS)
        again = await client.get(f"{FAQ}/{first['id_question']}")
        assert again.json()["data"]["reponse"] == "Réponse revue."


class TestSearch:
    async def test_accents_do_not_matter(self, client: httpx.AsyncClient) -> None:
        body = await search(client, q="hopital")
        assert questions(body)[0] == "Comment trouver un hôpital ou une pharmacie de garde ?"
        assert body["recherche"]["corrigee"] is None
        upper = await search(client, q="HÔPITAL")
        assert questions(upper) == questions(body)

    async def test_a_typo_is_corrected_and_said(self, client: httpx.AsyncClient) -> None:
        body = await search(client, q="retriat")
        assert body["recherche"] == {"q": "retriat", "corrigee": "retrait"}
        assert body["data"]
        assert all(
            "retrait" in (i["question"] + i["reponse"] + i["categorie"]).lower()
            for i in body["data"]
        )

    async def test_question_matches_rank_above_answer_matches(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        boss = await admin(client, db_engine, "admin@example.com")
        await add(
            client,
            boss,
            question="Puis-je payer une consultation ?",
            reponse="Oui, avec le QR code de la clinique : c'est un paiement marchand.",
            categorie="Paiements",
            ordre=1,
        )
        await add(
            client,
            boss,
            question="Qu'est-ce qu'un QR code marchand ?",
            reponse="Un code que l'établissement affiche pour être payé.",
            categorie="Paiements",
            ordre=2,
        )
        found = questions(await search(client, q="marchand"))
        assert found[:2] == [
            "Qu'est-ce qu'un QR code marchand ?",
            "Puis-je payer une consultation ?",
        ]

    async def test_every_word_first_then_any_word(self, client: httpx.AsyncClient) -> None:
        both = (await search(client, q="retrait orange"))["data"]
        assert both
        for item in both:
            text = (item["question"] + item["reponse"] + item["categorie"]).lower()
            assert "retrait" in text and "orange" in text
        either = questions(await search(client, q="orange hôpital"))
        assert "Comment trouver un hôpital ou une pharmacie de garde ?" in either
        nothing = await search(client, q="zzzz")
        assert nothing["data"] == []

    async def test_category_filter(self, client: httpx.AsyncClient) -> None:
        body = await search(client, categorie="sécurité")
        assert questions(body) == ["À quoi sert mon code PIN et que faire si je l'oublie ?"]


class TestPublication:
    async def test_unpublished_questions_are_hidden_from_the_public(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        boss = await admin(client, db_engine, "admin@example.com")
        draft = await add(
            client,
            boss,
            question="Brouillon sur les cartes prépayées ?",
            reponse="Bientôt disponible.",
            publiee=False,
        )
        assert "Brouillon sur les cartes prépayées ?" not in questions(
            await search(client, q="cartes")
        )
        hidden = await client.get(f"{FAQ}/{draft['id_question']}")
        assert hidden.status_code == 404
        assert hidden.json()["message"] == "Question introuvable."
        listed = await client.get(ADMIN, headers=boss.headers)
        assert draft["id_question"] in [q["id_question"] for q in listed.json()["data"]]
        published = await client.patch(
            f"{ADMIN}/{draft['id_question']}", json={"publiee": True}, headers=boss.headers
        )
        assert published.status_code == 200
        assert (await client.get(f"{FAQ}/{draft['id_question']}")).status_code == 200


class TestManagement:
    async def test_search_text_is_recomputed_on_every_write(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        boss = await admin(client, db_engine, "admin@example.com")
        row = await add(client, boss, question="Où est mon reçu ?", reponse="Dans l'historique.")
        assert questions(await search(client, q="recu"))[0] == "Où est mon reçu ?"
        changed = await client.patch(
            f"{ADMIN}/{row['id_question']}",
            json={"question": "Où trouver une facture ?"},
            headers=boss.headers,
        )
        assert changed.status_code == 200
        stored = await scalar(
            db_engine,
            "SELECT texte_recherche FROM question_frequente WHERE id_question = :i",
            i=row["id_question"],
        )
        assert stored.startswith("ou trouver une facture")
        assert "Où trouver une facture ?" in questions(await search(client, q="facture"))
        deleted = await client.delete(f"{ADMIN}/{row['id_question']}", headers=boss.headers)
        assert deleted.status_code == 200
        assert (await client.get(f"{FAQ}/{row['id_question']}")).status_code == 404

    async def test_agents_manage_people_do_not(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        desk = await agent(client, db_engine, 5)
        row = await add(client, desk, question="Question d'un agent ?", reponse="Sa réponse.")
        assert row["publiee"] is True
        awa = await person(client, db_engine, 1)
        body = {"question": "Question d'une personne ?", "reponse": "Refusée."}
        refused = await client.post(ADMIN, json=body, headers=awa.headers)
        assert refused.status_code == 403
        assert (await client.post(ADMIN, json=body)).status_code == 401
        extra = await client.post(ADMIN, json={**body, "id_modifie_par": 1}, headers=desk.headers)
        assert extra.status_code == 422
