"""The back-office job desk (/admin/taches): the queue by kind, an abandoned job retried or
cancelled with a motif (audited, CSRF-checked), and a deposit stuck in reconciliation asked
about again through the operation page's own verification action."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backoffice.helpers import ORIGIN, csrf_of, post_form, sign_in
from tests.operations.helpers import deposit
from tests.wallet.helpers import make_admin, person


async def _abandoned(engine: AsyncEngine, *, key: str | None = None) -> int:
    async with engine.begin() as connection:
        return int(
            await connection.scalar(
                text(
                    "INSERT INTO tache (nom, charge, cle_unicite, statut, tentatives,"
                    " derniere_erreur, date_fin) VALUES ('operations.notification',"
                    """ '{"id_webhook": 41, "motif": "Awa Koné"}', :k, 'abandonnee', 10,"""
                    " 'ProviderUnreachable(''Wave ne répond pas'')', now()) RETURNING id_tache"
                ),
                {"k": key},
            )
        )


async def _scalar(engine: AsyncEngine, sql: str, **params: object) -> object:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql), params)


async def _flash(client: httpx.AsyncClient, answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith("/admin/taches")
    return (await client.get(answer.headers["location"])).text


async def test_the_desk_shows_an_abandoned_job_and_retries_it_with_a_motif(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    job_id = await _abandoned(db_engine)
    await make_admin(db_engine)
    await sign_in(client)

    page = await client.get("/admin/taches")
    assert page.status_code == 200
    assert 'id="file-taches"' in page.text
    row = re.search(rf'<tr id="tache-{job_id}">.*?</tr>', page.text, re.S)
    assert row, page.text[-3000:]
    assert "ProviderUnreachable(&#39;Wave ne répond pas&#39;)" in row.group(0)
    assert "id_webhook = 41" in row.group(0)
    assert "10 / 10" in row.group(0)
    assert "Awa" not in page.text  # free text of the payload is never shown

    without = await client.post(
        f"/admin/taches/{job_id}/relance",
        data={"csrf_token": csrf_of(page), "motif": ""},
        headers=ORIGIN,
    )
    assert "Indiquez un motif" in await _flash(client, without)
    assert await _scalar(db_engine, "SELECT statut FROM tache WHERE id_tache = :i", i=job_id) == (
        "abandonnee"
    )
    no_token = await client.post(
        f"/admin/taches/{job_id}/relance", data={"motif": "Sans jeton"}, headers=ORIGIN
    )
    assert no_token.status_code == 403

    done = await post_form(
        client,
        "/admin/taches",
        f"/admin/taches/{job_id}/relance",
        motif="Wave rétabli à 10 h",
    )
    assert f"Tâche n° {job_id} (operations.notification) relancée." in await _flash(client, done)
    assert await _scalar(db_engine, "SELECT statut FROM tache WHERE id_tache = :i", i=job_id) == (
        "en_attente"
    )
    assert (
        await _scalar(
            db_engine,
            "SELECT count(*) FROM journal_audit WHERE action = 'tache.relance'"
            " AND cle_cible = :k AND motif = 'Wave rétabli à 10 h'",
            k=str(job_id),
        )
        == 1
    )


async def test_cancelling_from_the_desk_and_a_refusal_in_french(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    job_id = await _abandoned(db_engine)
    await make_admin(db_engine)
    await sign_in(client)

    token = csrf_of(await client.get("/admin/taches"))
    done = await client.post(
        f"/admin/taches/{job_id}/annulation",
        data={"csrf_token": token, "motif": "Doublon connu"},
        headers=ORIGIN,
    )
    assert f"Tâche n° {job_id} (operations.notification) annulée." in await _flash(client, done)
    again = await client.post(  # from a page opened before the cancellation
        f"/admin/taches/{job_id}/relance",
        data={"csrf_token": token, "motif": "Par erreur"},
        headers=ORIGIN,
    )
    assert "Seule une tâche abandonnée peut être relancée" in await _flash(client, again)
    assert (
        await _scalar(
            db_engine,
            "SELECT string_agg(action, ',' ORDER BY id_audit) FROM journal_audit"
            " WHERE table_cible = 'tache' AND cle_cible = :k",
            k=str(job_id),
        )
        == "tache.annulation"
    )


async def test_a_stuck_deposit_is_asked_about_through_the_operation_page_action(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa = await person(client, db_engine, 36)
    started = await deposit(client, awa, 4_500)
    assert started.status_code == 202, started.text
    reference = started.json()["data"]["reference"]
    fresh = await deposit(client, awa, 1_000)
    async with db_engine.begin() as connection:  # as if ten minutes had passed
        await connection.execute(
            text(
                "UPDATE operation_fournisseur SET date_creation = now() - interval '10 minutes'"
                " WHERE reference = CAST(:r AS uuid)"
            ),
            {"r": reference},
        )
    await make_admin(db_engine)
    await sign_in(client)

    page = await client.get("/admin/taches")
    table = re.search(r'<table[^>]*id="operations-bloquees".*?</table>', page.text, re.S)
    assert table, page.text[-3000:]
    assert reference in table.group(0)
    assert fresh.json()["data"]["reference"] not in table.group(0)  # not stuck yet
    assert "4 500 XOF" in table.group(0)
    action = f"/admin/operations/{reference}/verification"
    assert f'action="{action}"' in table.group(0)

    asked = await client.post(action, data={"csrf_token": csrf_of(page)}, headers=ORIGIN)
    assert asked.status_code == 303
    assert asked.headers["location"] == f"/admin/operations/{reference}"
    assert "Fournisseur interrogé" in (await client.get(asked.headers["location"])).text
