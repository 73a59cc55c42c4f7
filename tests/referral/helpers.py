"""People invited with a code, campaigns through the administrators' API, deposits through
the sandbox, and the reward jobs run by the worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import PASSWORD, bearer
from tests.conftest import outbox_code
from tests.factories import scalar
from tests.operations.helpers import deposit, pay, settle
from tests.wallet.helpers import ADMIN, Person, make_admin, phone_of

CAMPAIGNS = "/api/admin/parrainage/campagnes"
MARKETING = "marketing.parrainage"


async def invited(
    client: httpx.AsyncClient, engine: AsyncEngine, n: int, code: str | None
) -> Person:
    """Test person n, registered with the invitation `code` (as the app sends it)."""
    national, e164 = phone_of(n)
    body: dict[str, Any] = {"identifier": national}
    if code is not None:
        body["code_invitation_utilise"] = code
    response = await client.post("/api/register-user", json=body)
    assert response.status_code == 201, response.text
    response = await client.post(
        "/api/define-password", json={"identifier": national, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    otp = await outbox_code(engine, e164)
    response = await client.post("/api/verify-otp", json={"identifier": national, "otpCode": otp})
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    me = await client.get("/api/user/me", headers=bearer(token))
    return Person(e164, national, token, me.json()["data"]["compte"]["numero_compte"])


async def super_admin(client: httpx.AsyncClient, engine: AsyncEngine) -> dict[str, str]:
    await make_admin(engine, super_admin=True)
    login = await client.post("/api/auth/login", json={"identifier": ADMIN, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return bearer(login.json()["token"])


def campaign_body(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "nom": "Parrainage de test",
        "montant_parrain": 1_000,
        "montant_filleul": 500,
        "depot_minimum": 5_000,
        "budget": 100_000,
        "date_debut": (now - timedelta(days=1)).isoformat(),
        "date_fin": (now + timedelta(days=30)).isoformat(),
        "delai_validation_heures": 0,
        "motif": "Lancement de la campagne",
    }
    body.update(changes)
    return body


async def campaign(
    client: httpx.AsyncClient, admin: dict[str, str], **changes: Any
) -> dict[str, Any]:
    response = await client.post(CAMPAIGNS, json=campaign_body(**changes), headers=admin)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def my_referrals(client: httpx.AsyncClient, who: Person) -> dict[str, Any]:
    response = await client.get("/api/parrainage", headers=who.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def deposit_paid(client: httpx.AsyncClient, app: Any, who: Person, amount: int) -> None:
    """A sandbox deposit the payer confirms, its notification handled and the due jobs run
    (a reward whose campaign has no delay included)."""
    started = await deposit(client, who, amount)
    assert started.status_code == 202, started.text
    await pay(client, started)
    await settle(app)
    await app.state.worker.drain()


async def referral_row(engine: AsyncEngine, who: Person) -> tuple[str, str | None]:
    row = await scalar(
        engine,
        "SELECT p.statut || '|' || coalesce(p.motif, '') FROM parrainage p"
        " JOIN utilisateur u ON u.id_user = p.id_filleul WHERE u.telephone = :t",
        t=who.phone,
    )
    assert row is not None, "no referral row"
    statut, _, motif = str(row).partition("|")
    return statut, motif or None
