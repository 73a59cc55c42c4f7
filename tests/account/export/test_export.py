"""Export my data, proven on real PostgreSQL with a person who has money history: sandbox
deposits, transfers both ways, a withdrawal, a post, a comment, a room message and
notifications; the job run by the application's own worker; the archive opened and each
file compared with what the API shows."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.account.export import links
from hostolink.app import create_app
from hostolink.jobs.retention import RETENTION_JOB
from tests.auth.helpers import bearer
from tests.conftest import make_settings
from tests.factories import asgi_client, execute, scalar
from tests.operations.helpers import deposit, pay, settle, withdraw
from tests.wallet.helpers import Person, admin_token, credit, person, send

PATH = "/api/mon-compte/exports"
FILES = {
    "donnees.json",
    "LISEZMOI.txt",
    "profil.csv",
    "transactions.csv",
    "operations.csv",
    "publications.csv",
    "commentaires.csv",
    "messages.csv",
    "assistance.csv",
    "reclamations.csv",
    "notifications.csv",
    "contacts.csv",
    "appareils.csv",
    "verifications_identite.csv",
}


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Any]:
    application = create_app(
        make_settings(
            SANDBOX_DUPLICATE_RATE=0,
            SANDBOX_PAYOUT_DELAY_SECONDS=0,
            HOSTOLINK_DATA_DIR=str(tmp_path),
        ),
        database_url=database_url,
    )
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as http:
        yield http


def _path(url: str) -> str:
    return urlsplit(url).path


async def _history(client: httpx.AsyncClient, who: Person) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limite": 7}  # several pages
        if cursor:
            params["curseur"] = cursor
        page = await client.get("/api/transactions", params=params, headers=who.headers)
        assert page.status_code == 200, page.text
        items += page.json()["data"]
        cursor = page.json()["curseur_suivant"]
        if cursor is None:
            return items


async def _money_history(
    app: Any, client: httpx.AsyncClient, engine: AsyncEngine
) -> tuple[Person, Person]:
    """Awa: two sandbox deposits, a transfer to Ben and one back, a withdrawal; a post, a
    comment, a room message; Ben: funded by an adjustment."""
    awa = await person(client, engine, 1)
    ben = await person(client, engine, 2)
    admin = await admin_token(client, engine)
    await credit(client, admin, ben.numero_compte, 30_000)
    for amount in (20_000, 7_500):
        started = await deposit(client, awa, amount)
        assert started.status_code == 202, started.text
        await pay(client, started)
        await settle(app)
    assert (await send(client, awa, ben.national, 5_000)).status_code == 201
    assert (await send(client, ben, awa.national, 2_000)).status_code == 201
    out = await withdraw(client, awa, 3_000)
    assert out.status_code == 202, out.text
    await settle(app)
    post = await client.post(
        "/api/publications", json={"contenu": "Dépistage gratuit samedi."}, headers=awa.headers
    )
    assert post.status_code == 201, post.text
    post_id = post.json()["data"]["id_publication"]
    comment = await client.post(
        f"/api/publications/{post_id}/commentaires",
        json={"contenu": "Venez nombreux ; c'est gratuit."},
        headers=awa.headers,
    )
    assert comment.status_code == 201, comment.text
    room = await client.post(
        "/api/admin/thematiques", json={"titre": "Santé de la mère"}, headers=bearer(admin)
    )
    room_id = room.json()["data"]["id_thematique"]
    joined = await client.post(f"/api/thematiques/{room_id}/membres", headers=awa.headers)
    assert joined.status_code == 201, joined.text
    said = await client.post(
        f"/api/thematiques/{room_id}/messages",
        json={"contenu": "Bonjour à toutes"},
        headers=awa.headers,
    )
    assert said.status_code == 201, said.text
    saved = await client.post(
        "/api/contacts", json={"identifiant": ben.national, "alias": "Ben"}, headers=awa.headers
    )
    assert saved.status_code == 201, saved.text
    # A help-desk conversation: Awa's question, the support's answer and an agent's internal
    # note (never exported), and a claim (written as the API would).
    awa_id = await scalar(
        engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
    )
    await execute(
        engine,
        "WITH c AS (INSERT INTO conversation_assistance (id_user, sujet) VALUES (:u, 'Mon retrait')"
        " RETURNING id_conversation), m AS (INSERT INTO message_assistance (id_conversation,"
        " id_auteur, auteur, contenu, interne) SELECT id_conversation, :u, 'utilisateur',"
        " 'Où est mon retrait ?', false FROM c UNION ALL SELECT id_conversation, NULL, 'agent',"
        " 'Il est parti.', false FROM c UNION ALL SELECT id_conversation, NULL, 'agent',"
        " 'Note : personne connue', true FROM c)"
        " INSERT INTO reclamations (id_conversation, id_user, id_operation, categorie, description)"
        " SELECT c.id_conversation, :u, o.id_operation, 'non_recu', 'Rien reçu sur mon numéro'"
        " FROM c, operation_fournisseur o WHERE o.id_user = :u AND o.sens = 'retrait'",
        u=awa_id,
    )
    return awa, ben


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    raw = archive.read(name)
    assert raw.startswith(b"\xef\xbb\xbf"), f"{name}: no BOM, Excel would garble accents"
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].count(";") >= 1
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


async def _ready(client: httpx.AsyncClient, who: Person) -> dict[str, Any]:
    listed = await client.get(PATH, headers=who.headers)
    assert listed.status_code == 200, listed.text
    first: dict[str, Any] = listed.json()["data"][0]
    return first


async def test_the_archive_holds_what_the_api_shows(
    app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine, tmp_path: Path
) -> None:
    awa, ben = await _money_history(app, client, db_engine)

    asked = await client.post(PATH, headers=awa.headers)
    assert asked.status_code == 202, asked.text
    export_id = asked.json()["data"]["id_export"]
    assert asked.json()["data"]["statut"] == "en_attente"
    assert asked.json()["data"]["lien"] is None
    again = await client.post(PATH, headers=awa.headers)
    assert again.status_code == 409, again.text
    assert again.json()["id_export"] == export_id
    assert "déjà en préparation" in again.json()["message"]

    await settle(app)  # the application's worker runs the job
    ready = await _ready(client, awa)
    assert ready["id_export"] == export_id
    assert ready["statut"] == "pret"
    assert ready["taille"] > 0
    expires = datetime.fromisoformat(ready["date_expiration"])
    prepared = datetime.fromisoformat(ready["date_prete"])
    assert expires - prepared == timedelta(days=7)
    url = ready["lien"]["url"]
    assert "/api/mon-compte/exports/telechargement/" in url

    # The person is told, in the app.
    inbox = await client.get("/api/notifications", headers=awa.headers)
    told = [n for n in inbox.json()["data"]["notifications"] if n["type_notification"] == "systeme"]
    assert told, inbox.text
    assert told[0]["titre"] == "Vos données sont prêtes"
    assert "valable 7 jours" in told[0]["contenu"]

    # Nothing of the archive under the public media folder; it sits in the private one.
    assert not (tmp_path / "media").exists() or not list((tmp_path / "media").rglob("*.zip"))
    assert len(list((tmp_path / "exports_prives").glob("*.zip"))) == 1

    # Downloaded without a bearer: the signed link is the credential.
    got = await client.get(_path(url))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/zip"
    day = prepared.date().isoformat()
    assert got.headers["content-disposition"] == (
        f'attachment; filename="hostolink-mes-donnees-{day}.zip"'
    )
    assert got.headers["cache-control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(got.content))
    assert set(archive.namelist()) == FILES

    # transactions.csv and the JSON are the history the API serves, item for item.
    api = await _history(client, awa)
    assert len(api) == 5  # 2 deposits, 2 transfers, a withdrawal (its fee in its entry)
    rows = _csv(archive, "transactions.csv")
    data = json.loads(archive.read("donnees.json"))
    assert len(rows) == len(api) == len(data["transactions"])
    for row, item, structured in zip(rows, api, data["transactions"], strict=True):
        assert row["reference"] == item["reference"] == structured["reference"]
        assert int(row["montant"]) == item["montant"] == structured["montant"]
        assert int(row["frais"]) == item["frais"] == structured["frais"]
        assert int(row["solde_apres"]) == item["solde_apres"] == structured["solde_apres"]
        assert row["sens"] == item["sens"] == structured["sens"]
        assert row["type_transaction"] == item["type_transaction"]
        assert structured["contrepartie"] == item["contrepartie"]
        shown = item["contrepartie"] or {}
        assert row["contrepartie_telephone"] == (shown.get("telephone_masque") or "")
        moment = datetime.fromisoformat(item["date"])
        assert datetime.fromisoformat(structured["date"]) == moment
        assert row["date"] == moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    me = (await client.get("/api/user/me", headers=awa.headers)).json()["data"]["compte"]
    signed = sum(
        r["montant"] if r["sens"] == "entrant" else -(r["montant"] + r["frais"]) for r in api
    )
    assert signed == me["solde"] == int(rows[0]["solde_apres"])
    profile = _csv(archive, "profil.csv")
    assert len(profile) == 1
    assert int(profile[0]["solde"]) == me["solde"] == data["profil"]["solde"]
    assert profile[0]["telephone"] == awa.phone

    # Deposits and the withdrawal, with their provider, status and steps.
    operations = _csv(archive, "operations.csv")
    assert sorted((o["sens"], int(o["montant"])) for o in operations) == [
        ("depot", 7_500),
        ("depot", 20_000),
        ("retrait", 3_000),
    ]
    assert {o["fournisseur"] for o in operations} == {"sandbox"}
    for structured in data["operations"]:
        assert structured["historique"], structured
        answer = await client.get(f"/api/operations/{structured['reference']}", headers=awa.headers)
        assert answer.json()["data"]["statut"] == structured["statut"]

    # Posts, comments, the room message, notifications, contacts.
    assert [p["contenu"] for p in _csv(archive, "publications.csv")] == [
        "Dépistage gratuit samedi."
    ]
    assert [c["contenu"] for c in _csv(archive, "commentaires.csv")] == [
        "Venez nombreux ; c'est gratuit."
    ]
    said = _csv(archive, "messages.csv")
    assert [(m["thematique"], m["contenu"]) for m in said] == [
        ("Santé de la mère", "Bonjour à toutes")
    ]
    support = _csv(archive, "assistance.csv")
    assert [(m["auteur"], m["contenu"]) for m in support] == [
        ("vous", "Où est mon retrait ?"),
        ("support", "Il est parti."),
    ]
    (claim,) = _csv(archive, "reclamations.csv")
    assert (claim["categorie"], claim["statut"]) == ("non_recu", "ouverte")
    assert len(data["assistance"]) == 2
    assert len(data["reclamations"]) == 1
    notifications = _csv(archive, "notifications.csv")
    count = await scalar(
        db_engine,
        "SELECT count(*) FROM notification WHERE id_user ="
        " (SELECT id_user FROM utilisateur WHERE telephone = :t)"
        " AND titre <> 'Vos données sont prêtes'",
        t=awa.phone,
    )
    # Every notification but the one announcing this very archive (written after it).
    assert len(notifications) == len(data["notifications"]) == count
    assert notifications
    (contact,) = _csv(archive, "contacts.csv")
    assert contact["alias"] == "Ben"

    # Nobody else's private data: Ben's number appears masked only, in no file whole.
    for name in archive.namelist():
        content = archive.read(name).decode("utf-8-sig")
        assert ben.phone not in content, name
        assert ben.national not in content, name
        assert ben.phone[4:] not in content, name
    readme = archive.read("LISEZMOI.txt").decode("utf-8-sig")
    assert "pièces d'identité" in readme
    assert "ne contient pas" in readme

    # Ben lists only his own (none) and cannot turn Awa's link into another export.
    assert (await client.get(PATH, headers=ben.headers)).json()["data"] == []
    token = url.rsplit("/", 1)[-1]
    _, expiry, seal = token.split(".")
    forged = await client.get(f"{PATH}/telechargement/{export_id + 1}.{expiry}.{seal}")
    assert forged.status_code == 403
    assert "invalide" in forged.json()["message"]
    stretched = await client.get(f"{PATH}/telechargement/{export_id}.{int(expiry) + 3600}.{seal}")
    assert stretched.status_code == 403
    key = links.link_key(app.state.signing_key)
    old = links.sign(key, export_id, datetime.now(UTC) - timedelta(seconds=1))
    expired = await client.get(f"{PATH}/telechargement/{old}")
    assert expired.status_code == 410
    assert "expiré" in expired.json()["message"]

    # Seven days on, the retention purge erases the archive and marks the request expired.
    retention = app.state.worker.handlers[RETENTION_JOB].__self__
    report = await retention.purge(now=datetime.now(UTC) + timedelta(days=6))
    assert report.deleted["export_donnees"] == 0
    report = await retention.purge(now=expires + timedelta(seconds=1))
    assert report.deleted["export_donnees"] == 1
    assert list((tmp_path / "exports_prives").glob("*.zip")) == []
    gone = await _ready(client, awa)
    assert gone["statut"] == "expire"
    assert gone["lien"] is None
    late = await client.get(_path(url))
    assert late.status_code == 410
    assert "effacée" in late.json()["message"]


async def test_at_most_three_requests_a_day(
    app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa = await person(client, db_engine, 1)
    for _ in range(3):
        asked = await client.post(PATH, headers=awa.headers)
        assert asked.status_code == 202, asked.text
        await settle(app)
    refused = await client.post(PATH, headers=awa.headers)
    assert refused.status_code == 429, refused.text
    wait = int(refused.headers["retry-after"])
    assert 23 * 3600 < wait <= 24 * 3600 + 1
    assert "24 heures" in refused.json()["message"]
    # A day later the oldest no longer counts.
    await execute(
        db_engine,
        "UPDATE export_donnees SET date_demande = date_demande - interval '25 hours'"
        " WHERE id_export = (SELECT min(id_export) FROM export_donnees)",
    )
    assert (await client.post(PATH, headers=awa.headers)).status_code == 202


async def test_a_person_without_history_gets_empty_sections(
    app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa = await person(client, db_engine, 1)
    assert (await client.post(PATH, headers=awa.headers)).status_code == 202
    await settle(app)
    ready = await _ready(client, awa)
    got = await client.get(_path(ready["lien"]["url"]))
    archive = zipfile.ZipFile(io.BytesIO(got.content))
    assert _csv(archive, "transactions.csv") == []
    data = json.loads(archive.read("donnees.json"))
    assert data["transactions"] == []
    assert data["publications"] == []
    assert data["profil"]["telephone"] == awa.phone
