"""Canned answers: agents read the active ones; `aide:gerer` lists all and manages them; a
title is unique whatever its case."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import scalar
from tests.support.claims_helpers import Staff, admin, agent
from tests.wallet.helpers import person

PATH = "/api/admin/assistance/reponses-types"
BODY = {
    "titre": "Retrait en vérification",
    "contenu": "Votre retrait est en cours de vérification auprès de l'opérateur.",
}


async def create(client: httpx.AsyncClient, staff: Staff, **body: Any) -> dict[str, Any]:
    response = await client.post(PATH, json={**BODY, **body}, headers=staff.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


class TestCannedAnswers:
    async def test_create_list_update_delete(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        desk = await agent(client, db_engine, 5)
        row = await create(client, desk)
        assert row["active"] is True
        author = await scalar(
            db_engine,
            "SELECT id_modifie_par FROM reponse_type WHERE id_reponse = :i",
            i=row["id_reponse"],
        )
        assert author == desk.id
        hidden = await create(client, desk, titre="Ancienne réponse", active=False)
        listed = await client.get(PATH, headers=desk.headers)
        assert [r["titre"] for r in listed.json()["data"]] == ["Retrait en vérification"]
        everything = await client.get(PATH, params={"toutes": "true"}, headers=desk.headers)
        assert len(everything.json()["data"]) == 2
        changed = await client.patch(
            f"{PATH}/{hidden['id_reponse']}",
            json={"active": True, "contenu": "Texte revu."},
            headers=desk.headers,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["data"]["contenu"] == "Texte revu."
        gone = await client.delete(f"{PATH}/{row['id_reponse']}", headers=desk.headers)
        assert gone.status_code == 200
        missing = await client.delete(f"{PATH}/{row['id_reponse']}", headers=desk.headers)
        assert missing.status_code == 404
        assert missing.json()["message"] == "Réponse type introuvable."

    async def test_a_title_is_unique_whatever_its_case(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        boss = await admin(client, db_engine, "admin@example.com")
        first = await create(client, boss)
        twin = await client.post(
            PATH, json={**BODY, "titre": "RETRAIT EN VÉRIFICATION"}, headers=boss.headers
        )
        assert twin.status_code == 409
        assert twin.json()["message"] == "Une réponse type porte déjà ce titre."
        other = await create(client, boss, titre="Dépôt crédité")
        renamed = await client.patch(
            f"{PATH}/{other['id_reponse']}",
            json={"titre": "retrait en vérification"},
            headers=boss.headers,
        )
        assert renamed.status_code == 409
        # The session is still usable after the refused write: the first row is intact.
        listed = await client.get(PATH, headers=boss.headers)
        assert {r["id_reponse"] for r in listed.json()["data"]} == {
            first["id_reponse"],
            other["id_reponse"],
        }

    async def test_permissions(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        awa = await person(client, db_engine, 1)
        assert (await client.get(PATH)).status_code == 401
        assert (await client.get(PATH, headers=awa.headers)).status_code == 403
        assert (await client.post(PATH, json=BODY, headers=awa.headers)).status_code == 403
        desk = await agent(client, db_engine, 5)
        extra = await client.post(PATH, json={**BODY, "id_modifie_par": 1}, headers=desk.headers)
        assert extra.status_code == 422
