"""Reports and moderation: a report queues the content, an administrator hides it (gone
from the feed, the post page and the share link; audited) or rejects the report."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure, bearer
from tests.factories import member, numbered, scalar
from tests.social.helpers import post
from tests.wallet.helpers import admin_token


class TestReports:
    async def test_report_then_admin_hides_then_gone_everywhere(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, koffi = await numbered(member, client, db_engine, 2)
        admin = bearer(await admin_token(client, db_engine))
        data = await post(client, awa, "Faux remède miracle")
        post_id = data["id_publication"]
        shared = await client.post(f"/api/publications/{post_id}/partages", headers=awa.headers)
        token = shared.json()["data"]["jeton"]

        body = {"id_publication": post_id, "motif": "desinformation", "details": "Dangereux"}
        response = await client.post("/api/signalements", json=body, headers=koffi.headers)
        assert response.status_code == 201, response.text
        report_id = response.json()["data"]["id_signalement"]
        again = await client.post("/api/signalements", json=body, headers=koffi.headers)
        assert_failure(again, 409, "AlreadyReported")

        queue = (await client.get("/api/admin/moderation", headers=admin)).json()["data"]
        assert [r["id_signalement"] for r in queue["signalements"]] == [report_id]
        item = queue["signalements"][0]
        assert item["contenu_cible"] == "Faux remède miracle"
        assert item["id_auteur_cible"] == awa.id
        assert item["id_signaleur"] == koffi.id

        hidden = await client.post(
            f"/api/admin/moderation/{report_id}/masquer",
            json={"motif": "Désinformation médicale"},
            headers=admin,
        )
        assert hidden.status_code == 200, hidden.text
        assert hidden.json()["data"]["statut"] == "contenu_masque"

        feed = (await client.get("/api/publications", headers=koffi.headers)).json()["data"]
        assert feed["publications"] == []
        assert_failure(await client.get(f"/api/publications/{post_id}", headers=awa.headers), 404)
        assert_failure(await client.get(f"/api/partages/{token}"), 404)
        statut = await scalar(
            db_engine, "SELECT statut FROM publication WHERE id_publication = :i", i=post_id
        )
        assert statut == "masque"
        audit = await scalar(
            db_engine,
            "SELECT count(*) FROM journal_audit WHERE action = 'moderation.masquer'"
            " AND table_cible = 'publication' AND cle_cible = :k"
            " AND motif = 'Désinformation médicale'"
            " AND id_acteur = (SELECT id_user FROM utilisateur WHERE email = 'admin@example.com')",
            k=str(post_id),
        )
        assert audit == 1
        queue = (await client.get("/api/admin/moderation", headers=admin)).json()["data"]
        assert queue["signalements"] == []
        twice = await client.post(
            f"/api/admin/moderation/{report_id}/masquer", json={"motif": "encore"}, headers=admin
        )
        assert_failure(twice, 409, "AlreadyDecided")

    async def test_a_hidden_comment_leaves_the_list_and_the_count(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, koffi = await numbered(member, client, db_engine, 2)
        admin = bearer(await admin_token(client, db_engine))
        data = await post(client, awa)
        path = f"/api/publications/{data['id_publication']}/commentaires"
        created = await client.post(path, json={"contenu": "Insulte"}, headers=koffi.headers)
        comment_id = created.json()["data"]["id_commentaire"]
        response = await client.post(
            "/api/signalements",
            json={"id_commentaire": comment_id, "motif": "harcelement"},
            headers=awa.headers,
        )
        report_id = response.json()["data"]["id_signalement"]
        response = await client.post(
            f"/api/admin/moderation/{report_id}/masquer", json={"motif": "Insulte"}, headers=admin
        )
        assert response.status_code == 200, response.text
        page = (await client.get(path, headers=awa.headers)).json()["data"]
        assert page["commentaires"] == []
        shown = await client.get(f"/api/publications/{data['id_publication']}", headers=awa.headers)
        assert shown.json()["data"]["nombre_commentaires"] == 0

    async def test_reject_keeps_the_content_and_is_audited(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, koffi = await numbered(member, client, db_engine, 2)
        admin = bearer(await admin_token(client, db_engine))
        data = await post(client, awa)
        response = await client.post(
            "/api/signalements",
            json={"id_publication": data["id_publication"], "motif": "spam"},
            headers=koffi.headers,
        )
        report_id = response.json()["data"]["id_signalement"]
        response = await client.post(
            f"/api/admin/moderation/{report_id}/rejeter",
            json={"motif": "Rien d'anormal"},
            headers=admin,
        )
        assert response.status_code == 200, response.text
        assert response.json()["data"]["statut"] == "rejete"
        shown = await client.get(f"/api/publications/{data['id_publication']}", headers=awa.headers)
        assert shown.status_code == 200
        audit = await scalar(
            db_engine, "SELECT count(*) FROM journal_audit WHERE action = 'moderation.rejeter'"
        )
        assert audit == 1

    async def test_moderation_is_for_administrators_only(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        for method, path in (
            ("GET", "/api/admin/moderation"),
            ("POST", "/api/admin/moderation/1/masquer"),
            ("POST", "/api/admin/moderation/1/rejeter"),
        ):
            response = await client.request(
                method, path, json={"motif": "abcd"}, headers=awa.headers
            )
            assert_failure(response, 403)

    async def test_a_report_needs_exactly_one_visible_target(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        data = await post(client, awa)
        both = {"id_publication": data["id_publication"], "id_commentaire": 1, "motif": "spam"}
        assert_failure(await client.post("/api/signalements", json=both, headers=awa.headers), 422)
        none = {"motif": "spam"}
        assert_failure(await client.post("/api/signalements", json=none, headers=awa.headers), 422)
        unknown = {"id_publication": 999_999, "motif": "spam"}
        response = await client.post("/api/signalements", json=unknown, headers=awa.headers)
        assert_failure(response, 404)

    async def test_the_queue_pages_oldest_first(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        admin = bearer(await admin_token(client, db_engine))
        reporters = [await member(client, db_engine, n) for n in range(2, 7)]
        data = await post(client, awa)
        ids = []
        for who in reporters:
            response = await client.post(
                "/api/signalements",
                json={"id_publication": data["id_publication"], "motif": "spam"},
                headers=who.headers,
            )
            ids.append(response.json()["data"]["id_signalement"])
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"limite": 2}
            if cursor:
                params["curseur"] = cursor
            response = await client.get("/api/admin/moderation", params=params, headers=admin)
            page = response.json()["data"]
            seen += [r["id_signalement"] for r in page["signalements"]]
            cursor = page["curseur_suivant"]
            if cursor is None:
                break
        assert seen == ids
        # Hiding settles every pending report on the same content.
        response = await client.post(
            f"/api/admin/moderation/{ids[2]}/masquer", json={"motif": "Spam"}, headers=admin
        )
        assert response.status_code == 200, response.text
        queue = (await client.get("/api/admin/moderation", headers=admin)).json()["data"]
        assert queue["signalements"] == []
        like = await client.put(
            f"/api/publications/{data['id_publication']}/like", headers=reporters[0].headers
        )
        assert_failure(like, 404)
