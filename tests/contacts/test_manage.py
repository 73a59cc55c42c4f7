"""The address book once filled: its order, reading one contact, renaming, clearing the alias,
deleting."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure, count
from tests.contacts.helpers import Person, contacts_of, person, saved
from tests.factories import execute


class TestList:
    async def test_empty(self, client: httpx.AsyncClient, owner: Person) -> None:
        response = await client.get("/api/contacts", headers=owner.headers)

        assert response.status_code == 200
        assert response.json() == {"success": True, "data": []}

    async def test_most_recent_send_first_then_by_name(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, owner: Person, awa: Person
    ) -> None:
        zoe = await person(client, db_engine, 3, prenom="Zoé", nom="Bamba")
        yao = await person(client, db_engine, 4, prenom="Yao", nom="N'Guessan")
        issa = await person(client, db_engine, 5, prenom="Issa", nom="Diallo")
        nameless = await person(client, db_engine, 6)
        ids = {
            who.id_user: (await saved(client, owner, who))["id_contact"]
            for who in (awa, zoe, yao, issa, nameless)
        }
        # Yao answers to the alias "Maman" in this book, so sorts before "Zoé Bamba".
        rename = await client.patch(
            f"/api/contacts/{ids[yao.id_user]}", json={"alias": "maman"}, headers=owner.headers
        )
        assert rename.status_code == 200
        await execute(
            db_engine,
            "UPDATE contacts_enregistres SET date_dernier_envoi = now() - make_interval("
            "days => CASE id_user_contact WHEN :issa THEN 1 ELSE 3 END)"
            " WHERE id_user_contact IN (:issa, :zoe)",
            issa=issa.id_user,
            zoe=zoe.id_user,
        )

        listed = await contacts_of(client, owner)

        assert [c["id_contact"] for c in listed] == [
            ids[issa.id_user],  # sent to yesterday
            ids[zoe.id_user],  # sent to three days ago
            ids[nameless.id_user],  # "+225 07 …": never sent to, by name
            ids[awa.id_user],  # "Awa Koné"
            ids[yao.id_user],  # "maman"
        ]
        assert listed[0]["date_dernier_envoi"] is not None
        assert listed[2]["nom_affiche"] == "+225 07 •• •• •• 06"
        assert listed[4]["nom_affiche"] == "Yao N'Guessan"
        assert listed[4]["alias"] == "maman"


class TestGetOne:
    async def test_reads_my_contact(
        self, client: httpx.AsyncClient, owner: Person, awa: Person
    ) -> None:
        contact = await saved(client, owner, awa)

        response = await client.get(f"/api/contacts/{contact['id_contact']}", headers=owner.headers)

        assert response.status_code == 200
        assert response.json() == {"success": True, "data": contact}

    @pytest.mark.parametrize("bad_id", ["0", "abc", str(2**63)])
    async def test_malformed_id(
        self, client: httpx.AsyncClient, owner: Person, bad_id: str
    ) -> None:
        response = await client.get(f"/api/contacts/{bad_id}", headers=owner.headers)

        assert_failure(response, 422, "ValidationError")

    async def test_unknown_id(self, client: httpx.AsyncClient, owner: Person) -> None:
        response = await client.get("/api/contacts/12345", headers=owner.headers)

        assert_failure(response, 404, "ContactNotFound")
        assert response.json()["message"] == "Contact introuvable."


class TestRename:
    async def test_new_alias(self, client: httpx.AsyncClient, owner: Person, awa: Person) -> None:
        contact = await saved(client, owner, awa)

        response = await client.patch(
            f"/api/contacts/{contact['id_contact']}",
            json={"alias": "  Tantie   Awa "},
            headers=owner.headers,
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["message"] == "Contact modifié."
        assert body["data"] == {**contact, "alias": "Tantie Awa"}
        assert (await contacts_of(client, owner))[0]["alias"] == "Tantie Awa"

    async def test_null_clears_the_alias(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, owner: Person, awa: Person
    ) -> None:
        response = await client.post(
            "/api/contacts",
            json={"identifiant": "0700000002", "alias": "Awa"},
            headers=owner.headers,
        )
        contact = response.json()["data"]

        response = await client.patch(
            f"/api/contacts/{contact['id_contact']}", json={"alias": None}, headers=owner.headers
        )

        assert response.status_code == 200, response.text
        assert response.json()["data"]["alias"] is None
        assert (await contacts_of(client, owner))[0]["alias"] is None

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"alias": "x" * 101}, "alias : L'alias ne doit pas dépasser 100 caractères."),
            ({"alias": ""}, "alias : L'alias ne peut pas être vide (envoyez null pour l'effacer)."),
            ({}, "alias : Ce champ est obligatoire."),
        ],
    )
    async def test_bad_alias(
        self,
        client: httpx.AsyncClient,
        owner: Person,
        awa: Person,
        body: dict[str, object],
        message: str,
    ) -> None:
        contact = await saved(client, owner, awa)

        response = await client.patch(
            f"/api/contacts/{contact['id_contact']}", json=body, headers=owner.headers
        )

        assert_failure(response, 422, "ValidationError")
        assert response.json()["message"] == message
        assert (await contacts_of(client, owner))[0]["alias"] is None

    async def test_unknown_contact(self, client: httpx.AsyncClient, owner: Person) -> None:
        response = await client.patch(
            "/api/contacts/999", json={"alias": "x"}, headers=owner.headers
        )

        assert_failure(response, 404, "ContactNotFound")


class TestDelete:
    async def test_removes_the_contact_only(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, owner: Person, awa: Person
    ) -> None:
        contact = await saved(client, owner, awa)

        response = await client.delete(
            f"/api/contacts/{contact['id_contact']}", headers=owner.headers
        )

        assert response.status_code == 200
        assert response.json() == {"success": True, "message": "Contact supprimé."}
        assert await contacts_of(client, owner) == []
        assert await count(db_engine, "contacts_enregistres") == 0
        # The person is untouched and can be saved again.
        assert await count(db_engine, "utilisateur") == 2
        assert (await saved(client, owner, awa))["id_contact"] != contact["id_contact"]

    async def test_twice_is_not_found(
        self, client: httpx.AsyncClient, owner: Person, awa: Person
    ) -> None:
        contact = await saved(client, owner, awa)
        path = f"/api/contacts/{contact['id_contact']}"
        await client.delete(path, headers=owner.headers)

        assert_failure(await client.delete(path, headers=owner.headers), 404, "ContactNotFound")
