"""A deleted person's room messages stay, so that the conversation still reads, but signed
« Compte supprimé » with none of their data (name, photo)."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.account.helpers import delete
from tests.discussions.helpers import join, room, say
from tests.factories import member
from tests.wallet.helpers import Person, phone_of


class TestRoomMessages:
    async def test_kept_and_signed_compte_supprime(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1, prenom="Awa", nom="Koné")
        bob = await member(client, db_engine, 2, prenom="Bob", nom="Yao")
        room_id = await room(client, db_engine)
        for who in (awa, bob):
            await join(client, who, room_id)
        question = await say(client, awa, room_id, "Que faire contre la fièvre ?")
        await say(client, bob, room_id, "Consultez vite.", id_message_parent=question["id_message"])

        national, e164 = phone_of(1)
        gone = await delete(client, Person(e164, national, awa.token, ""))
        assert gone.status_code == 200, gone.text

        page = await client.get(f"/api/thematiques/{room_id}/messages", headers=bob.headers)
        assert page.status_code == 200, page.text
        messages = {m["contenu"]: m for m in page.json()["data"]["messages"]}
        kept = messages["Que faire contre la fièvre ?"]
        assert kept["auteur"]["nom_affiche"] == "Compte supprimé"
        assert kept["auteur"]["photo_profile"] is None
        assert "Awa" not in page.text
        assert messages["Consultez vite."]["auteur"]["nom_affiche"].startswith("Bob")
