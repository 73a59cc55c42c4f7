"""Comments (with the author's notification), likes (exact under concurrency) and shares
(a public link that works without login and counts its visits)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure
from tests.factories import Member, member, numbered, scalar
from tests.social.helpers import post


class TestComments:
    async def test_a_comment_notifies_the_author_but_not_on_ones_own_post(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        koffi = await member(client, db_engine, 2, prenom="Koffi")
        data = await post(client, awa)
        path = f"/api/publications/{data['id_publication']}/commentaires"
        response = await client.post(path, json={"contenu": "Merci !"}, headers=koffi.headers)
        assert response.status_code == 201, response.text
        created = response.json()["data"]
        assert created["auteur"]["id_user"] == koffi.id
        notified = await scalar(
            db_engine,
            "SELECT count(*) FROM notification WHERE id_user = :u AND type_notification ="
            " 'commentaire' AND id_commentaire = :c",
            u=awa.id,
            c=created["id_commentaire"],
        )
        assert notified == 1
        response = await client.post(path, json={"contenu": "De rien"}, headers=awa.headers)
        assert response.status_code == 201, response.text
        assert await scalar(db_engine, "SELECT count(*) FROM notification") == 1
        shown = (await client.get(path[: -len("/commentaires")], headers=awa.headers)).json()
        assert shown["data"]["nombre_commentaires"] == 2

    async def test_comments_page_oldest_first_and_only_the_author_deletes(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, koffi = await numbered(member, client, db_engine, 2)
        data = await post(client, awa)
        path = f"/api/publications/{data['id_publication']}/commentaires"
        ids = []
        for n in range(7):
            response = await client.post(path, json={"contenu": f"c{n}"}, headers=koffi.headers)
            ids.append(response.json()["data"]["id_commentaire"])
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"limite": 3}
            if cursor:
                params["curseur"] = cursor
            page = (await client.get(path, params=params, headers=awa.headers)).json()["data"]
            seen += [c["id_commentaire"] for c in page["commentaires"]]
            cursor = page["curseur_suivant"]
            if cursor is None:
                break
        assert seen == ids
        target = f"/api/commentaires/{ids[0]}"
        assert_failure(await client.delete(target, headers=awa.headers), 403, "NotYourComment")
        response = await client.delete(target, headers=koffi.headers)
        assert response.status_code == 200, response.text
        page = (await client.get(path, headers=awa.headers)).json()["data"]
        assert ids[0] not in [c["id_commentaire"] for c in page["commentaires"]]
        count = await scalar(
            db_engine,
            "SELECT nombre_commentaires FROM publication WHERE id_publication = :i",
            i=data["id_publication"],
        )
        assert count == 6


async def _exact(engine: AsyncEngine, post_id: int) -> tuple[int, int]:
    counter = await scalar(
        engine, "SELECT compteur_like FROM publication WHERE id_publication = :i", i=post_id
    )
    rows = await scalar(engine, "SELECT count(*) FROM liker WHERE id_publication = :i", i=post_id)
    return int(counter), int(rows)


class TestLikes:
    async def test_like_is_idempotent_and_notifies_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, koffi = await numbered(member, client, db_engine, 2)
        data = await post(client, awa)
        path = f"/api/publications/{data['id_publication']}/like"
        for _ in range(2):
            response = await client.put(path, headers=koffi.headers)
            assert response.status_code == 200, response.text
            assert response.json()["data"] == {
                "id_publication": data["id_publication"],
                "aime_par_moi": True,
                "compteur_like": 1,
            }
        notes = await scalar(
            db_engine,
            "SELECT count(*) FROM notification WHERE id_user = :u AND type_notification = 'like'",
            u=awa.id,
        )
        assert notes == 1
        shown = await client.get(
            f"/api/publications/{data['id_publication']}", headers=koffi.headers
        )
        assert shown.json()["data"]["aime_par_moi"] is True
        for who, liked in ((koffi, True), (awa, False)):
            feed = await client.get("/api/publications", headers=who.headers)
            item = feed.json()["data"]["publications"][0]
            assert (item["aime_par_moi"], item["compteur_like"]) == (liked, 1)
        for _ in range(2):
            response = await client.delete(path, headers=koffi.headers)
            assert response.json()["data"]["compteur_like"] == 0
        assert await _exact(db_engine, data["id_publication"]) == (0, 0)
        # Liking again, or liking one's own post, does not notify again.
        assert (await client.put(path, headers=koffi.headers)).status_code == 200
        assert (await client.put(path, headers=awa.headers)).status_code == 200
        assert await _exact(db_engine, data["id_publication"]) == (2, 2)
        assert await scalar(db_engine, "SELECT count(*) FROM notification") == 1
        assert_failure(await client.put("/api/publications/999999/like", headers=awa.headers), 404)

    async def test_50_concurrent_likes_and_unlikes_by_25_people_keep_the_counter_exact(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        author = await member(client, db_engine, 100)
        crowd: list[Member] = [await member(client, db_engine, n) for n in range(1, 26)]
        data = await post(client, author)
        path = f"/api/publications/{data['id_publication']}/like"

        # Everyone likes twice at once: 50 requests, 25 likes.
        responses = await asyncio.gather(
            *(client.put(path, headers=who.headers) for who in crowd for _ in range(2))
        )
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        assert await _exact(db_engine, data["id_publication"]) == (25, 25)

        # Everyone likes and unlikes at once: whichever wins, counter = rows.
        responses = await asyncio.gather(
            *(
                client.request(method, path, headers=who.headers)
                for who in crowd
                for method in ("DELETE", "PUT")
            )
        )
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        counter, rows = await _exact(db_engine, data["id_publication"])
        assert counter == rows

        # Everyone unlikes twice at once: back to zero exactly.
        responses = await asyncio.gather(
            *(client.delete(path, headers=who.headers) for who in crowd for _ in range(2))
        )
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        assert await _exact(db_engine, data["id_publication"]) == (0, 0)


class TestShares:
    async def test_the_public_link_works_without_login_and_counts_visits(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, koffi = await numbered(member, client, db_engine, 2)
        data = await post(client, awa, "À partager")
        response = await client.post(
            f"/api/publications/{data['id_publication']}/partages",
            json={"plateforme": "whatsapp"},
            headers=koffi.headers,
        )
        assert response.status_code == 201, response.text
        share = response.json()["data"]
        assert share["lien"] == f"http://localhost:3000/p/{share['jeton']}"
        assert len(share["jeton"]) >= 16
        owner = await scalar(
            db_engine, "SELECT id_user FROM partages WHERE jeton = :j", j=share["jeton"]
        )
        assert owner == koffi.id
        for visits in (1, 2):
            response = await client.get(f"/api/partages/{share['jeton']}")
            assert response.status_code == 200, response.text
            body = response.json()["data"]
            assert body["nombre_visites"] == visits
            assert body["publication"]["contenu"] == "À partager"
            assert body["publication"]["nombre_partages"] == 1
            assert body["publication"]["aime_par_moi"] is False
        assert await scalar(db_engine, "SELECT count(*) FROM visite_partage") == 2
        # The link itself opens a page, escaped, that counts the visit too.
        await client.patch(
            f"/api/publications/{data['id_publication']}",
            json={"contenu": "<script>alert(1)</script> À partager"},
            headers=awa.headers,
        )
        page = await client.get(f"/p/{share['jeton']}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "&lt;script&gt;alert(1)&lt;/script&gt; À partager" in page.text
        assert "<script>" not in page.text
        assert "3 visites" in page.text
        assert (await client.get("/p/inconnuinconnu0000")).status_code == 404
        assert_failure(await client.get("/api/partages/inconnuinconnu0000"), 404)
        assert_failure(await client.get("/api/partages/court"), 422)

    async def test_a_deleted_post_is_gone_from_its_share_link(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        data = await post(client, awa)
        response = await client.post(
            f"/api/publications/{data['id_publication']}/partages", headers=awa.headers
        )
        token = response.json()["data"]["jeton"]
        await client.delete(f"/api/publications/{data['id_publication']}", headers=awa.headers)
        assert_failure(await client.get(f"/api/partages/{token}"), 404)
        assert await scalar(db_engine, "SELECT count(*) FROM visite_partage") == 0
