"""Crash test: `kill -9` of the API process in the middle of sustained transfers, then a
restart on the same database.

Every transfer the client saw acknowledged (201) is in the ledger; none is half-applied
(`ledger verify`: every transaction balanced, every balance equal to its entries); no money
was created or destroyed; and replaying each request with its Idempotency-Key — answered or
not before the crash — never moves money twice. The server is the real one
(`python -m hostolink serve`) in its own process group, on a throwaway database of the test
server (embedded PostgreSQL, or `DATABASE_URL`)."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import text

from hostolink.db import create_engine
from hostolink.wallet.verify import verify
from tests.crash.harness import PASSWORD, Server, admin_token, enrol

PEOPLE = 6
FUNDS = 100_000  # under the unverified balance cap (200 000), send cap 100 000/day
SENDERS = 8
ACKNOWLEDGED_BEFORE_KILL = 40


@dataclass
class Sent:
    key: str
    token: str
    body: dict[str, object]
    reference: str | None = None  # set when the client saw 201


async def _sustained_transfers(
    server: Server, people: list[tuple[str, str]], sent: list[Sent]
) -> None:
    """SENDERS clients transfer in a loop; the process group is killed with SIGKILL once
    ACKNOWLEDGED_BEFORE_KILL transfers were acknowledged, while others are in flight."""
    stop = asyncio.Event()
    enough = asyncio.Event()  # ACKNOWLEDGED_BEFORE_KILL answers seen
    refused: list[str] = []

    async def sender(http: httpx.AsyncClient) -> None:
        while not stop.is_set():
            (_, token), (to, _) = random.sample(people, 2)
            item = Sent(
                uuid.uuid4().hex,
                token,
                {"destinataire": to, "montant": random.randint(1, 500), "pin": PASSWORD},  # noqa: S311
            )
            sent.append(item)
            try:
                answer = await http.post(
                    "/api/transferts",
                    json=item.body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": item.key},
                )
            except httpx.HTTPError:
                return  # the server died under us
            if answer.status_code != 201:  # before the kill, every transfer must pass
                refused.append(f"{answer.status_code} {answer.text[:300]}")
                stop.set()
                enough.set()
                return
            item.reference = answer.json()["data"]["reference"]
            if sum(1 for s in sent if s.reference) >= ACKNOWLEDGED_BEFORE_KILL:
                enough.set()

    async def killer() -> None:
        await enough.wait()
        assert not refused, refused[0]
        await asyncio.to_thread(server.kill9)
        stop.set()

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await asyncio.gather(killer(), *(sender(http) for _ in range(SENDERS)))


async def test_kill9_during_transfers_loses_nothing_and_doubles_nothing(server: Server) -> None:
    engine = create_engine(server.database_url, pool_size=2)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            people = await enrol(http, engine, PEOPLE)
            admin = {"Authorization": f"Bearer {admin_token(server)}"}
            for phone, token in people:
                me = await http.get("/api/user/me", headers={"Authorization": f"Bearer {token}"})
                account = me.json()["data"]["compte"]["numero_compte"]
                credited = await http.post(
                    f"/api/admin/comptes/{account}/ajustements",
                    json={"sens": "credit", "montant": FUNDS, "motif": "Fonds du test"},
                    headers=admin,
                )
                assert credited.status_code == 200, (phone, credited.text)

        sent: list[Sent] = []
        await _sustained_transfers(server, people, sent)
        acknowledged = [s for s in sent if s.reference]
        unanswered = [s for s in sent if not s.reference]
        assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL

        server.start()  # same database, same key
        async with engine.connect() as connection:
            found = await connection.scalar(
                text(
                    'SELECT count(*) FROM "transaction" WHERE reference = ANY(:refs)'
                    " AND statut = 'reussie'"
                ),
                {"refs": [s.reference for s in acknowledged]},
            )
        assert found == len(acknowledged), "an acknowledged transfer is missing"
        async with engine.connect() as connection:
            report = await verify(connection)
        assert report.ok, report.lines()

        # Replays: an acknowledged one gives back its own receipt; an unanswered one is
        # either found done or done now, once.
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            for item in sent:
                again = await http.post(
                    "/api/transferts",
                    json=item.body,
                    headers={"Authorization": f"Bearer {item.token}", "Idempotency-Key": item.key},
                )
                assert again.status_code == 201, again.text
                if item.reference:
                    assert again.json()["data"]["reference"] == item.reference
        async with engine.connect() as connection:
            transfers = await connection.scalar(
                text("SELECT count(*) FROM \"transaction\" WHERE type_transaction = 'transfert'")
            )
            total = await connection.scalar(
                text(
                    "SELECT sum(c.solde) FROM compte c JOIN utilisateur u ON u.id_user = c.id_user"
                    " WHERE u.telephone IS NOT NULL"
                )
            )
        assert transfers == len(sent), "a request moved money twice, or never"
        assert total == FUNDS * PEOPLE, "money created or destroyed"
        async with engine.connect() as connection:
            report = await verify(connection)
        assert report.ok, report.lines()
        print(  # the figures for the closing note (pytest -s)
            f"\nkill -9: {len(sent)} transfers sent, {len(acknowledged)} acknowledged and all "
            f"found in the ledger, {len(unanswered)} unanswered then replayed once each, "
            f"{transfers} transfers in the ledger, 0 violations"
        )
    finally:
        await engine.dispose()
