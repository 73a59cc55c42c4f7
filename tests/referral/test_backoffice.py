"""The back-office referral page: campaigns listed with the budget used and left, created and
changed through its forms (CSRF, mandatory reason, audited), refused to an administrator
without `parrainage:gerer`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backoffice.helpers import post_form, sign_in
from tests.factories import execute, scalar
from tests.wallet.helpers import make_admin

PAGE = "/admin/parrainage"


def _form(**changes: str) -> dict[str, str]:
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    values = {
        "nom": "Rentrée 2026",
        "montant_parrain": "1 000",
        "montant_filleul": "500",
        "depot_minimum": "5000",
        "budget": "300000",
        "date_debut": (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "date_fin": (start + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "delai_validation_heures": "24",
        "active": "on",
        "motif": "Lancement validé en comité",
    }
    values.update(changes)
    return values


async def test_super_admin_creates_and_changes_a_campaign(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    await make_admin(db_engine, super_admin=True)
    assert (await sign_in(client)).status_code == 302
    empty = await client.get(PAGE)
    assert empty.status_code == 200
    assert "Aucune campagne" in empty.text

    created = await post_form(client, PAGE, f"{PAGE}/campagnes", **_form())
    assert created.status_code == 303
    listed = await client.get(PAGE)
    assert "Campagne « Rentrée 2026 » créée." in listed.text
    assert "Rentrée 2026" in listed.text
    assert "300\u00a0000\u00a0F" in listed.text
    assert "en cours" in listed.text

    # A mistake is said in French and changes nothing.
    bad = await post_form(client, PAGE, f"{PAGE}/campagnes", **_form(budget="beaucoup"))
    assert bad.status_code == 303
    assert "Budget : un nombre entier" in (await client.get(PAGE)).text
    second = await post_form(client, PAGE, f"{PAGE}/campagnes", **_form(nom="Doublon"))
    assert second.status_code == 303
    assert "déjà active" in (await client.get(PAGE)).text
    assert await scalar(db_engine, "SELECT count(*) FROM campagne_parrainage") == 1

    # Some bonuses paid; the budget is changed from the campaign's own form.
    await execute(db_engine, "UPDATE campagne_parrainage SET budget_engage = 4500")
    campaign_id = await scalar(db_engine, "SELECT id_campagne FROM campagne_parrainage")
    edit_page = f"{PAGE}?campagne={campaign_id}"
    edit = await client.get(edit_page)
    assert "Modifier « Rentrée 2026 »" in edit.text
    changed = await post_form(
        client,
        edit_page,
        f"{PAGE}/campagnes/{campaign_id}",
        **_form(budget="100000", motif="Budget réduit"),
    )
    assert changed.status_code == 303
    after = await client.get(PAGE)
    assert "modifiée" in after.text
    assert "95\u00a0500\u00a0F" in after.text  # left: 100 000 − 4 500
    actions = await scalar(
        db_engine,
        "SELECT string_agg(action || ':' || motif, ',' ORDER BY id_audit) FROM journal_audit"
        " WHERE table_cible = 'campagne_parrainage'",
    )
    assert actions == (
        "parrainage.campagne.creation:Lancement validé en comité,"
        "parrainage.campagne.modification:Budget réduit"
    )


async def test_an_admin_without_the_permission_is_refused(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    await make_admin(db_engine)
    await sign_in(client)
    assert (await client.get(PAGE)).status_code in (302, 403)
    refused = await client.post(
        f"{PAGE}/campagnes", data=_form(), headers={"Origin": "http://testserver"}
    )
    assert refused.status_code in (302, 403)
    assert await scalar(db_engine, "SELECT count(*) FROM campagne_parrainage") == 0
