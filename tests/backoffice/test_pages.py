"""The back-office pages act through the domain services: KYC decisions, reversals,
moderation, management requests; generic edits are audited in the same transaction; the
dashboard counts what happened."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.discussions.hub import runtime_of
from hostolink.wallet.verify import verify
from tests.auth.helpers import bearer
from tests.backoffice.helpers import ORIGIN, csrf_of, post_form, sign_in
from tests.discussions.helpers import join, say
from tests.discussions.helpers import room as discussion_room
from tests.factories import member, user_id_of
from tests.kyc.helpers import submit
from tests.operations.helpers import deposit
from tests.social.helpers import post
from tests.wallet.helpers import admin_token, credit, make_admin, person, send


async def _scalar(engine: AsyncEngine, sql: str, **params: object) -> object:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql), params)


async def test_kyc_documents_side_by_side_then_approval(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa = await person(client, db_engine, 11)
    submitted = await submit(client, awa.headers, niveau=2)
    assert submitted.status_code == 201, submitted.text
    verification = submitted.json()["data"]["id_verification"]
    await make_admin(db_engine)
    await sign_in(client)

    queue = await client.get("/admin/kyc")
    assert queue.status_code == 200
    assert f"/admin/kyc/{verification}" in queue.text
    review = await client.get(f"/admin/kyc/{verification}")
    assert review.status_code == 200
    links = re.findall(r'<img src="(/api/kyc/fichiers/[^"]+)"', review.text)
    assert len(links) == 3  # recto, verso, selfie
    for link in links:
        image = await client.get(link)
        assert image.status_code == 200
        assert image.headers["content-type"].startswith("image/")
        assert "no-store" in image.headers["cache-control"]
    assert (await client.get(links[0] + "x")).status_code == 403  # a tampered link

    done = await post_form(
        client,
        f"/admin/kyc/{verification}",
        f"/admin/kyc/{verification}/approbation",
    )
    assert done.status_code == 303
    user_id = await user_id_of(db_engine, "telephone", awa.phone)
    assert (
        await _scalar(db_engine, "SELECT niveau_kyc FROM utilisateur WHERE id_user = :u", u=user_id)
        == 2
    )
    assert (
        await _scalar(
            db_engine,
            "SELECT count(*) FROM journal_audit WHERE action LIKE 'identite.%' AND cle_cible = :k",
            k=str(verification),
        )
        == 1
    )


async def test_reversal_from_the_transaction_page_once_with_a_reason(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    admin = await admin_token(client, db_engine)
    awa = await person(client, db_engine, 21)
    koffi = await person(client, db_engine, 22)
    assert (await credit(client, admin, awa.numero_compte, 10_000)).status_code == 200
    sent = await send(client, awa, koffi.phone, 2_500)
    assert sent.status_code == 201, sent.text
    reference = sent.json()["data"]["reference"]
    await sign_in(client)

    page = await client.get(f"/admin/transactions/{reference}")
    assert page.status_code == 200
    assert 'id="ecritures"' in page.text
    assert "2 500" in page.text
    without_reason = await client.post(
        f"/admin/transactions/{reference}/contre-passation",
        data={"csrf_token": csrf_of(page), "motif": ""},
        headers=ORIGIN,
    )
    assert without_reason.status_code == 303
    count_before = await _scalar(db_engine, 'SELECT count(*) FROM "transaction"')
    assert "Indiquez un motif" in (await client.get(f"/admin/transactions/{reference}")).text

    done = await post_form(
        client,
        f"/admin/transactions/{reference}",
        f"/admin/transactions/{reference}/contre-passation",
        motif="Erreur de destinataire signalée",
    )
    assert done.status_code == 303
    assert await _scalar(db_engine, 'SELECT count(*) FROM "transaction"') == count_before + 1
    again = await client.post(
        f"/admin/transactions/{reference}/contre-passation",
        data={"csrf_token": csrf_of(page), "motif": "Deuxième fois"},
        headers=ORIGIN,
    )
    assert again.status_code == 303
    assert await _scalar(db_engine, 'SELECT count(*) FROM "transaction"') == count_before + 1
    me = (await client.get("/api/portefeuille", headers=awa.headers)).json()["data"]
    assert me["solde"] == 10_000
    async with db_engine.connect() as connection:
        report = await verify(connection)
    assert report.ok, report


async def test_moderation_queue_hides_a_reported_post(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa = await member(client, db_engine, 31)
    koffi = await member(client, db_engine, 32, prenom="Koffi")
    data = await post(client, awa, "Faux remède miracle")
    body = {"id_publication": data["id_publication"], "motif": "desinformation"}
    assert (
        await client.post("/api/signalements", json=body, headers=koffi.headers)
    ).status_code == 201
    await make_admin(db_engine)
    await sign_in(client)
    queue = await client.get("/admin/moderation")
    assert "Faux remède miracle" in queue.text
    report = await _scalar(db_engine, "SELECT id_signalement FROM signalement")
    done = await post_form(
        client, "/admin/moderation", f"/admin/moderation/{report}/masquer", motif="Désinformation"
    )
    assert done.status_code == 303
    feed = await client.get("/api/publications", headers=koffi.headers)
    assert "Faux remède miracle" not in feed.text
    assert "Aucun signalement en attente" in (await client.get("/admin/moderation")).text


async def test_moderation_queue_hides_a_reported_room_message(
    app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    """Hidden from the history and withdrawn from the screens connected to the room (the
    app's own hub, in-process here, carries the `retrait` frame to its sockets)."""
    room_id = await discussion_room(client, db_engine, "Nutrition")
    awa = await member(client, db_engine, 33)
    koffi = await member(client, db_engine, 34)
    for someone in (awa, koffi):
        await join(client, someone, room_id)
    message = await say(client, awa, room_id, "Arrêtez votre traitement, buvez ma tisane")
    path = f"/api/thematiques/{room_id}/messages/{message['id_message']}/signalement"
    reported = await client.post(path, json={"motif": "desinformation"}, headers=koffi.headers)
    assert reported.status_code == 201, reported.text
    await make_admin(db_engine)
    await sign_in(client)
    queue = await client.get("/admin/moderation")
    assert "Arrêtez votre traitement" in queue.text
    assert f"du salon n° {room_id}" in queue.text
    report = await _scalar(db_engine, "SELECT id_signalement FROM signalement")
    async with runtime_of(app).hub.subscribe(room_id) as screen:
        done = await post_form(
            client, "/admin/moderation", f"/admin/moderation/{report}/masquer", motif="Dangereux"
        )
        assert done.status_code == 303
        withdrawn = screen.get_nowait()
    assert withdrawn == {
        "type": "retrait",
        "id_thematique": room_id,
        "id_message": message["id_message"],
    }
    history = await client.get(f"/api/thematiques/{room_id}/messages", headers=koffi.headers)
    assert "buvez ma tisane" not in history.text


async def test_generic_edits_are_audited_with_before_and_after(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    await make_admin(db_engine, super_admin=True)
    await sign_in(client)
    form = await client.get("/admin/annonce/create")
    assert form.status_code == 200
    start = datetime.now(UTC).replace(microsecond=0)
    created = await client.post(
        "/admin/annonce/create",
        data={
            "titre": "Campagne de vaccination",
            "description": "Gratuit samedi",
            "lien": "",
            "emplacement": "accueil",
            "priorite": "1",
            "date_debut": start.strftime("%Y-%m-%d %H:%M:%S"),
            "date_fin": (start + timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S"),
            "actif": "y",
            "save": "Enregistrer",
        },
        headers=ORIGIN,
    )
    assert created.status_code == 302, created.text[-2000:]
    shown = await client.get("/api/annonces")
    assert "Campagne de vaccination" in shown.text
    async with db_engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT action, id_acteur, apres FROM journal_audit"
                    " WHERE table_cible = 'annonce'"
                )
            )
        ).one()
    assert row.action == "backoffice.annonce.creation"
    assert row.id_acteur is not None
    assert row.apres["titre"] == "Campagne de vaccination"

    # A generic create from another site is refused before anything is written.
    foreign = await client.post(
        "/admin/annonce/create",
        data={"titre": "Piège"},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403


async def test_the_dashboard_counts_the_day(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    admin = await admin_token(client, db_engine)
    awa = await person(client, db_engine, 41)
    koffi = await person(client, db_engine, 42)
    await credit(client, admin, awa.numero_compte, 5_000)
    assert (await send(client, awa, koffi.phone, 1_000)).status_code == 201
    await sign_in(client)
    home = await client.get("/admin/")
    assert home.status_code == 200
    today = datetime.now(UTC).date().isoformat()
    row = re.search(rf"<tr><td>{today}</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", home.text)
    assert row, "today's line is in the table"
    signups, transactions, volume = (int(x) for x in row.groups())
    assert signups == 3  # the admin and two people
    assert transactions == 2  # the credit and the transfer
    assert volume == 6_000
    assert 'data-total="personnes">3<' in home.text


async def test_management_request_approved_from_the_queue(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    async with db_engine.begin() as connection:
        establishment = await connection.scalar(
            text(
                "INSERT INTO etablissement_sante (nom, nom_normalise, texte_recherche, categorie)"
                " VALUES ('Clinique Test', 'clinique test', 'clinique test', 'clinique')"
                " RETURNING id_etablissement"
            )
        )
    manager = await person(client, db_engine, 51)
    asked = await client.post(
        f"/api/etablissements/{establishment}/demandes-gestion",
        json={"justificatif": "Je suis le directeur"},
        headers=bearer(manager.token),
    )
    assert asked.status_code == 201, asked.text
    await make_admin(db_engine)
    await sign_in(client)
    queue = await client.get("/admin/demandes")
    assert "Clinique Test" in queue.text
    manager_id = await user_id_of(db_engine, "telephone", manager.phone)
    done = await post_form(
        client, "/admin/demandes", f"/admin/demandes/{establishment}/{manager_id}/approbation"
    )
    assert done.status_code == 303
    mine = await client.get("/api/mes-etablissements", headers=bearer(manager.token))
    assert "Clinique Test" in mine.text


async def test_an_undecided_deposit_closed_by_hand_credits_once(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa = await person(client, db_engine, 35)
    started = await deposit(client, awa, 3_000)
    assert started.status_code == 202, started.text
    reference = started.json()["data"]["reference"]
    await make_admin(db_engine)
    await sign_in(client)
    page = await client.get(f"/admin/operations/{reference}")
    assert "Clore l'opération" in page.text

    refused = await post_form(
        client,
        f"/admin/operations/{reference}",
        f"/admin/operations/{reference}/resolution",
        statut="peut-etre",
        motif="Vérifié auprès de l'opérateur",
    )
    assert refused.status_code == 303
    follow = await client.get(f"/admin/operations/{reference}")
    assert "Choisissez « réussie » ou « échouée »." in follow.text

    done = await post_form(
        client,
        f"/admin/operations/{reference}",
        f"/admin/operations/{reference}/resolution",
        statut="reussie",
        motif="Paiement confirmé par le relevé Wave",
    )
    assert done.status_code == 303
    follow = await client.get(f"/admin/operations/{reference}")
    assert "Opération close à la main : reussie." in follow.text
    again = await client.post(
        f"/admin/operations/{reference}/resolution",
        data={"csrf_token": csrf_of(page), "statut": "reussie", "motif": "Encore une fois"},
        headers=ORIGIN,
    )
    assert again.status_code == 303
    follow = await client.get(again.headers["location"])
    assert "Cette opération est déjà finalisée." in follow.text
    me = await client.get("/api/user/me", headers=awa.headers)
    assert me.json()["data"]["compte"]["solde"] == 3_000
    audited = await _scalar(
        db_engine,
        "SELECT count(*) FROM journal_audit WHERE action = 'operation.resolution'"
        " AND cle_cible = :ref AND motif = 'Paiement confirmé par le relevé Wave'",
        ref=reference,
    )
    assert audited == 1
    async with db_engine.connect() as connection:
        report = await verify(connection)
    assert report.ok, report
