"""Administrators' campaigns through the API: `parrainage:gerer` (super-administrators),
one active campaign at a time, a budget never below what was paid, every change audited
with its reason."""

from __future__ import annotations

import asyncio
import json

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import execute, scalar
from tests.referral.helpers import CAMPAIGNS, campaign, campaign_body, super_admin
from tests.wallet.helpers import admin_token, person


async def test_only_referral_managers_see_and_change_campaigns(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa = await person(client, db_engine, 1)
    assert (await client.get(CAMPAIGNS, headers=awa.headers)).status_code == 403
    plain_admin = {"Authorization": f"Bearer {await admin_token(client, db_engine)}"}
    refused = await client.post(CAMPAIGNS, json=campaign_body(), headers=plain_admin)
    assert refused.status_code == 403
    assert await scalar(db_engine, "SELECT count(*) FROM campagne_parrainage") == 0


async def test_create_change_and_audit(client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
    admin = await super_admin(client, db_engine)
    created = await campaign(client, admin)
    assert created["en_cours"] is True
    assert (created["budget_engage"], created["budget_restant"]) == (0, 100_000)

    # A second active campaign: refused; inactive: accepted.
    second = await client.post(CAMPAIGNS, json=campaign_body(nom="Autre"), headers=admin)
    assert second.status_code == 409
    assert "déjà active" in second.json()["message"]
    other = await campaign(client, admin, nom="Brouillon", active=False)
    activate = await client.patch(
        f"{CAMPAIGNS}/{other['id_campagne']}", json={"active": True, "motif": "Test"}, headers=admin
    )
    assert activate.status_code == 409

    # Bad input: a clear French 422.
    for body, words in (
        ({"date_fin": "2020-01-01T00:00:00Z"}, "date de fin"),
        ({"montant_parrain": 0, "montant_filleul": 0}, "bonus"),
    ):
        bad = await client.patch(
            f"{CAMPAIGNS}/{created['id_campagne']}", json={**body, "motif": "Essai"}, headers=admin
        )
        assert bad.status_code == 422, bad.text
        assert words in bad.json()["message"]
    no_motif = await client.patch(
        f"{CAMPAIGNS}/{created['id_campagne']}", json={"budget": 5}, headers=admin
    )
    assert no_motif.status_code == 422
    missing = await client.patch(f"{CAMPAIGNS}/999", json={"motif": "Essai"}, headers=admin)
    assert missing.status_code == 404

    # Some bonuses paid: the budget cannot go below them.
    await execute(db_engine, "UPDATE campagne_parrainage SET budget_engage = 3000 WHERE active")
    low = await client.patch(
        f"{CAMPAIGNS}/{created['id_campagne']}",
        json={"budget": 2_000, "motif": "Réduction"},
        headers=admin,
    )
    assert low.status_code == 422
    assert "déjà versés" in low.json()["message"]
    changed = await client.patch(
        f"{CAMPAIGNS}/{created['id_campagne']}",
        json={"budget": 50_000, "montant_filleul": 700, "motif": "Budget revu en comité"},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["budget_restant"] == 47_000

    audit = await scalar(
        db_engine,
        "SELECT json_agg(json_build_object('action', action, 'avant', avant, 'apres', apres,"
        " 'motif', motif) ORDER BY id_audit) FROM journal_audit"
        " WHERE table_cible = 'campagne_parrainage'",
    )
    entries = audit if isinstance(audit, list) else json.loads(audit)
    assert [e["action"] for e in entries] == [
        "parrainage.campagne.creation",
        "parrainage.campagne.creation",
        "parrainage.campagne.modification",
    ]
    last = entries[-1]
    assert last["motif"] == "Budget revu en comité"
    assert last["avant"] == {"budget": 100_000, "montant_filleul": 500}
    assert last["apres"] == {"budget": 50_000, "montant_filleul": 700}


async def test_two_activations_at_once_leave_one_active(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    admin = await super_admin(client, db_engine)
    drafts = [await campaign(client, admin, nom=f"Brouillon {n}", active=False) for n in (1, 2)]
    answers = await asyncio.gather(
        *(
            client.patch(
                f"{CAMPAIGNS}/{d['id_campagne']}",
                json={"active": True, "motif": "Activation"},
                headers=admin,
            )
            for d in drafts
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert await scalar(db_engine, "SELECT count(*) FROM campagne_parrainage WHERE active") == 1
