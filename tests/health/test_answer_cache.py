"""The public directory answers kept per process (health/answers.py): the bytes FastAPI would
send, ETag / 304 / Cache-Control, and invalidation by `version_annuaire`, in the editing
process at once and in another instance of the app within its version period."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.health.answers import PUBLIC_CACHE, AnswerCache, Kept
from hostolink.health.schemas import EstablishmentAnswer, NearAnswer, SearchAnswer
from hostolink.health.service import Directory
from tests.auth.helpers import bearer
from tests.conftest import make_settings
from tests.factories import asgi_client, execute, scalar
from tests.health.helpers import PLATEAU, create_places
from tests.wallet.helpers import admin_token

NEAR = {"lat": PLATEAU[0], "lon": PLATEAU[1], "rayon": 400_000}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _same_bytes_as_the_model(response: httpx.Response, model: type[BaseModel]) -> None:
    """The answer is byte for byte what the route's `response_model` would have written."""
    assert (
        response.content
        == model.model_validate_json(response.content).model_dump_json(by_alias=True).encode()
    )


@pytest.fixture
async def places(client: httpx.AsyncClient, db_engine: AsyncEngine) -> dict[str, Any]:
    admin = await admin_token(client, db_engine)
    ids = await create_places(client, admin)
    return {"admin": admin, "ids": ids}


@pytest.fixture
async def other_instance(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    """A second app on the same database: another process or instance, with caches of its
    own, and a clock the test moves."""
    application = create_app(make_settings(), database_url=database_url)
    application.state.directory.answers.now = FakeClock()
    yield application
    await application.state.db.dispose()


class TestEncoding:
    async def test_near_search_and_detail_are_the_models_bytes(
        self, client: httpx.AsyncClient, places: dict[str, Any]
    ) -> None:
        near = await client.get("/api/etablissements/proches", params=NEAR)
        assert near.status_code == 200
        assert near.headers["content-type"] == "application/json"
        assert len(near.json()["data"]) == 5
        _same_bytes_as_the_model(near, NearAnswer)
        found = await client.get("/api/etablissements/recherche", params={"q": "chu"})
        assert found.json()["data"]
        _same_bytes_as_the_model(found, SearchAnswer)
        identifier = places["ids"]["CHU de Cocody"]
        detail = await client.get(f"/api/etablissements/{identifier}")
        assert detail.json()["data"]["nom"] == "CHU de Cocody"
        _same_bytes_as_the_model(detail, EstablishmentAnswer)

    async def test_a_kept_answer_is_the_same_bytes(
        self, client: httpx.AsyncClient, places: dict[str, Any]
    ) -> None:
        first = await client.get("/api/etablissements/proches", params=NEAR)
        again = await client.get("/api/etablissements/proches", params=NEAR)
        assert again.content == first.content
        assert again.headers["etag"] == first.headers["etag"]


class TestHttpCaching:
    @pytest.mark.parametrize(
        "path", ["/api/etablissements/proches", "/api/etablissements/recherche", "detail"]
    )
    async def test_etag_cache_control_and_304(
        self, client: httpx.AsyncClient, places: dict[str, Any], path: str
    ) -> None:
        params: dict[str, Any] = {}
        if path == "detail":
            path = f"/api/etablissements/{places['ids']['CHU de Treichville']}"
        elif path.endswith("proches"):
            params = NEAR
        else:
            params = {"q": "chu cocody"}
        first = await client.get(path, params=params)
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong: no W/
        assert first.headers["cache-control"] == PUBLIC_CACHE
        same = await client.get(path, params=params, headers={"If-None-Match": etag})
        assert same.status_code == 304
        assert same.content == b""
        assert same.headers["etag"] == etag
        assert same.headers["cache-control"] == PUBLIC_CACHE
        listed = await client.get(path, params=params, headers={"If-None-Match": f'"x", {etag}'})
        assert listed.status_code == 304
        other = await client.get(path, params=params, headers={"If-None-Match": '"autre"'})
        assert other.status_code == 200
        assert other.content == first.content

    async def test_a_kept_answer_is_revalidated_without_a_query(
        self, app: Any, client: httpx.AsyncClient, places: dict[str, Any]
    ) -> None:
        first = await client.get("/api/etablissements/proches", params=NEAR)
        directory: Directory = app.state.directory

        async def no_query(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("the kept answer should have been used")

        directory.near = no_query  # type: ignore[method-assign]
        directory.answers.now = lambda: directory.answers.checked_at  # within the period
        etag = first.headers["etag"]
        same = await client.get(
            "/api/etablissements/proches", params=NEAR, headers={"If-None-Match": etag}
        )
        assert same.status_code == 304
        again = await client.get("/api/etablissements/proches", params=NEAR)
        assert again.content == first.content

    async def test_unknown_establishment_is_not_kept(
        self, client: httpx.AsyncClient, places: dict[str, Any]
    ) -> None:
        assert (await client.get("/api/etablissements/999999")).status_code == 404
        assert (await client.get("/api/etablissements/999999")).status_code == 404


class TestInvalidation:
    async def test_an_edit_through_the_api_shows_at_once_in_its_process(
        self, client: httpx.AsyncClient, places: dict[str, Any]
    ) -> None:
        before = await client.get("/api/etablissements/proches", params=NEAR)
        identifier = places["ids"]["CHU de Cocody"]
        detail = await client.get(f"/api/etablissements/{identifier}")
        edit = await client.patch(
            f"/api/admin/etablissements/{identifier}",
            json={"nom": "CHU de Cocody (rénové)"},
            headers=bearer(places["admin"]),
        )
        assert edit.status_code == 200
        after = await client.get("/api/etablissements/proches", params=NEAR)
        assert "CHU de Cocody (rénové)" in [item["nom"] for item in after.json()["data"]]
        assert after.headers["etag"] != before.headers["etag"]
        stale = await client.get(
            f"/api/etablissements/{identifier}", headers={"If-None-Match": detail.headers["etag"]}
        )
        assert stale.status_code == 200
        assert stale.json()["data"]["nom"] == "CHU de Cocody (rénové)"

    async def test_another_instance_follows_within_its_version_period(
        self,
        client: httpx.AsyncClient,
        other_instance: Any,
        places: dict[str, Any],
    ) -> None:
        clock: FakeClock = other_instance.state.directory.answers.now
        identifier = places["ids"]["CHU de Treichville"]
        async with asgi_client(other_instance) as other:
            before = await other.get("/api/etablissements/proches", params=NEAR)
            assert "CHU de Treichville" in [item["nom"] for item in before.json()["data"]]
            edit = await client.patch(
                f"/api/admin/etablissements/{identifier}",
                json={"visible": False},
                headers=bearer(places["admin"]),
            )
            assert edit.status_code == 200
            # Within its period, the other instance may still serve what it kept: the bound.
            kept = await other.get("/api/etablissements/proches", params=NEAR)
            assert kept.content == before.content
            clock.now += other_instance.state.directory.answers.version_ttl
            after = await other.get("/api/etablissements/proches", params=NEAR)
            assert "CHU de Treichville" not in [item["nom"] for item in after.json()["data"]]
            hidden = await other.get(f"/api/etablissements/{identifier}")
            assert hidden.status_code == 404

    async def test_a_write_in_sql_changes_the_version_too(
        self,
        db_engine: AsyncEngine,
        other_instance: Any,
        places: dict[str, Any],
    ) -> None:
        """Any writer (an import, a script, psql) invalidates: the triggers, not the code."""
        clock: FakeClock = other_instance.state.directory.answers.now
        identifier = places["ids"]["Pharmacie du Plateau"]
        version = await scalar(db_engine, "SELECT version FROM version_annuaire")
        async with asgi_client(other_instance) as other:
            before = await other.get(f"/api/etablissements/{identifier}")
            assert before.json()["data"]["horaires"] == []
            await execute(
                db_engine,
                "INSERT INTO horaire_etablissement"
                " (id_etablissement, jour_semaine, heure_ouverture, heure_fermeture)"
                " VALUES (:id, 1, '08:00', '18:00')",
                id=identifier,
            )
            assert await scalar(db_engine, "SELECT version FROM version_annuaire") > version
            clock.now += other_instance.state.directory.answers.version_ttl
            after = await other.get(f"/api/etablissements/{identifier}")
            assert after.json()["data"]["horaires"][0]["ouverture"] == "08:00"
            assert after.headers["etag"] != before.headers["etag"]

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE etablissement_sante SET verifie = NOT verifie",
            "UPDATE liste_numero_etablissement_sante SET libelle = libelle",
            "DELETE FROM provenance_etablissement WHERE false",
            "UPDATE localisation SET commune = commune",
        ],
    )
    async def test_every_directory_table_changes_the_version(
        self, db_engine: AsyncEngine, places: dict[str, Any], statement: str
    ) -> None:
        version = await scalar(db_engine, "SELECT version FROM version_annuaire")
        await execute(db_engine, statement)
        assert await scalar(db_engine, "SELECT version FROM version_annuaire") > version


