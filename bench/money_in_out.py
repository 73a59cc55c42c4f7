"""`python -m bench.money_in_out [--clients 20] [--seconds 20]`: deposits and withdrawals
settled per second through the sandbox provider, and the time from a provider's callback
received to the balance credited (p50/p99).

In one process, as the embedded install runs: the API through its whole ASGI stack
(httpx.ASGITransport), the sandbox operator delivering signed callbacks (20 % of them
twice, its default), the in-process job worker, PostgreSQL from DATABASE_URL (a scratch
database is created and dropped). Each client loops: deposit 1 000 F → confirm on the
sandbox's payment page → wait until credited; withdraw 500 F (PIN token) → wait until
sent. Latencies come from the database's own clocks (inbox reception → status row).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink import migrate, scratch
from hostolink.app import create_app
from hostolink.auth.repository import create_person
from hostolink.auth.tokens import issue_access_token
from hostolink.config import Settings
from hostolink.seed import seed_reference_data
from hostolink.wallet.pin import issue_pin_token
from hostolink.wallet.verify import verify

LATENCY = text(
    """
SELECT o.sens,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
       count(*) AS n
FROM (
    SELECT o.id_operation, o.sens,
           extract(epoch FROM h.date_changement - min(w.date_reception)) * 1000 AS ms
    FROM operation_fournisseur o
    JOIN webhook_entrant w ON w.id_operation = o.id_operation
    JOIN historique_operation h ON h.id_operation = o.id_operation AND h.statut = 'reussie'
    GROUP BY o.id_operation, o.sens, h.date_changement
) o
GROUP BY o.sens
"""
)


async def _wait(client: httpx.AsyncClient, headers: dict[str, str], reference: str) -> str:
    while True:
        answer = await client.get(f"/api/operations/{reference}", headers=headers)
        status: str = answer.json()["data"]["statut"]
        if status not in ("initiee", "en_attente"):
            return status
        await asyncio.sleep(0.05)


async def _client(
    client: httpx.AsyncClient, token: str, pin: str, deadline: float, counts: dict[str, int]
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < deadline:
        started = await client.post(
            "/api/depots",
            json={"fournisseur": "sandbox", "montant": 1000, "numero": "0700000001"},
            headers={**headers, "Idempotency-Key": secrets.token_hex(12)},
        )
        data = started.json()["data"]
        page = data["url_paiement"].rsplit("/", 1)[-1]
        await client.post(f"/sandbox/paiement/{page}", data={"decision": "confirmer"})
        counts[await _wait(client, headers, data["reference"])] += 1
        out = await client.post(
            "/api/retraits",
            json={"fournisseur": "sandbox", "montant": 500, "numero": "0500000001"},
            headers={**headers, "Idempotency-Key": secrets.token_hex(12), "X-Jeton-Pin": pin},
        )
        counts[await _wait(client, headers, out.json()["data"]["reference"])] += 1


async def run(server_url: str, clients: int, seconds: float) -> int:
    name = f"bench_money_{os.getpid()}"
    url = await scratch.create_database(server_url, name)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        secret = secrets.token_urlsafe(48)
        settings = Settings.model_validate(
            {
                "HOSTOLINK_ENV": "development",
                "JWT_SECRET": secret,
                "LOG_LEVEL": "WARNING",
                "SANDBOX_PAYOUT_DELAY_SECONDS": 0,
                "REDIS_URL": None,
            }
        )
        app = create_app(settings, database_url=url)
        async with AsyncSession(app.state.db.engine) as session, session.begin():
            await seed_reference_data(session)
            ids = [
                await create_person(session, identifier=f"+22507{i:08d}")
                for i in range(1, clients + 1)
            ]
        key = app.state.signing_key
        tokens = [
            (
                issue_access_token(i, key=key, ttl_seconds=3600),
                issue_pin_token(i, key=key, ttl_seconds=900),
            )
            for i in ids
        ]
        counts: dict[str, int] = {"reussie": 0, "echouee": 0, "expiree": 0}
        app.state.worker.start()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            began = time.monotonic()
            deadline = began + seconds
            await asyncio.gather(*(_client(client, t, p, deadline, counts) for t, p in tokens))
            elapsed = time.monotonic() - began
        await app.state.sandbox.settle()
        await app.state.worker.stop()
        async with app.state.db.engine.connect() as connection:
            rows = {r.sens: r for r in await connection.execute(LATENCY)}
        async with app.state.db.engine.connect() as connection, connection.begin():
            report = await verify(connection)
        await app.state.sandbox.close()
        await app.state.db.dispose()
        settled = counts["reussie"]
        figures = [
            f"clients={clients}",
            f"seconds={elapsed:.1f}",
            f"settled={settled}",
            f"settled_per_s={settled / elapsed:.1f}",
            f"failed={counts['echouee'] + counts['expiree']}",
        ]
        for sens in ("depot", "retrait"):
            row: Any = rows.get(sens)
            if row is not None:
                figures.append(
                    f"{sens}_callback_to_settled_ms_p50={row.p50:.1f} p99={row.p99:.1f} n={row.n}"
                )
        figures.append(f"ledger_ok={report.ok}")
        print(" ".join(figures))
        return 0 if report.ok and not counts["echouee"] else 1
    finally:
        await scratch.drop_database(server_url, name)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.money_in_out", description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        print("DATABASE_URL is required (a PostgreSQL server for a scratch database)")
        return 2
    return asyncio.run(run(server, args.clients, args.seconds))


if __name__ == "__main__":
    sys.exit(main())
