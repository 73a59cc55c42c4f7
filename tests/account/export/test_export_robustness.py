"""The export under pressure: two requests at once, a job run twice, a disk that refuses
the archive (retried, then failed and told), and production's Cloudinary storage (the fake
Upload API of the media tests)."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.jobs.retention import RETENTION_JOB
from tests.conftest import make_settings
from tests.factories import asgi_client, execute, scalar
from tests.media.conftest import media_settings
from tests.media.test_cloudinary import (  # noqa: F401 (fixtures)
    FakeCloudinary,
    fake_cloudinary,
)
from tests.operations.helpers import settle
from tests.wallet.helpers import admin_token, credit, person

PATH = "/api/mon-compte/exports"


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Any]:
    application = create_app(
        make_settings(HOSTOLINK_DATA_DIR=str(tmp_path)), database_url=database_url
    )
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as http:
        yield http


async def test_two_requests_at_once_make_one_export(
    app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    awa = await person(client, db_engine, 1)
    answers = await asyncio.gather(*(client.post(PATH, headers=awa.headers) for _ in range(6)))
    assert sorted(a.status_code for a in answers) == [202, 409, 409, 409, 409, 409]
    assert await scalar(db_engine, "SELECT count(*) FROM export_donnees") == 1
    assert await scalar(db_engine, "SELECT count(*) FROM tache WHERE nom = 'compte.export'") == 1


async def test_a_job_run_twice_keeps_one_archive(
    app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine, tmp_path: Path
) -> None:
    awa = await person(client, db_engine, 1)
    export_id = (await client.post(PATH, headers=awa.headers)).json()["data"]["id_export"]
    await settle(app)
    # As if a worker whose lease ran out finished after the one that completed it.
    assert await app.state.exports.build(export_id) is False
    assert len(list((tmp_path / "exports_prives").glob("*.zip"))) == 1
    ready = await scalar(
        db_engine,
        "SELECT count(*) FROM notification WHERE titre = 'Vos données sont prêtes'",
    )
    assert ready == 1


async def test_a_refused_disk_is_retried_then_the_request_fails(
    app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine, tmp_path: Path
) -> None:
    awa = await person(client, db_engine, 1)
    (tmp_path / "exports_prives").write_text("un fichier à la place du dossier")
    export_id = (await client.post(PATH, headers=awa.headers)).json()["data"]["id_export"]
    for attempt in (1, 2, 3):
        assert await app.state.worker.run_once() == 1
        status = await scalar(
            db_engine, "SELECT statut FROM export_donnees WHERE id_export = :i", i=export_id
        )
        assert status == ("echoue" if attempt == 3 else "en_cours")
        # Due again at once (the queue's backoff is not what this test waits for).
        await execute(db_engine, "UPDATE tache SET date_execution = now()")
    listed = (await client.get(PATH, headers=awa.headers)).json()["data"]
    assert listed[0]["statut"] == "echoue"
    assert "refaire une demande" in listed[0]["message"]
    assert "Error" not in listed[0]["message"]  # the technical error stays in the table
    assert await scalar(
        db_engine, "SELECT erreur FROM export_donnees WHERE id_export = :i", i=export_id
    )
    # The disk is back: a new request goes through.
    (tmp_path / "exports_prives").unlink()
    assert (await client.post(PATH, headers=awa.headers)).status_code == 202
    await settle(app)
    assert (await client.get(PATH, headers=awa.headers)).json()["data"][0]["statut"] == "pret"


@pytest.fixture
async def cloud_app(
    database_url: str,
    db_engine: AsyncEngine,
    tmp_path: Path,
    fake_cloudinary: FakeCloudinary,  # noqa: F811
) -> AsyncIterator[Any]:
    url = (
        f"cloudinary://123456:le-secret@demo?upload_prefix=http://127.0.0.1:{fake_cloudinary.port}"
    )
    application = create_app(
        media_settings(tmp_path, CLOUDINARY_URL=url), database_url=database_url
    )
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()


async def test_on_cloudinary_the_archive_is_authenticated_and_erased(
    cloud_app: Any,
    fake_cloudinary: FakeCloudinary,  # noqa: F811
    db_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    async with asgi_client(cloud_app) as client:
        awa = await person(client, db_engine, 1)
        assert (await client.post(PATH, headers=awa.headers)).status_code == 202
        await settle(cloud_app)
        ((path, body),) = fake_cloudinary.requests
        assert path == "/v1_1/demo/raw/upload"
        assert b'name="type"\r\n\r\nauthenticated\r\n' in body
        assert b'name="public_id"\r\n\r\nhostolink/exports/' in body
        # The ZIP went up whole, and no copy stays on the instance's disk.
        start = body.index(b"PK\x03\x04")
        assert "donnees.json" in zipfile.ZipFile(io.BytesIO(body[start:])).namelist()
        assert list((tmp_path / "exports_prives").iterdir()) == []
        ready = (await client.get(PATH, headers=awa.headers)).json()["data"][0]
        served = await client.get(urlsplit(ready["lien"]["url"]).path)
        # Streamed through from Cloudinary's download API: our name, our headers.
        assert served.status_code == 200, served.text
        assert served.headers["cache-control"] == "no-store"
        assert served.headers["content-type"] == "application/zip"
        assert "hostolink-mes-donnees-" in served.headers["content-disposition"]
        assert "donnees.json" in zipfile.ZipFile(io.BytesIO(served.content)).namelist()
        download, _ = fake_cloudinary.requests[-1]
        target = urlsplit(download)
        assert target.path == "/v1_1/demo/raw/download"
        query = parse_qs(target.query)
        assert query["type"] == ["authenticated"]
        assert query["public_id"][0].startswith("hostolink/exports/")
        assert query["signature"]
        assert "le-secret" not in download
        # Cloudinary no longer has it: 410, as for an archive erased here.
        fake_cloudinary.raw.clear()
        gone = await client.get(urlsplit(ready["lien"]["url"]).path)
        assert gone.status_code == 410, gone.text

        retention = cloud_app.state.worker.handlers[RETENTION_JOB].__self__
        later = datetime.now(UTC) + timedelta(days=8)
        assert (await retention.purge(now=later)).deleted["export_donnees"] == 1
        assert fake_cloudinary.requests[-1][0] == "/v1_1/demo/raw/destroy"
        assert (await client.get(PATH, headers=awa.headers)).json()["data"][0]["statut"] == (
            "expire"
        )


async def test_a_long_history_is_read_in_pages_and_a_late_archive_is_not_offered(
    app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    """More entries than a page of the history (100): every one is in the file, in the
    API's order; past its 7 days an archive is listed expired even before the sweep."""
    awa = await person(client, db_engine, 1)
    admin = await admin_token(client, db_engine)
    for n in range(1, 131):
        await credit(client, admin, awa.numero_compte, n)
    assert (await client.post(PATH, headers=awa.headers)).status_code == 202
    await settle(app)
    ready = (await client.get(PATH, headers=awa.headers)).json()["data"][0]
    got = await client.get(urlsplit(ready["lien"]["url"]).path)
    archive = zipfile.ZipFile(io.BytesIO(got.content))
    rows = list(
        csv.DictReader(
            io.StringIO(archive.read("transactions.csv").decode("utf-8-sig")), delimiter=";"
        )
    )
    assert [int(r["montant"]) for r in rows] == list(range(130, 0, -1))
    assert int(rows[0]["solde_apres"]) == sum(range(1, 131))

    await execute(
        db_engine,
        "UPDATE export_donnees SET date_prete = date_prete - interval '8 days',"
        " date_expiration = date_expiration - interval '8 days'",
    )
    late = (await client.get(PATH, headers=awa.headers)).json()["data"][0]
    assert late["statut"] == "expire"
    assert late["lien"] is None
    assert (await client.get(urlsplit(ready["lien"]["url"]).path)).status_code == 410
