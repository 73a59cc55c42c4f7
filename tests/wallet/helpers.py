"""People with funded wallets, transfers through the public API, and the ledger's state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.admin.accounts import create_admin
from hostolink.kit.identifiers import parse_identifier
from hostolink.wallet.verify import Report, verify
from tests.auth.helpers import PASSWORD, bearer, onboard
from tests.conftest import make_settings

ADMIN = "admin@example.com"


@dataclass(frozen=True)
class Person:
    phone: str  # E.164
    national: str  # as typed in Abidjan: 07…
    token: str
    numero_compte: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def phone_of(n: int) -> tuple[str, str]:
    """The n-th test number, as typed in Abidjan (`07…`) and as stored (E.164)."""
    national = f"07{n:08d}"
    return national, "+225" + national


async def person(client: httpx.AsyncClient, engine: AsyncEngine, n: int) -> Person:
    national, e164 = phone_of(n)
    tokens = await onboard(client, engine, national, e164)
    me = await client.get("/api/user/me", headers=bearer(tokens["token"]))
    numero = me.json()["data"]["compte"]["numero_compte"]
    return Person(e164, national, tokens["token"], numero)


async def make_admin(
    engine: AsyncEngine, identifier: str = ADMIN, *, super_admin: bool = False
) -> None:
    """What `hostolink create-admin [--super]` does, with the tests' password."""
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        await create_admin(
            session,
            settings=make_settings(),
            identifier=parse_identifier(identifier),
            password=PASSWORD,
            super_admin=super_admin,
        )


async def admin_token(client: httpx.AsyncClient, engine: AsyncEngine) -> str:
    await make_admin(engine)
    login = await client.post("/api/auth/login", json={"identifier": ADMIN, "password": PASSWORD})
    token: str = login.json()["token"]
    return token


async def credit(
    client: httpx.AsyncClient, admin: str, numero_compte: str, amount: int
) -> httpx.Response:
    response = await client.post(
        f"/api/admin/comptes/{numero_compte}/ajustements",
        json={"sens": "credit", "montant": amount, "motif": "Approvisionnement de test"},
        headers=bearer(admin),
    )
    assert response.status_code == 200, response.text
    return response


async def pin_token(client: httpx.AsyncClient, who: Person) -> str:
    response = await client.post(
        "/api/portefeuille/jeton-pin", json={"pin": PASSWORD}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["jeton_pin"]
    return token


async def send(
    client: httpx.AsyncClient,
    sender: Person,
    to: str,
    amount: Any,
    *,
    key: str | None = None,
    pin: str | None = PASSWORD,
    pin_token: str | None = None,
    extra: dict[str, Any] | None = None,
) -> httpx.Response:
    headers = dict(sender.headers)
    headers["Idempotency-Key"] = key or str(uuid.uuid4())
    if pin_token:
        headers["X-Jeton-Pin"] = pin_token
    body: dict[str, Any] = {"destinataire": to, "montant": amount, **(extra or {})}
    if pin is not None and not pin_token:
        body["pin"] = pin
    return await client.post("/api/transferts", json=body, headers=headers)


# An account's balance: its row's, plus its buckets' for a system account (whose own
# `solde` stays 0: models/sous_compte_systeme.py).
BALANCE = (
    "SELECT c.solde + coalesce((SELECT sum(s.solde) FROM sous_compte_systeme s"
    " WHERE s.id_compte = c.id_compte), 0) FROM compte c WHERE {where}"
)


async def balance(engine: AsyncEngine, numero_compte: str) -> int:
    async with engine.connect() as connection:
        value = await connection.scalar(
            text(BALANCE.format(where="c.numero_compte = :n")), {"n": numero_compte}
        )
    return int(value)


async def user_balances_total(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        value = await connection.scalar(
            text("SELECT coalesce(sum(solde), 0) FROM compte WHERE type_compte <> 'systeme'")
        )
    return int(value)


async def ledger_report(engine: AsyncEngine) -> Report:
    async with engine.connect() as connection, connection.begin():
        return await verify(connection)


async def assert_ledger_clean(engine: AsyncEngine) -> Report:
    report = await ledger_report(engine)
    assert report.ok, "\n".join(report.lines())
    return report
