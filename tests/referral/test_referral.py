"""Referral on real PostgreSQL: codes and links, the registration's contract, the reward of
the first deposit paid from the marketing account, and every guard (minimum, window,
reversed deposit, one reward per number, self-referral)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.auth import permissions
from tests.factories import execute, scalar
from tests.operations.helpers import system_balance
from tests.referral.helpers import (
    MARKETING,
    campaign,
    deposit_paid,
    invited,
    my_referrals,
    referral_row,
    super_admin,
)
from tests.wallet.helpers import assert_ledger_clean, balance, person


async def _history(client: httpx.AsyncClient, who: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/transactions", headers=who.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["data"]
    return items


async def test_a_code_and_link_for_everyone_and_an_unknown_code_never_fails(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa = await person(client, db_engine, 1)
    mine = await my_referrals(client, awa)
    code = mine["code"]
    assert len(code) == 8
    assert not set(code) & set("01OI")
    assert mine["lien"].endswith(f"/i/{code}")
    assert mine["campagne"] is None
    assert (await my_referrals(client, awa))["code"] == code  # stable

    # The link opens the web app's sign-up with the code (any writing of it).
    opened = await client.get(f"/i/{code.lower()}", follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/#/invitation/{code}"
    assert (await client.get("/i/n'importe", follow_redirects=False)).headers[
        "location"
    ] == "/#/connexion"

    # An unknown or malformed code: registered all the same, the code kept, no referral.
    for n, typed in ((2, "ZZZZZZZZ"), (3, "pas un code !")):
        someone = await invited(client, db_engine, n, typed)
        stored = await scalar(
            db_engine,
            "SELECT code_invitation_utilise FROM utilisateur WHERE telephone = :t",
            t=someone.phone,
        )
        assert stored == typed
    assert await scalar(db_engine, "SELECT count(*) FROM parrainage") == 0
    # A code is drawn when its owner first opens their page: only Awa's exists.
    assert await scalar(db_engine, "SELECT count(*) FROM code_parrainage") == 1
    assert (await my_referrals(client, someone))["code"] != code
    assert await scalar(db_engine, "SELECT count(*) FROM code_parrainage") == 2


async def test_first_deposit_rewards_both_from_the_marketing_account(
    client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
) -> None:
    admin = await super_admin(client, db_engine)
    await campaign(client, admin)
    awa = await person(client, db_engine, 1)
    code = (await my_referrals(client, awa))["code"]
    # Typed in lower case, with a space: the same code.
    bintou = await invited(client, db_engine, 2, f" {code[:4].lower()} {code[4:].lower()}")
    mine = await my_referrals(client, awa)
    assert [(i["prenom"], i["statut_libelle"]) for i in mine["filleuls"]] == [
        ("Nouveau membre", "inscrit")
    ]
    assert mine["filleuls"][0]["telephone"].startswith("+225 07")
    assert "••" in mine["filleuls"][0]["telephone"]
    assert "5 000 F CFA" in mine["campagne"]["conditions"]

    await deposit_paid(client, app, bintou, 5_000)

    assert await balance(db_engine, awa.numero_compte) == 1_000
    assert await balance(db_engine, bintou.numero_compte) == 5_500
    assert await system_balance(db_engine, MARKETING) == -1_500
    for who, amount in ((awa, 1_000), (bintou, 500)):
        (bonus,) = [
            i for i in await _history(client, who) if i["type_transaction"] == "bonus_parrainage"
        ]
        assert bonus["description"] == "Bonus de parrainage"
        assert bonus["montant"] == amount
        assert bonus["sens"] == "entrant"
        # Each credited person opens the receipt and reads their own share.
        receipt = await client.get(f"/api/transactions/{bonus['reference']}", headers=who.headers)
        assert receipt.status_code == 200, receipt.text
        assert receipt.json()["data"]["montant"] == amount
        assert receipt.json()["data"]["destination"]["numero_compte"] == who.numero_compte
        notice = await scalar(
            db_engine,
            "SELECT n.contenu FROM notification n JOIN utilisateur u ON u.id_user = n.id_user"
            " WHERE u.telephone = :t AND n.titre = 'Bonus de parrainage'",
            t=who.phone,
        )
        assert notice is not None
        assert "bonus de parrainage" in notice
    mine = await my_referrals(client, awa)
    assert mine["filleuls"][0]["statut_libelle"] == "récompensé"
    assert [(r["role"], r["montant"]) for r in mine["recompenses"]] == [("parrain", 1_000)]
    theirs = await my_referrals(client, bintou)
    assert [(r["role"], r["montant"]) for r in theirs["recompenses"]] == [("filleul", 500)]
    # A second deposit pays nothing more.
    await deposit_paid(client, app, bintou, 5_000)
    assert await balance(db_engine, awa.numero_compte) == 1_000
    listed = (await client.get("/api/admin/parrainage/campagnes", headers=admin)).json()["data"]
    assert (listed[0]["budget_engage"], listed[0]["budget_restant"]) == (1_500, 98_500)
    assert listed[0]["recompenses"] == 1
    await assert_ledger_clean(db_engine)


async def test_a_first_deposit_below_the_minimum_ends_the_offer(
    client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
) -> None:
    admin = await super_admin(client, db_engine)
    await campaign(client, admin)
    awa = await person(client, db_engine, 1)
    bintou = await invited(client, db_engine, 2, (await my_referrals(client, awa))["code"])
    await deposit_paid(client, app, bintou, 4_999)
    await deposit_paid(client, app, bintou, 10_000)  # the first deposit decided
    assert await referral_row(db_engine, bintou) == (
        "non_eligible",
        "premier dépôt inférieur au minimum de la campagne",
    )
    assert await balance(db_engine, awa.numero_compte) == 0
    label = (await my_referrals(client, awa))["filleuls"][0]["statut_libelle"]
    assert label == "non éligible : premier dépôt inférieur au minimum de la campagne"


@pytest.mark.parametrize("window", ["ended", "not_started", "inactive"])
async def test_a_sign_up_outside_the_campaign_window_is_not_rewarded(
    client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any, window: str
) -> None:
    admin = await super_admin(client, db_engine)
    now = datetime.now(UTC)
    dates = {
        "ended": (now - timedelta(days=10), now - timedelta(days=1)),
        "not_started": (now + timedelta(days=1), now + timedelta(days=10)),
        "inactive": (now - timedelta(days=1), now + timedelta(days=10)),
    }[window]
    await campaign(
        client,
        admin,
        date_debut=dates[0].isoformat(),
        date_fin=dates[1].isoformat(),
        active=window != "inactive",
    )
    awa = await person(client, db_engine, 1)
    bintou = await invited(client, db_engine, 2, (await my_referrals(client, awa))["code"])
    assert await referral_row(db_engine, bintou) == (
        "non_eligible",
        "aucune campagne de parrainage en cours à l'inscription",
    )
    await deposit_paid(client, app, bintou, 5_000)
    assert await balance(db_engine, awa.numero_compte) == 0
    assert await scalar(db_engine, "SELECT count(*) FROM recompense_parrainage") == 0


async def test_a_deposit_reversed_during_the_validation_delay_is_not_rewarded(
    client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
) -> None:
    admin = await super_admin(client, db_engine)
    await campaign(client, admin, delai_validation_heures=24)
    awa = await person(client, db_engine, 1)
    bintou = await invited(client, db_engine, 2, (await my_referrals(client, awa))["code"])
    await deposit_paid(client, app, bintou, 5_000)
    assert await referral_row(db_engine, bintou) == ("en_validation", None)
    assert (await my_referrals(client, awa))["filleuls"][0][
        "statut_libelle"
    ] == "premier dépôt en validation"
    # The job waits for the delay: nothing paid yet.
    assert await balance(db_engine, awa.numero_compte) == 0
    due = await scalar(
        db_engine,
        "SELECT date_execution - now() > interval '23 hours' FROM tache"
        " WHERE nom = 'parrainage.recompenser'",
    )
    assert due is True
    deposit_ref = await scalar(
        db_engine, "SELECT reference FROM transaction WHERE type_transaction = 'depot'"
    )
    reversed_ = await client.post(
        f"/api/admin/transactions/{deposit_ref}/contre-passation",
        json={"motif": "Dépôt frauduleux signalé par l'opérateur"},
        headers=admin,
    )
    assert reversed_.status_code == 200, reversed_.text
    await execute(db_engine, "UPDATE tache SET date_execution = now() WHERE nom LIKE 'parrainage%'")
    await app.state.worker.drain()
    assert await referral_row(db_engine, bintou) == ("non_eligible", "premier dépôt contre-passé")
    assert await balance(db_engine, awa.numero_compte) == 0
    assert await system_balance(db_engine, MARKETING) == 0
    await assert_ledger_clean(db_engine)


async def test_one_reward_per_number_even_after_the_account_is_deleted(
    client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
) -> None:
    admin = await super_admin(client, db_engine)
    await campaign(client, admin)
    awa = await person(client, db_engine, 1)
    code = (await my_referrals(client, awa))["code"]
    bintou = await invited(client, db_engine, 2, code)
    await deposit_paid(client, app, bintou, 5_000)
    assert await balance(db_engine, awa.numero_compte) == 1_000
    # Bintou's account deleted (anonymised: identifiers gone, ids kept), then the same
    # number registers again with Awa's code.
    await execute(
        db_engine,
        "UPDATE utilisateur SET telephone = NULL, email = 'supprime-' || id_user || '@invalid',"
        " actif = false WHERE telephone = :t",
        t=bintou.phone,
    )
    again = await invited(client, db_engine, 2, code)
    await deposit_paid(client, app, again, 5_000)
    assert await referral_row(db_engine, again) == (
        "non_eligible",
        "ce numéro a déjà reçu un bonus de parrainage",
    )
    assert await balance(db_engine, awa.numero_compte) == 1_000
    assert await scalar(db_engine, "SELECT count(*) FROM recompense_parrainage") == 1


async def test_no_self_referral(
    client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
) -> None:
    admin = await super_admin(client, db_engine)
    await campaign(client, admin)
    awa = await person(client, db_engine, 1)
    code = (await my_referrals(client, awa))["code"]
    # The database refuses a person invited by themselves, however the row is written.
    awa_id = await scalar(
        db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
    )
    with pytest.raises(IntegrityError):
        await execute(
            db_engine,
            "INSERT INTO parrainage (id_parrain, id_filleul, code_utilise) VALUES (:i, :i, :c)",
            i=awa_id,
            c=code,
        )
    # Awa deletes her account and registers again with her number and her old code: her
    # old self is no inviter any more, nothing is paid.
    await execute(
        db_engine,
        "UPDATE utilisateur SET telephone = NULL, email = 'supprime-' || id_user || '@invalid',"
        " actif = false WHERE id_user = :i",
        i=awa_id,
    )
    awa_again = await invited(client, db_engine, 1, code)
    await deposit_paid(client, app, awa_again, 5_000)
    statut, motif = await referral_row(db_engine, awa_again)
    assert statut == "non_eligible"
    assert motif == "compte du parrain suspendu, fermé ou supprimé"
    assert await scalar(db_engine, "SELECT count(*) FROM recompense_parrainage") == 0
    assert await system_balance(db_engine, MARKETING) == 0


async def test_a_bonus_over_the_invitee_balance_cap_is_skipped_with_its_reason(
    client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
) -> None:
    admin = await super_admin(client, db_engine)
    await campaign(client, admin, delai_validation_heures=1)
    awa = await person(client, db_engine, 1)
    bintou = await invited(client, db_engine, 2, (await my_referrals(client, awa))["code"])
    # Tier 0 holds at most 200 000 F CFA: filled up during the validation delay.
    await deposit_paid(client, app, bintou, 100_000)
    await deposit_paid(client, app, bintou, 100_000)
    await execute(db_engine, "UPDATE tache SET date_execution = now() WHERE nom LIKE 'parrainage%'")
    await app.state.worker.drain()
    assert await referral_row(db_engine, bintou) == (
        "non_eligible",
        "le bonus dépasserait le plafond de solde du filleul",
    )
    assert await balance(db_engine, awa.numero_compte) == 0
    async with db_engine.connect() as connection:
        assert (await connection.scalar(text("SELECT count(*) FROM recompense_parrainage"))) == 0


async def test_a_campaign_stopped_during_the_delay_pays_nothing(
    client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
) -> None:
    admin = await super_admin(client, db_engine)
    running = await campaign(client, admin, delai_validation_heures=2)
    awa = await person(client, db_engine, 1)
    bintou = await invited(client, db_engine, 2, (await my_referrals(client, awa))["code"])
    await deposit_paid(client, app, bintou, 5_000)
    stopped = await client.patch(
        f"/api/admin/parrainage/campagnes/{running['id_campagne']}",
        json={"active": False, "motif": "Fraude constatée, campagne arrêtée"},
        headers=admin,
    )
    assert stopped.status_code == 200, stopped.text
    await execute(db_engine, "UPDATE tache SET date_execution = now() WHERE nom LIKE 'parrainage%'")
    await app.state.worker.drain()
    assert await referral_row(db_engine, bintou) == (
        "non_eligible",
        "campagne arrêtée avant le versement",
    )
    assert await system_balance(db_engine, MARKETING) == 0


def test_campaign_routes_require_the_referral_permission() -> None:
    from tests.test_authorization_matrix import ROUTES  # noqa: PLC0415 - builds an app

    mine = {r.name: r for r in ROUTES if "parrainage" in r.path or r.path == "/i/{code}"}
    assert {name: (r.policy, r.permission) for name, r in mine.items()} == {
        "GET /api/parrainage": ("authenticated", None),
        "GET /i/{code}": ("public", None),
        "GET /api/admin/parrainage/campagnes": ("permission", permissions.REFERRAL_MANAGE),
        "POST /api/admin/parrainage/campagnes": ("permission", permissions.REFERRAL_MANAGE),
        "PATCH /api/admin/parrainage/campagnes/{id_campagne}": (
            "permission",
            permissions.REFERRAL_MANAGE,
        ),
    }