class TestAnswerCache:
    def test_bounded_least_recently_used_out_first(self) -> None:
        cache = AnswerCache(size=2, version=7)
        for key in ("a", "b"):
            cache.put(key, 7, Kept(key.encode(), key))
        assert cache.get("a") is not None  # "b" is now the least recently used
        cache.put("c", 7, Kept(b"c", "c"))
        assert list(cache.entries) == ["a", "c"]

    def test_bounded_in_bytes(self) -> None:
        cache = AnswerCache(max_bytes=10, version=7)
        cache.put("a", 7, Kept(b"aaaa", "a"))
        cache.put("b", 7, Kept(b"bbbb", "b"))
        cache.put("c", 7, Kept(b"cccc", "c"))
        assert list(cache.entries) == ["b", "c"]
        assert cache.kept_bytes == 8
        cache.put("c", 7, Kept(b"cc", "c"))
        assert cache.kept_bytes == 6
        cache.put("big", 7, Kept(b"x" * 11, "x"))
        assert cache.get("big") is None

    def test_an_answer_of_a_former_version_is_not_kept(self) -> None:
        cache = AnswerCache(version=8)
        cache.put("a", 7, Kept(b"a", "a"))
        assert cache.get("a") is None

    def test_invalidate_forgets_and_rereads(self) -> None:
        cache = AnswerCache(version=8)
        cache.put("a", 8, Kept(b"a", "a"))
        cache.invalidate()
        assert cache.get("a") is None
        assert cache.version is None
