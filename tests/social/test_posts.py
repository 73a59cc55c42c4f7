"""Posts and the feed: the author is the token's principal (F-14), only the author edits or
deletes, images must be the author's post images, and the feed pages without gaps or
duplicates."""

from __future__ import annotations

import base64
from typing import Any, get_args

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.models.signalement import MOTIFS
from hostolink.social.schemas import Motif
from tests.auth.helpers import assert_failure, bearer
from tests.factories import image, member, numbered, scalar
from tests.social.helpers import post


class TestAnonymous:
    async def test_every_authenticated_route_answers_401_without_a_token(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        routes = [
            ("POST", "/api/publications", {"contenu": "x"}),
            ("GET", "/api/publications", None),
            ("GET", "/api/publications/1", None),
            ("GET", "/api/utilisateurs/1/publications", None),
            ("PATCH", "/api/publications/1", {"contenu": "x"}),
            ("DELETE", "/api/publications/1", None),
            ("POST", "/api/publications/1/commentaires", {"contenu": "x"}),
            ("GET", "/api/publications/1/commentaires", None),
            ("DELETE", "/api/commentaires/1", None),
            ("PUT", "/api/publications/1/like", None),
            ("DELETE", "/api/publications/1/like", None),
            ("POST", "/api/publications/1/partages", {}),
            ("POST", "/api/signalements", {"id_publication": 1, "motif": "spam"}),
            ("GET", "/api/admin/moderation", None),
            ("POST", "/api/admin/moderation/1/masquer", {"motif": "abc"}),
            ("POST", "/api/admin/moderation/1/rejeter", {"motif": "abc"}),
        ]
        for method, path, body in routes:
            response = await client.request(method, path, json=body)
            assert_failure(response, 401)
            response = await client.request(method, path, json=body, headers=bearer("faux"))
            assert_failure(response, 401)


class TestCreate:
    async def test_the_author_is_the_caller_with_images_in_order(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        first, second = await image(db_engine, awa.id), await image(db_engine, awa.id)
        data = await post(client, awa, "  Journée de dépistage  ", medias=[second, first])
        assert data["auteur"] == {
            "id_user": awa.id,
            "nom_affiche": "Awa Koné",
            "photo_profile": None,
        }
        assert data["contenu"] == "Journée de dépistage"
        assert [m["id_media"] for m in data["medias"]] == [second, first]
        assert [m["position"] for m in data["medias"]] == [1, 2]
        assert data["compteur_like"] == 0
        assert data["aime_par_moi"] is False
        owner = await scalar(
            db_engine,
            "SELECT id_user FROM publication WHERE id_publication = :i",
            i=data["id_publication"],
        )
        assert owner == awa.id

    async def test_f14_a_body_carrying_an_author_id_is_refused_and_nothing_is_written(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        """F-14: the previous back end took the author from the body (impersonation)."""
        awa = await member(client, db_engine, 1)
        victim = await member(client, db_engine, 2, prenom="Koffi")
        for field in ("id_user", "auteur"):
            response = await client.post(
                "/api/publications",
                json={"contenu": "Je suis Koffi", field: victim.id},
                headers=awa.headers,
            )
            assert_failure(response, 422, "ValidationError")
            assert {"champ": field, "message": "Ce champ n'est pas attendu."} in response.json()[
                "champs"
            ]
        assert await scalar(db_engine, "SELECT count(*) FROM publication") == 0
        target = await post(client, victim)
        path = f"/api/publications/{target['id_publication']}"
        for method, suffix, body in (
            ("POST", "/commentaires", {"contenu": "x", "id_user": victim.id}),
            ("POST", "/partages", {"id_user": victim.id}),
            ("PATCH", "", {"contenu": "x", "auteur": awa.id}),
        ):
            response = await client.request(method, path + suffix, json=body, headers=awa.headers)
            assert_failure(response, 422)
        response = await client.post(
            "/api/signalements",
            json={"id_publication": target["id_publication"], "motif": "spam", "id_user": 1},
            headers=awa.headers,
        )
        assert_failure(response, 422)
        for table in ("commentaire", "partages", "signalement"):
            assert await scalar(db_engine, f"SELECT count(*) FROM {table}") == 0  # noqa: S608
        assert (
            await scalar(
                db_engine, "SELECT count(*) FROM publication WHERE id_user = :v", v=victim.id
            )
            == 1
        )

    async def test_someone_elses_or_wrong_usage_or_unknown_image_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, koffi = await numbered(member, client, db_engine, 2)
        for media in (
            await image(db_engine, koffi.id),
            await image(db_engine, awa.id, usage="identite"),
            await image(db_engine, awa.id, usage="message"),
            999_999,
        ):
            response = await client.post(
                "/api/publications",
                json={"contenu": "x", "medias": [media]},
                headers=awa.headers,
            )
            assert_failure(response, 400, "MediaRefused")
        assert await scalar(db_engine, "SELECT count(*) FROM publication") == 0

    async def test_blank_content_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        response = await client.post(
            "/api/publications", json={"contenu": "   "}, headers=awa.headers
        )
        assert_failure(response, 422)

    def test_report_motives_match_the_table(self) -> None:
        assert set(get_args(Motif)) == set(MOTIFS)


class TestOwnership:
    async def test_only_the_author_edits_or_deletes(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, koffi = await numbered(member, client, db_engine, 2)
        data = await post(client, awa, "Original")
        path = f"/api/publications/{data['id_publication']}"
        response = await client.patch(path, json={"contenu": "Piraté"}, headers=koffi.headers)
        assert_failure(response, 403, "NotYourPost")
        assert "propres publications" in response.json()["message"]
        assert_failure(await client.delete(path, headers=koffi.headers), 403, "NotYourPost")
        shown = (await client.get(path, headers=koffi.headers)).json()["data"]
        assert shown["contenu"] == "Original"

        response = await client.patch(path, json={"contenu": "Modifié"}, headers=awa.headers)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["contenu"] == "Modifié"
        assert response.json()["data"]["date_modification"] is not None

        response = await client.delete(path, headers=awa.headers)
        assert response.status_code == 200, response.text
        statut = await scalar(
            db_engine,
            "SELECT statut FROM publication WHERE id_publication = :i",
            i=data["id_publication"],
        )
        assert statut == "supprime"
        assert_failure(await client.get(path, headers=awa.headers), 404)
        assert_failure(await client.delete(path, headers=awa.headers), 404)
        feed = (await client.get("/api/publications", headers=awa.headers)).json()["data"]
        assert feed["publications"] == []

    async def test_edit_replaces_images(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        old, new = await image(db_engine, awa.id), await image(db_engine, awa.id)
        data = await post(client, awa, medias=[old])
        path = f"/api/publications/{data['id_publication']}"
        response = await client.patch(path, json={"medias": [new]}, headers=awa.headers)
        assert response.status_code == 200, response.text
        assert [m["id_media"] for m in response.json()["data"]["medias"]] == [new]


async def _walk(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], limit: int
) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limite": limit}
        if cursor:
            params["curseur"] = cursor
        response = await client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()["data"]
        assert len(page["publications"]) <= limit
        seen.extend(page["publications"])
        cursor = page["curseur_suivant"]
        if cursor is None:
            return seen


class TestFeed:
    async def test_pages_have_no_duplicates_and_no_gaps_newest_first(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, koffi = await numbered(member, client, db_engine, 2)
        ids = [
            (await post(client, awa if n % 2 else koffi, f"n°{n}"))["id_publication"]
            for n in range(23)
        ]
        # Several posts at the very same instant: the id breaks the tie.
        await scalar(
            db_engine,
            "UPDATE publication SET date_publication = '2026-01-01T00:00:00Z'"
            " WHERE id_publication % 3 = 0 RETURNING 1",
        )
        seen = await _walk(client, "/api/publications", awa.headers, 5)
        got = [item["id_publication"] for item in seen]
        assert sorted(got) == sorted(ids)
        assert len(set(got)) == len(got)
        keys = [(item["date_publication"], item["id_publication"]) for item in seen]
        assert keys == sorted(keys, reverse=True)
        assert seen[0]["auteur"]["nom_affiche"] == "Awa Koné"

        mine = await _walk(client, f"/api/utilisateurs/{awa.id}/publications", koffi.headers, 4)
        assert {item["auteur"]["id_user"] for item in mine} == {awa.id}
        assert len(mine) == 11

    async def test_a_forged_cursor_is_a_422(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        for forged in ("pas-un-curseur", "2026-01-01|5", "2026-01-01T00:00:00+00:00|" + "9" * 30):
            cursor = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
            for value in (forged, cursor):
                response = await client.get(
                    "/api/publications", params={"curseur": value}, headers=awa.headers
                )
                assert_failure(response, 422, "InvalidCursor")
