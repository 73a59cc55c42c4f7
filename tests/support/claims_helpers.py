"""People with money and conversations, agents and administrators for the claim, FAQ and
canned-answer tests. Conversations are rows written directly (the conversation routes are
tested in test_conversations*.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import PASSWORD, bearer
from tests.factories import execute, scalar
from tests.wallet.helpers import Person, make_admin, person

CLAIMS = "/api/admin/reclamations"


@dataclass(frozen=True)
class Staff:
    id: int
    headers: dict[str, str]


async def user_id(engine: AsyncEngine, who: Person) -> int:
    return int(
        await scalar(engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=who.phone)
    )


async def admin(client: httpx.AsyncClient, engine: AsyncEngine, email: str) -> Staff:
    """An administrator (every support permission, both for claims)."""
    await make_admin(engine, email)
    login = await client.post("/api/auth/login", json={"identifier": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    found = await scalar(engine, "SELECT id_user FROM utilisateur WHERE email = :e", e=email)
    return Staff(int(found), bearer(login.json()["token"]))


async def agent(client: httpx.AsyncClient, engine: AsyncEngine, n: int) -> Staff:
    """Test person n with the `agent` role (answers, proposes decisions, never approves)."""
    who = await person(client, engine, n)
    found = await user_id(engine, who)
    await execute(
        engine,
        "INSERT INTO utilisateur_role (id_user, id_role)"
        " SELECT :u, id_role FROM role_permission WHERE code = 'agent'",
        u=found,
    )
    return Staff(found, who.headers)


async def conversation(
    engine: AsyncEngine,
    who: Person,
    *,
    transaction: str | None = None,
    operation: str | None = None,
) -> int:
    """A conversation row of `who`, linked to their transaction or operation (by reference)."""
    owner = await user_id(engine, who)
    transaction_id = (
        await scalar(
            engine, "SELECT id_transaction FROM transaction WHERE reference = :r", r=transaction
        )
        if transaction
        else None
    )
    operation_id = (
        await scalar(
            engine,
            "SELECT id_operation FROM operation_fournisseur WHERE reference = CAST(:r AS uuid)",
            r=operation,
        )
        if operation
        else None
    )
    async with engine.begin() as connection:
        found = await connection.scalar(
            text(
                "INSERT INTO conversation_assistance (id_user, sujet, id_transaction, id_operation)"
                " VALUES (:u, 'Problème de paiement', :t, :o) RETURNING id_conversation"
            ),
            {"u": owner, "t": transaction_id, "o": operation_id},
        )
    return int(found)


async def open_claim(
    client: httpx.AsyncClient, who: Person, conversation_id: int, **body: Any
) -> httpx.Response:
    payload = {
        "categorie": "non_recu",
        "description": "Le retrait est débité mais je n'ai rien reçu.",
        **body,
    }
    return await client.post(
        f"/api/assistance/conversations/{conversation_id}/reclamations",
        json=payload,
        headers=who.headers,
    )


async def claim_id(
    client: httpx.AsyncClient, who: Person, conversation_id: int, **body: Any
) -> int:
    response = await open_claim(client, who, conversation_id, **body)
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id_reclamation"])


async def decide(
    client: httpx.AsyncClient, staff: Staff, claim: int, resolution: str, **extra: Any
) -> httpx.Response:
    body = {"resolution": resolution, "motif": "Vérifié auprès de l'opérateur", **extra}
    return await client.post(f"{CLAIMS}/{claim}/decision", json=body, headers=staff.headers)


async def approve(client: httpx.AsyncClient, staff: Staff, claim: int) -> httpx.Response:
    return await client.post(
        f"{CLAIMS}/{claim}/approbation", json={"motif": "Pièces vérifiées"}, headers=staff.headers
    )
