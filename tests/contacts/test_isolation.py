"""One person's address book is invisible to everyone else: another person's contact answers
404, exactly like one that does not exist (never 403, which would confirm it exists)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure
from tests.contacts.helpers import Person, contacts_of, person, saved


@pytest.fixture
async def people(client: httpx.AsyncClient, db_engine: AsyncEngine) -> dict[str, Any]:
    a = await person(client, db_engine, 1, prenom="Aya", nom="Kouassi")
    b = await person(client, db_engine, 2, prenom="Bakary", nom="Sanogo")
    c = await person(client, db_engine, 3, prenom="Chantal", nom="Yapi")
    a_saves_c = await saved(client, a, c)
    b_saves_c = await saved(client, b, c)
    return {"a": a, "b": b, "c": c, "a_contact": a_saves_c, "b_contact": b_saves_c}


class TestOtherPeoplesContacts:
    async def test_b_cannot_read_rename_or_delete_a_contact_of_a(
        self, client: httpx.AsyncClient, people: dict[str, Any]
    ) -> None:
        b: Person = people["b"]
        path = f"/api/contacts/{people['a_contact']['id_contact']}"

        read = await client.get(path, headers=b.headers)
        renamed = await client.patch(path, json={"alias": "Piraté"}, headers=b.headers)
        deleted = await client.delete(path, headers=b.headers)

        for response in (read, renamed, deleted):
            assert_failure(response, 404, "ContactNotFound")
        unknown = await client.get("/api/contacts/999999", headers=b.headers)
        assert read.json() == unknown.json()
        # A's contact is intact.
        a_contacts = await contacts_of(client, people["a"])
        assert a_contacts == [people["a_contact"]]

    async def test_each_list_shows_only_its_owner_contacts(
        self, client: httpx.AsyncClient, people: dict[str, Any]
    ) -> None:
        a_list = await contacts_of(client, people["a"])
        b_list = await contacts_of(client, people["b"])

        assert [c["id_contact"] for c in a_list] == [people["a_contact"]["id_contact"]]
        assert [c["id_contact"] for c in b_list] == [people["b_contact"]["id_contact"]]
        # The person saved is not shown the people who saved her.
        assert await contacts_of(client, people["c"]) == []

    async def test_renaming_my_contact_leaves_the_same_person_in_other_books(
        self, client: httpx.AsyncClient, people: dict[str, Any]
    ) -> None:
        path = f"/api/contacts/{people['a_contact']['id_contact']}"
        await client.patch(path, json={"alias": "Tata"}, headers=people["a"].headers)
        await client.delete(path, headers=people["a"].headers)

        assert await contacts_of(client, people["b"]) == [people["b_contact"]]
