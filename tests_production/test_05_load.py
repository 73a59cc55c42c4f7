"""Under load, through PgBouncer in transaction pooling mode, on a PostgreSQL that accepts
only a few connections: no 5xx, the CLI still gets in, the ledger still balances.

The pooler is on a port that is not Supabase's 6543: its mode comes from the configuration
(HOSTOLINK_DB_POOLER=transaction), as the deployment guide prescribes.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import uuid
from collections import Counter

from tests_production.people import (
    Person,
    client,
    deposit_through_wave,
    enrol,
    pin_token,
)
from tests_production.stack import PG_BIN, PG_MAX_CONNECTIONS, Stack


def _server_connections(stack: Stack) -> int:
    count = subprocess.run(  # noqa: S603
        [
            str(PG_BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(stack.ports["postgres"]),
            "-U",
            "postgres",
            "-d",
            "hostolink",
            "-Atc",
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(count.stdout.strip())


async def test_fifty_concurrent_authenticated_requests(stack: Stack) -> None:
    person = await enrol(stack)
    answers = await asyncio.gather(*(person.get("/api/user/me") for _ in range(50)))
    assert Counter(a.status_code for a in answers) == {200: 50}
    wallets = await asyncio.gather(*(person.get("/api/portefeuille") for _ in range(50)))
    assert Counter(a.status_code for a in wallets) == {200: 50}


async def _fund(stack: Stack, people: list[Person], amount: int) -> None:
    for person in people:
        done = await deposit_through_wave(stack, person, amount)
        assert done["statut"] == "reussie", done


async def test_concurrent_transfers_then_the_ledger_balances(stack: Stack) -> None:
    people = list(await asyncio.gather(*(enrol(stack) for _ in range(8))))
    await _fund(stack, people, 10_000)
    tokens = await asyncio.gather(*(pin_token(p) for p in people))

    async def send(index: int) -> int:
        sender = people[index % len(people)]
        recipient = people[(index * 3 + 1) % len(people)]
        if recipient is sender:
            recipient = people[(index + 1) % len(people)]
        answer = await sender.post(
            "/api/transferts",
            json={"destinataire": recipient.identifier, "montant": 700 + index},
            headers={
                "Idempotency-Key": str(uuid.uuid4()),
                "X-Jeton-Pin": tokens[index % len(people)],
            },
        )
        return answer.status_code

    statuses = Counter(await asyncio.gather(*(send(i) for i in range(120))))
    print(f"\n120 concurrent transfers through PgBouncer: {dict(statuses)}")
    assert statuses[201] > 0
    # Exceeding a balance is a 4xx (402/409/422), never a 5xx.
    assert all(status < 500 for status in statuses), statuses
    total = 0
    for person in people:
        total += (await person.get("/api/portefeuille")).json()["data"]["solde"]
    assert total == 8 * 10_000  # transfers move money, they never create or destroy it
    proved = stack.hostolink("ledger", "verify")
    assert proved.returncode == 0, proved.stdout


async def test_a_burst_of_logins_answers_no_5xx_and_lets_the_cli_in(stack: Stack) -> None:
    # Twenty people: the per-identifier budget (10 a minute) lets 200 attempts reach the
    # password check, most of them wrong, and locks some accounts on the way.
    people = list(await asyncio.gather(*(enrol(stack) for _ in range(20))))
    before = _server_connections(stack)

    async def login(index: int) -> int:
        person = people[index % len(people)]
        password = person_password(index)
        async with client(stack.url) as http:  # a new address each: the per-address budget holds
            answer = await http.post(
                "/api/auth/login", json={"identifier": person.identifier, "password": password}
            )
        return answer.status_code

    burst = asyncio.gather(*(login(i) for i in range(600)))
    # The CLI, while the burst runs: it must get a connection through the pooler.
    cli = asyncio.to_thread(stack.hostolink, "ledger", "verify", check=False)
    statuses, proved = await asyncio.gather(burst, cli)
    counted = Counter(statuses)
    print(f"\n600 logins in a burst, two instances × two processes: {dict(counted)}")
    assert set(counted) <= {200, 401, 423, 429}, counted
    assert proved.returncode == 0, proved.stdout + proved.stderr
    assert _server_connections(stack) <= PG_MAX_CONNECTIONS
    print(f"server connections before the burst {before}, after {_server_connections(stack)}")


def person_password(index: int) -> str:
    """Mostly wrong passwords (an attack's shape), one in five right."""
    from tests_production.people import PASSWORD  # noqa: PLC0415

    return PASSWORD if index % 5 == 0 else "Faux-" + secrets.token_hex(4)
