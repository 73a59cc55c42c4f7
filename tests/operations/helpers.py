"""Deposits and withdrawals through the public API, the sandbox's payment page, and the
worker run to completion."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import PASSWORD
from tests.factories import execute, funded_people, scalar
from tests.wallet.helpers import BALANCE, Person, person


async def settle(app: Any) -> None:
    """Let the sandbox deliver everything it scheduled and the worker run every due job."""
    for _ in range(50):
        await app.state.sandbox.settle()
        if not await app.state.worker.run_once() and not app.state.sandbox._tasks:
            return


async def funded(client: httpx.AsyncClient, engine: AsyncEngine, amount: int) -> Person:
    """Person 1, credited `amount` XOF."""
    (awa,) = await funded_people(client, engine, 1, amount)
    return awa


async def deposit(
    client: httpx.AsyncClient,
    who: Person,
    amount: Any,
    *,
    rail: str = "sandbox",
    numero: str | None = None,
    key: str | None = None,
) -> httpx.Response:
    headers = {**who.headers, "Idempotency-Key": key or str(uuid.uuid4())}
    body = {"fournisseur": rail, "montant": amount, "numero": numero or who.national}
    return await client.post("/api/depots", json=body, headers=headers)


async def started_deposit(
    client: httpx.AsyncClient, engine: AsyncEngine, amount: int = 5_000
) -> tuple[Person, httpx.Response, str]:
    """Person 1 starting a deposit of `amount` on the sandbox: the person, our answer, and
    the operation's reference."""
    awa = await person(client, engine, 1)
    started = await deposit(client, awa, amount)
    return awa, started, started.json()["data"]["reference"]


async def withdraw(
    client: httpx.AsyncClient,
    who: Person,
    amount: Any,
    *,
    rail: str = "sandbox",
    numero: str | None = None,
    key: str | None = None,
    pin: str | None = PASSWORD,
    pin_token: str | None = None,
) -> httpx.Response:
    headers = {**who.headers, "Idempotency-Key": key or str(uuid.uuid4())}
    if pin_token:
        headers["X-Jeton-Pin"] = pin_token
    body: dict[str, Any] = {
        "fournisseur": rail,
        "montant": amount,
        "numero": numero or who.national,
    }
    if pin is not None and not pin_token:
        body["pin"] = pin
    return await client.post("/api/retraits", json=body, headers=headers)


async def backdate_sandbox(engine: AsyncEngine, operation_id: str, *, minutes: int) -> None:
    """As if the sandbox's clock had run: its operation was created `minutes` earlier."""
    await execute(
        engine,
        "UPDATE operation_bac_a_sable"
        " SET date_creation = date_creation - make_interval(mins => :minutes)"
        " WHERE id_operation = :id",
        minutes=minutes,
        id=operation_id,
    )


def sandbox_id(answer: httpx.Response) -> str:
    url: str = answer.json()["data"]["url_paiement"]
    return url.rsplit("/", 1)[-1]


async def pay(client: httpx.AsyncClient, answer: httpx.Response, *, accept: bool = True) -> None:
    """The payer opens the sandbox's page and confirms (or refuses)."""
    operation = sandbox_id(answer)
    page = await client.get(f"/sandbox/paiement/{operation}")
    assert page.status_code == 200
    assert "Confirmer le paiement" in page.text
    decision = "confirmer" if accept else "refuser"
    done = await client.post(f"/sandbox/paiement/{operation}", data={"decision": decision})
    assert done.status_code == 303, done.text


async def operation(client: httpx.AsyncClient, who: Person, reference: str) -> dict[str, Any]:
    response = await client.get(f"/api/operations/{reference}", headers=who.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def system_balance(engine: AsyncEngine, code: str) -> int:
    """The sum of the account's buckets (its own `solde` stays 0)."""
    return int(await scalar(engine, BALANCE.format(where="c.code_systeme = :c"), c=code))


async def make_due(engine: AsyncEngine, reference: str, *, age_minutes: int = 0) -> None:
    """As if time had passed: the operation's check is due (and it is `age_minutes` old)."""
    await execute(
        engine,
        "UPDATE operation_fournisseur SET date_prochaine_verification = now() - interval '1 s',"
        " date_creation = date_creation - make_interval(mins => :age)"
        " WHERE reference = CAST(:r AS uuid)",
        r=reference,
        age=age_minutes,
    )
