"""Suggested contacts (GET /api/contacts/suggestions): the people I sent money to lately, read
from the ledger, one line each, newest first, without those I already saved."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.contacts.helpers import (
    Person,
    person,
    save,
    saved,
    send_money,
    suggestions_of,
    system_account,
)
from tests.factories import execute
from tests.wallet.helpers import assert_ledger_clean


@pytest.fixture
async def yao(client: httpx.AsyncClient, db_engine: AsyncEngine) -> Person:
    return await person(client, db_engine, 3, prenom="Yao", nom="Kouamé")


def names(suggestions: list[dict[str, Any]]) -> list[str]:
    return [s["nom_affiche"] for s in suggestions]


class TestFromTransfers:
    async def test_none_without_sends(self, client: httpx.AsyncClient, me: Person) -> None:
        response = await client.get("/api/contacts/suggestions", headers=me.headers)

        assert response.status_code == 200
        assert response.json() == {"success": True, "data": []}

    async def test_one_line_per_person_newest_first(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        me: Person,
        awa: Person,
        yao: Person,
    ) -> None:
        await send_money(db_engine, me, awa.id_compte, days_ago=5)
        await send_money(db_engine, me, awa.id_compte, days_ago=4, kind="paiement_qr")
        await send_money(db_engine, me, yao.id_compte, days_ago=2)
        await send_money(db_engine, me, awa.id_compte, days_ago=1)

        suggestions = await suggestions_of(client, me)

        assert names(suggestions) == ["Awa Koné", "Yao Kouamé"]
        first = suggestions[0]
        assert first["nombre_envois"] == 3
        assert first["numero_compte"] == awa.numero_compte
        assert first["telephone_masque"] == "+225 07 •• •• •• 02"
        assert first["email_masque"] is None
        assert first["derniere_date"] > suggestions[1]["derniere_date"]
        assert suggestions[1]["nombre_envois"] == 1

    async def test_qr_payments_count(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        await send_money(db_engine, me, awa.id_compte, kind="paiement_qr")

        assert names(await suggestions_of(client, me)) == ["Awa Koné"]

    async def test_a_refunded_send_still_counts(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        await send_money(db_engine, me, awa.id_compte)
        await execute(db_engine, "UPDATE transaction SET statut = 'remboursee'")

        assert names(await suggestions_of(client, me)) == ["Awa Koné"]

    async def test_at_most_ten(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person
    ) -> None:
        for n in range(12):
            other = await person(client, db_engine, 10 + n, prenom=f"P{n:02d}", nom="Test")
            await send_money(db_engine, me, other.id_compte, days_ago=30 - n)

        suggestions = await suggestions_of(client, me)

        assert names(suggestions) == [f"P{n:02d} Test" for n in range(11, 1, -1)]


class TestExclusions:
    async def test_people_already_saved(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        me: Person,
        awa: Person,
        yao: Person,
    ) -> None:
        await send_money(db_engine, me, awa.id_compte)
        await send_money(db_engine, me, yao.id_compte)
        await saved(client, me, awa)

        assert names(await suggestions_of(client, me)) == ["Yao Kouamé"]

    async def test_saving_a_suggestion_by_its_account_number_removes_it(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        await send_money(db_engine, me, awa.id_compte)
        suggestion = (await suggestions_of(client, me))[0]

        response = await save(client, me, suggestion["numero_compte"])

        assert response.status_code == 201, response.text
        assert await suggestions_of(client, me) == []

    async def test_money_received_is_not_money_sent(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        await send_money(db_engine, awa, me.id_compte)

        assert await suggestions_of(client, me) == []
        assert names(await suggestions_of(client, awa)) == ["Moussa Traoré"]

    async def test_another_sender_transfers_stay_private(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        me: Person,
        awa: Person,
        yao: Person,
    ) -> None:
        await send_money(db_engine, awa, yao.id_compte)

        assert await suggestions_of(client, me) == []

    async def test_old_sends(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        await send_money(db_engine, me, awa.id_compte, days_ago=91)

        assert await suggestions_of(client, me) == []

    async def test_suspended_people(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        await send_money(db_engine, me, awa.id_compte)
        await execute(
            db_engine, "UPDATE utilisateur SET actif = false WHERE id_user = :id", id=awa.id_user
        )

        assert await suggestions_of(client, me) == []

    async def test_system_accounts_and_other_movements(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person
    ) -> None:
        # Funding and paying back the test system account: an `ajustement` in, a `transfert`
        # out to a system account (not a person's wallet).
        await send_money(db_engine, me, await _system(db_engine))

        assert await suggestions_of(client, me) == []


async def _system(engine: AsyncEngine) -> int:
    async with engine.begin() as connection:
        return await system_account(connection)


class TestLedgerRows:
    async def test_counts_are_read_from_the_ledger(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        await send_money(db_engine, me, awa.id_compte, amount=2500)
        await send_money(db_engine, me, awa.id_compte, amount=500)

        async with db_engine.connect() as connection:
            balance = await connection.scalar(
                text("SELECT solde FROM compte WHERE id_compte = :id"), {"id": awa.id_compte}
            )

        assert balance == 3000
        assert (await suggestions_of(client, me))[0]["nombre_envois"] == 2
        # The rows written by the test helper are a ledger the wallet's own audit accepts.
        await assert_ledger_clean(db_engine)
