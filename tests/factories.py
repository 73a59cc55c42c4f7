"""Shared factories for the tests: things made in the real test database (PostgreSQL, never
mocked) or through the public API, once, for every folder.

- `asgi_client(app)`: an HTTP client talking to an application in-process;
- `scalar`, `execute`: one SQL statement on the tests' engine;
- `user_id_of(engine, phone)`: the id of the person signed up with that phone;
- `wallet_owner(client, engine, n)`: the n-th test person and the ids of their wallet;
- `provider_operation(engine, owner, …)`: a deposit or withdrawal row at a provider, in the
  state and at the age a test needs (what the supervision and the metrics read)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@contextlib.asynccontextmanager
async def asgi_client(
    app: Any, *, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        yield http


async def scalar(engine: AsyncEngine, sql: str, **params: object) -> Any:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql), params)


async def execute(engine: AsyncEngine, sql: str, **params: object) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(sql), params)


async def user_id_of(engine: AsyncEngine, phone: str) -> int:
    found = await scalar(engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=phone)
    assert found is not None
    return int(found)


async def wallet_owner(client: httpx.AsyncClient, engine: AsyncEngine, n: int) -> dict[str, int]:
    """The n-th test person, signed up through the API: `{"u": id_user, "c": id_compte}`."""
    # Imported here: tests/conftest.py uses this module, and the wallet helpers import it.
    from tests.wallet.helpers import person  # noqa: PLC0415

    who = await person(client, engine, n)
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT id_user, id_compte FROM compte WHERE numero_compte = :n"),
                {"n": who.numero_compte},
            )
        ).one()
    return {"u": int(row.id_user), "c": int(row.id_compte)}


async def provider_operation(
    engine: AsyncEngine,
    owner: dict[str, int],
    *,
    statut: str,
    sens: str = "depot",
    gateway: str = "sandbox",
    rail: str | None = None,
    created: datetime | str = "now()",
    settled: datetime | str | None = None,
) -> None:
    """A row of `operation_fournisseur` for 1 000 XOF to +2250700000001. `created` and `settled`
    are timestamps, or SQL expressions given as text (e.g. `now() - make_interval(secs => 60)`);
    `rail` defaults to `gateway`."""
    created_sql, created_value = _timestamp(created, "created")
    settled_sql, settled_value = _timestamp(settled, "settled")
    # The timestamps are SQL written by the test code, never input.
    sql = (
        "INSERT INTO operation_fournisseur (fournisseur, passerelle, sens, id_user, id_compte,"  # noqa: S608
        " montant, compte_externe, statut, date_creation, date_finalisation)"
        f" VALUES (:rail, :gateway, :sens, :u, :c, 1000, '+2250700000001', :statut,"
        f" {created_sql}, {settled_sql})"
    )
    await execute(
        engine,
        sql,
        rail=rail or gateway,
        gateway=gateway,
        sens=sens,
        statut=statut,
        **created_value,
        **settled_value,
        **owner,
    )


def _timestamp(value: datetime | str | None, name: str) -> tuple[str, dict[str, object]]:
    """A bound parameter for a datetime (or NULL), the SQL itself for an expression (a literal
    of the test code, never input)."""
    if isinstance(value, str):
        return value, {}
    return f":{name}", {name: value}
