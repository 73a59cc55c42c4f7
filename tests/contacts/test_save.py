"""Saving a beneficiary (POST /api/contacts): found by any writing of their phone number, by
e-mail in any case, or by account number; refused for strangers, oneself, duplicates and
suspended people; bad input is a 422 with a French message and writes nothing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure, count
from tests.contacts.helpers import Person, contacts_of, person, save, saved
from tests.factories import execute
from tests.wallet.helpers import phone_of


class TestSaveByPhone:
    @pytest.mark.parametrize(
        "writing", ["0700000002", "07 00 00 00 02", "+2250700000002", "002250700000002"]
    )
    async def test_every_writing_finds_the_same_person(
        self, client: httpx.AsyncClient, owner: Person, awa: Person, writing: str
    ) -> None:
        response = await save(client, owner, writing, alias="Awa du marché")

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["success"] is True
        assert body["message"] == "Contact enregistré."
        contact = body["data"]
        assert contact["alias"] == "Awa du marché"
        assert contact["nom_affiche"] == "Awa Koné"
        assert contact["telephone_masque"] == "+225 07 •• •• •• 02"
        assert contact["email_masque"] is None
        assert contact["numero_compte"] == awa.numero_compte
        assert contact["date_ajout"]
        assert contact["date_dernier_envoi"] is None
        assert [c["id_contact"] for c in await contacts_of(client, owner)] == [
            contact["id_contact"]
        ]

    async def test_the_full_number_is_never_shown(
        self, client: httpx.AsyncClient, owner: Person, awa: Person
    ) -> None:
        response = await save(client, owner, "0700000002")

        assert "0700000002" not in response.text.replace(" ", "")
        assert response.json()["data"]["alias"] is None


class TestSaveByEmail:
    @pytest.mark.parametrize("writing", ["awa.kone@example.com", "  AWA.Kone@Example.COM "])
    async def test_any_case_finds_the_person(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, owner: Person, writing: str
    ) -> None:
        awa = await person(client, db_engine, 0, email="awa.kone@example.com")

        response = await save(client, owner, writing)

        assert response.status_code == 201, response.text
        contact = response.json()["data"]
        assert contact["email_masque"] == "a•••@example.com"
        assert contact["telephone_masque"] is None
        # No name given yet: the masked e-mail stands in for it.
        assert contact["nom_affiche"] == "a•••@example.com"
        assert contact["numero_compte"] == awa.numero_compte


class TestSaveByAccountNumber:
    async def test_a_suggestion_can_be_saved_by_its_account_number(
        self, client: httpx.AsyncClient, owner: Person, awa: Person
    ) -> None:
        spaced = f"{awa.numero_compte[:6]} {awa.numero_compte[6:]}".lower()

        response = await save(client, owner, spaced)

        assert response.status_code == 201, response.text
        assert response.json()["data"]["numero_compte"] == awa.numero_compte


class TestRefusals:
    async def test_unknown_person(self, client: httpx.AsyncClient, owner: Person) -> None:
        response = await save(client, owner, phone_of(99)[0])

        assert_failure(response, 404, "UnknownUser")
        assert response.json()["message"].startswith("Aucun utilisateur Hostolink")

    async def test_unknown_account_number(self, client: httpx.AsyncClient, owner: Person) -> None:
        # A well-formed number (valid check digit) that nobody holds.
        assert_failure(await save(client, owner, "HL0000000000"), 404, "UnknownUser")

    async def test_oneself_by_another_writing(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, owner: Person
    ) -> None:
        response = await save(client, owner, "07 00 00 00 01")

        assert_failure(response, 400, "CannotSaveSelf")
        assert await count(db_engine, "contacts_enregistres") == 0

    async def test_duplicate_is_a_conflict_naming_the_existing_contact(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, owner: Person, awa: Person
    ) -> None:
        first = await saved(client, owner, awa)

        response = await save(client, owner, "0700000002", alias="Autre nom")

        assert_failure(response, 409, "ContactAlreadySaved")
        assert response.json()["id_contact"] == first["id_contact"]
        assert await count(db_engine, "contacts_enregistres") == 1
        assert (await contacts_of(client, owner))[0]["alias"] is None

    async def test_a_suspended_person_is_unknown(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, owner: Person, awa: Person
    ) -> None:
        await execute(
            db_engine, "UPDATE utilisateur SET actif = false WHERE id_user = :id", id=awa.id_user
        )

        response = await save(client, owner, "0700000002")

        assert_failure(response, 404, "UnknownUser")

    async def test_without_a_token(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/contacts", json={"identifiant": "0700000002"})

        assert_failure(response, 401)


class TestValidation:
    @pytest.mark.parametrize(
        ("identifiant", "message"),
        [
            ("12", "identifiant : Numéro de téléphone invalide."),
            ("awa@", "identifiant : Adresse e-mail invalide."),
            ("   ", "identifiant : L'identifiant (e-mail ou numéro de téléphone) est obligatoire."),
            ("HL0000000001", "identifiant : Numéro de téléphone invalide."),
        ],
    )
    async def test_bad_identifier(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        owner: Person,
        identifiant: str,
        message: str,
    ) -> None:
        response = await save(client, owner, identifiant)

        assert_failure(response, 422, "ValidationError")
        assert response.json()["message"] == message
        assert await count(db_engine, "contacts_enregistres") == 0

    async def test_a_null_character_is_refused_before_validation(
        self, *, client: httpx.AsyncClient, db_engine: AsyncEngine, owner: Person, awa: Person
    ) -> None:
        response = await client.post(
            "/api/contacts",
            json={"identifiant": "0700000002", "alias": "Ma\x00man"},
            headers=owner.headers,
        )

        assert_failure(response, 422, "NullCharacter")
        assert await count(db_engine, "contacts_enregistres") == 0

    async def test_missing_identifier(self, client: httpx.AsyncClient, owner: Person) -> None:
        response = await client.post("/api/contacts", json={"alias": "x"}, headers=owner.headers)

        assert_failure(response, 422, "ValidationError")
        assert response.json()["message"] == "identifiant : Ce champ est obligatoire."

    @pytest.mark.parametrize(
        ("alias", "message"),
        [
            ("x" * 101, "alias : L'alias ne doit pas dépasser 100 caractères."),
            ("   ", "alias : L'alias ne peut pas être vide (envoyez null pour l'effacer)."),
            ("Ma\x01man", "alias : L'alias contient des caractères non autorisés."),
            (42, "alias : Ce champ doit être une chaîne de caractères."),
        ],
    )
    async def test_bad_alias(
        self,
        *,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        owner: Person,
        awa: Person,
        alias: object,
        message: str,
    ) -> None:
        response = await client.post(
            "/api/contacts",
            json={"identifiant": "0700000002", "alias": alias},
            headers=owner.headers,
        )

        assert_failure(response, 422, "ValidationError")
        assert response.json()["message"] == message
        assert await count(db_engine, "contacts_enregistres") == 0

    async def test_alias_is_tidied(
        self, client: httpx.AsyncClient, owner: Person, awa: Person
    ) -> None:
        # 100 characters once the surrounding and repeated spaces are gone.
        alias = "  Tantie   " + "A" * 93 + "  "

        response = await save(client, owner, "0700000002", alias=alias)

        assert response.status_code == 201, response.text
        assert response.json()["data"]["alias"] == "Tantie " + "A" * 93
