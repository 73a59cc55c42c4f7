"""Bursts against the real server (`hostolink serve`, two worker processes, rate limits on,
each process bounded to a few database connections), over many real connections at once:
wrong secrets, logins from one address and transfers beyond a balance answer only what
they should — never a 5xx, never a dropped connection — and the money still balances.

The production stage (tests_production/test_05_load.py) plays the same shapes through nginx
and PgBouncer with production's password hashing cost."""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.auth.helpers import PASSWORD, bearer
from tests.conftest import outbox_code
from tests.crash.harness import Server, serving
from tests.wallet.helpers import assert_ledger_clean, make_admin

CONNECTIONS_PER_PROCESS = 4
# A dropped connection or a server error is recorded under this "status".
DROPPED = 0


@pytest.fixture
async def burst_server(server_url: str, tmp_path: Path) -> AsyncIterator[tuple[Server, str]]:
    name = f"hostolink_bursts_{os.getpid()}"
    limits = {
        "RATE_LIMIT_ENABLED": "true",
        "WEB_CONCURRENCY": "2",
        "HOSTOLINK_DB_CONNECTIONS": str(CONNECTIONS_PER_PROCESS),
    }
    async with serving(server_url, tmp_path, name, **limits) as server:
        yield server, server.database_url


@pytest.fixture
async def engine(burst_server: tuple[Server, str]) -> AsyncIterator[AsyncEngine]:
    _, url = burst_server
    created = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    yield created
    await created.dispose()


async def _at_once(
    count: int, call: Callable[[httpx.AsyncClient, int], Awaitable[int]]
) -> Counter[int]:
    """`count` calls at once, each on its own connection (its own client); a transport
    error (a connection reset, closed, timed out) counts as DROPPED."""

    async def one(index: int) -> int:
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            try:
                return await call(http, index)
            except httpx.TransportError:
                return DROPPED

    return Counter(await asyncio.gather(*(one(i) for i in range(count))))


async def _signed_up(server: Server, engine: AsyncEngine, *, verify: bool = True) -> dict[str, Any]:
    phone = f"+22507{secrets.randbelow(10**8):08d}"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        (await http.post("/api/register-user", json={"identifier": phone})).raise_for_status()
        body = {"identifier": phone, "password": PASSWORD}
        (await http.post("/api/define-password", json=body)).raise_for_status()
        if not verify:
            return {"phone": phone}
        code = await outbox_code(engine, phone)
        answer = await http.post("/api/verify-otp", json={"identifier": phone, "otpCode": code})
        answer.raise_for_status()
        token = answer.json()["token"]
        me = await http.get("/api/user/me", headers=bearer(token))
    return {"phone": phone, "token": token, "compte": me.json()["data"]["compte"]["numero_compte"]}


class TestBursts:
    async def test_wrong_secrets_logins_and_transfers_at_once(
        self, burst_server: tuple[Server, str], engine: AsyncEngine
    ) -> None:
        server, _ = burst_server
        url = server.url

        # Everyone signs up first: the bursts spend this address's budgets.
        pending = await _signed_up(server, engine, verify=False)
        awa = await _signed_up(server, engine)
        people = [await _signed_up(server, engine) for _ in range(3)]
        sender, recipient = await _signed_up(server, engine), await _signed_up(server, engine)

        # 20 wrong OTP codes at once for one person.

        async def wrong_code(http: httpx.AsyncClient, i: int) -> int:
            body = {"identifier": pending["phone"], "otpCode": f"{(i * 7919) % 10**6:06d}"}
            return (await http.post(f"{url}/api/verify-otp", json=body)).status_code

        codes = await _at_once(20, wrong_code)
        print(f"\n20 wrong OTP codes at once: {dict(codes)}")
        assert set(codes) <= {400, 401, 423, 429}, codes

        # 20 wrong PINs at once for one person.

        async def wrong_pin(http: httpx.AsyncClient, i: int) -> int:
            body = {"identifier": awa["phone"], "pin": f"faux-{i}"}
            return (await http.post(f"{url}/api/verify-pin", json=body)).status_code

        pins = await _at_once(20, wrong_pin)
        print(f"20 wrong PINs at once: {dict(pins)}")
        assert set(pins) <= {401, 423, 429}, pins

        # 50 transfers at once from a balance that affords 10 of them.
        await make_admin(engine)
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            admin = await http.post(
                "/api/auth/login", json={"identifier": "admin@example.com", "password": PASSWORD}
            )
            credited = await http.post(
                f"/api/admin/comptes/{sender['compte']}/ajustements",
                json={"sens": "credit", "montant": 10_000, "motif": "Approvisionnement de test"},
                headers=bearer(admin.json()["token"]),
            )
            assert credited.status_code in (200, 201), credited.text
            pin = await http.post(
                "/api/portefeuille/jeton-pin",
                json={"pin": PASSWORD},
                headers=bearer(sender["token"]),
            )
            pin_token = pin.json()["jeton_pin"]

        async def transfer(http: httpx.AsyncClient, _: int) -> int:
            headers = {
                **bearer(sender["token"]),
                "Idempotency-Key": str(uuid.uuid4()),
                "X-Jeton-Pin": pin_token,
            }
            body = {"destinataire": recipient["phone"], "montant": 1_000}
            return (
                await http.post(f"{url}/api/transferts", json=body, headers=headers)
            ).status_code

        transfers = await _at_once(50, transfer)
        print(f"50 transfers of 1,000 F at once from 10,000 F: {dict(transfers)}")
        assert transfers[201] == 10, transfers
        assert all(400 <= status < 500 for status in transfers if status != 201), transfers
        await assert_ledger_clean(engine)

        # 1,700 logins from one address, 50 connections at a time, mostly wrong.
        gate = asyncio.Semaphore(50)

        async def login(http: httpx.AsyncClient, i: int) -> int:
            who = people[i % len(people)]
            password = PASSWORD if i % 5 == 0 else f"Faux-{i}"
            async with gate:
                body = {"identifier": who["phone"], "password": password}
                return (await http.post(f"{url}/api/auth/login", json=body)).status_code

        logins = await _at_once(1_700, login)
        print(f"1,700 logins from one address: {dict(logins)}")
        assert set(logins) <= {200, 401, 423, 429}, logins
        assert logins[429] > 0  # the address's budget held
