"""People who save each other, and money they sent, written straight into the ledger.

The ledger rows are written by SQL rather than through the wallet's routes: these tests are
about what the contacts read from the ledger, and a sender is funded from a test system
account so that every row respects the database's rules (balanced entries, user balances
never below zero)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.auth.helpers import bearer, onboard
from tests.wallet.helpers import phone_of


@dataclass(frozen=True)
class Person:
    id_user: int
    identifier: str  # as stored: E.164 phone or lower-case e-mail
    token: str
    numero_compte: str
    id_compte: int

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def person(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    n: int,
    *,
    prenom: str | None = None,
    nom: str | None = None,
    email: str | None = None,
) -> Person:
    """A verified person, signed up by phone (the n-th test number) or by `email`."""
    identifier = email or phone_of(n)[1]
    tokens = await onboard(client, engine, identifier, identifier)
    headers = bearer(tokens["token"])
    names = {key: value for key, value in (("prenom", prenom), ("nom", nom)) if value}
    if names:
        response = await client.patch("/api/user/me", json=names, headers=headers)
        assert response.status_code == 200, response.text
    me = (await client.get("/api/user/me", headers=headers)).json()["data"]
    async with engine.connect() as connection:
        id_compte = await connection.scalar(
            text("SELECT id_compte FROM compte WHERE numero_compte = :n"),
            {"n": me["compte"]["numero_compte"]},
        )
    return Person(
        id_user=me["id_user"],
        identifier=identifier,
        token=tokens["token"],
        numero_compte=me["compte"]["numero_compte"],
        id_compte=int(id_compte),
    )


async def save(
    client: httpx.AsyncClient, owner: Person, identifiant: str, alias: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"identifiant": identifiant}
    if alias is not None:
        body["alias"] = alias
    return await client.post("/api/contacts", json=body, headers=owner.headers)


async def saved(client: httpx.AsyncClient, owner: Person, target: Person) -> dict[str, Any]:
    response = await save(client, owner, target.identifier)
    assert response.status_code == 201, response.text
    contact: dict[str, Any] = response.json()["data"]
    return contact


async def contacts_of(client: httpx.AsyncClient, owner: Person) -> list[dict[str, Any]]:
    response = await client.get("/api/contacts", headers=owner.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def suggestions_of(client: httpx.AsyncClient, owner: Person) -> list[dict[str, Any]]:
    response = await client.get("/api/contacts/suggestions", headers=owner.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


# ----------------------------------------------------------------------------- ledger

# A system account's balance is in its buckets (models/sous_compte_systeme.py): bucket 0 here.
_MOVE = text(
    """
WITH t AS (
    INSERT INTO transaction (reference, type_transaction, montant, id_compte_source,
                             id_compte_destination, id_qr_code, motif, date_creation)
    VALUES (:reference, :type, :amount, :source, :destination, :qr, :motif,
            now() - make_interval(days => :days_ago))
    RETURNING id_transaction, date_creation
), x AS (
    SELECT * FROM (VALUES (CAST(:source AS bigint), -CAST(:amount AS bigint)),
                          (CAST(:destination AS bigint), CAST(:amount AS bigint)))
        AS v(id_compte, montant)
), p AS (
    UPDATE compte c SET solde = c.solde + x.montant FROM x
    WHERE c.id_compte = x.id_compte AND c.type_compte <> 'systeme'
    RETURNING c.id_compte, c.solde, CAST(NULL AS smallint) AS sous_compte
), s AS (
    INSERT INTO sous_compte_systeme AS b (id_compte, sous_compte, solde)
    SELECT x.id_compte, 0, x.montant FROM x
    JOIN compte c ON c.id_compte = x.id_compte AND c.type_compte = 'systeme'
    ON CONFLICT (id_compte, sous_compte) DO UPDATE SET solde = b.solde + EXCLUDED.solde
    RETURNING b.id_compte, b.solde, b.sous_compte
)
INSERT INTO ecriture (id_transaction, id_compte, montant, solde_apres, sous_compte,
                      date_creation)
SELECT t.id_transaction, m.id_compte, x.montant, m.solde, m.sous_compte, t.date_creation
FROM t, (SELECT * FROM p UNION ALL SELECT * FROM s) m JOIN x ON x.id_compte = m.id_compte
"""
)


async def _move(
    connection: AsyncConnection,
    *,
    source: int,
    destination: int,
    amount: int,
    kind: str,
    days_ago: int = 0,
    qr: int | None = None,
    motif: str | None = None,
) -> None:
    await connection.execute(
        _MOVE,
        {
            "reference": "T-" + uuid.uuid4().hex[:16].upper(),
            "type": kind,
            "amount": amount,
            "source": source,
            "destination": destination,
            "qr": qr,
            "motif": motif,
            "days_ago": days_ago,
        },
    )


async def system_account(connection: AsyncConnection) -> int:
    found = await connection.scalar(
        text(
            "INSERT INTO compte (numero_compte, type_compte, code_systeme, devise)"
            " VALUES ('SYS-TEST', 'systeme', 'test', 'XOF')"
            " ON CONFLICT (code_systeme) DO UPDATE SET code_systeme = EXCLUDED.code_systeme"
            " RETURNING id_compte"
        )
    )
    return int(found)


async def static_qr(connection: AsyncConnection, account_id: int) -> int:
    found = await connection.scalar(
        text(
            "INSERT INTO qr_code_paiement (id_compte, code, type_qr, devise)"
            " VALUES (:account, :code, 'statique', 'XOF')"
            # One active static code per account: reuse it when there is one.
            " ON CONFLICT (id_compte) WHERE type_qr = 'statique' AND statut = 'actif'"
            " DO UPDATE SET code = qr_code_paiement.code RETURNING id_qr_code"
        ),
        {"account": account_id, "code": uuid.uuid4().hex[:12].upper()},
    )
    return int(found)


async def send_money(
    engine: AsyncEngine,
    sender: Person,
    recipient_account: int,
    *,
    amount: int = 1000,
    kind: str = "transfert",
    days_ago: int = 0,
) -> None:
    """`sender` is first credited `amount` from the test system account, then sends it to
    `recipient_account` (a `transfert`, or a `paiement_qr` of the recipient's static code),
    `days_ago` days ago."""
    async with engine.begin() as connection:
        system = await system_account(connection)
        await _move(
            connection,
            source=system,
            destination=sender.id_compte,
            amount=amount,
            kind="ajustement",
            days_ago=days_ago,
            motif="Approvisionnement de test",
        )
        qr = await static_qr(connection, recipient_account) if kind == "paiement_qr" else None
        await _move(
            connection,
            source=sender.id_compte,
            destination=recipient_account,
            amount=amount,
            kind=kind,
            days_ago=days_ago,
            qr=qr,
        )
