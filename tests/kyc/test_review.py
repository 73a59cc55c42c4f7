"""Administrators review the queue: signed links, approval raising the tier (and the wallet
limits), rejection with a reason, audit and notifications."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.kit.keys import derive_key
from hostolink.kyc import links
from tests.auth.helpers import assert_failure, bearer
from tests.factories import member, scalar, user_id_of
from tests.kyc.helpers import ADMIN_PATH, path_of, submit
from tests.media.helpers import image_bytes
from tests.wallet.helpers import Person, admin_token, person


async def pending(client: httpx.AsyncClient, engine: AsyncEngine, n: int) -> tuple[Person, int]:
    someone = await person(client, engine, n)
    response = await submit(client, someone.headers, niveau=2)
    assert response.status_code == 201, response.text
    return someone, int(response.json()["data"]["id_verification"])


async def detail(client: httpx.AsyncClient, admin: str, verification: int) -> dict[str, Any]:
    response = await client.get(f"{ADMIN_PATH}/{verification}", headers=bearer(admin))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


class TestAccess:
    async def test_user_and_expert_are_refused_admin_routes(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa, verification = await pending(client, db_engine, 11)
        expert = await member(client, db_engine, 12, roles=("expert",))
        for headers in (awa.headers, expert.headers):
            assert_failure(await client.get(ADMIN_PATH, headers=headers), 403)
            assert_failure(await client.get(f"{ADMIN_PATH}/{verification}", headers=headers), 403)
            for action in ("approbation", "rejet"):
                url = f"{ADMIN_PATH}/{verification}/{action}"
                assert_failure(
                    await client.post(url, json={"motif": "x" * 5}, headers=headers), 403
                )
        assert_failure(await client.get(ADMIN_PATH), 401)
        assert await scalar(db_engine, "SELECT statut FROM verification_identite") == "en_attente"


class TestQueue:
    async def test_queue_oldest_first_with_cursor(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        ids = [(await pending(client, db_engine, 20 + n))[1] for n in range(3)]
        first = await client.get(ADMIN_PATH, params={"limite": 2}, headers=bearer(admin))
        assert first.status_code == 200, first.text
        body = first.json()
        assert [item["id_verification"] for item in body["data"]] == ids[:2]
        assert body["data"][0]["personne"]["niveau_kyc"] == 0
        cursor = body["curseur_suivant"]
        assert cursor
        rest = await client.get(
            ADMIN_PATH, params={"limite": 2, "curseur": cursor}, headers=bearer(admin)
        )
        assert [item["id_verification"] for item in rest.json()["data"]] == ids[2:]
        assert rest.json()["curseur_suivant"] is None
        done = await client.get(ADMIN_PATH, params={"statut": "approuvee"}, headers=bearer(admin))
        assert done.json()["data"] == []


class TestLinks:
    async def test_links_serve_private_files_until_they_expire(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        admin = await admin_token(client, db_engine)
        _awa, verification = await pending(client, db_engine, 30)
        data = await detail(client, admin, verification)
        assert "cle_stockage" not in str(data)
        for side in ("recto", "verso", "selfie"):
            served = await client.get(path_of(data[side]["url"]))
            assert served.status_code == 200, served.text
            assert served.headers["cache-control"] == "private, no-store"
            assert served.headers["x-content-type-options"] == "nosniff"
            assert served.headers["content-type"] in ("image/png", "image/jpeg", "image/webp")
            assert len(served.content) > 0
        recto = path_of(data["recto"]["url"])
        token = recto.rsplit("/", 1)[1]
        media_id, expires, seal = token.split(".")
        # Another file, a later expiry, a changed seal: all refused.
        for forged in (
            f"{int(media_id) + 1}.{expires}.{seal}",
            f"{media_id}.{int(expires) + 3600}.{seal}",
            f"{media_id}.{expires}.{seal[:-1]}{'A' if seal[-1] != 'A' else 'B'}",
            "nimportequoi",
        ):
            assert_failure(await client.get(f"/api/kyc/fichiers/{forged}"), 403)

    async def test_expired_link_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        _awa, verification = await pending(client, db_engine, 31)
        media_id = await scalar(
            db_engine,
            "SELECT id_media_recto FROM verification_identite WHERE id_verification = :v",
            v=verification,
        )
        key = links.link_key(app.state.signing_key)
        past = links.sign(key, media_id, datetime.now(UTC) - timedelta(seconds=1))
        assert_failure(await client.get(f"/api/kyc/fichiers/{past}"), 403)
        future = links.sign(key, media_id, datetime.now(UTC) + timedelta(minutes=1))
        assert (await client.get(f"/api/kyc/fichiers/{future}")).status_code == 200
        # A link signed with another purpose's key is not a KYC link.
        other = links.sign(
            derive_key(app.state.signing_key, "autre"),
            media_id,
            datetime.now(UTC) + timedelta(minutes=1),
        )
        assert_failure(await client.get(f"/api/kyc/fichiers/{other}"), 403)

    async def test_public_media_route_does_not_serve_identity_files(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await pending(client, db_engine, 32)
        async with db_engine.connect() as connection:
            keys = (
                await connection.scalars(
                    text("SELECT cle_stockage FROM media WHERE usage = 'identite'")
                )
            ).all()
        assert len(keys) == 3
        for key in keys:
            assert_failure(await client.get(f"/media/{key}"), 404)

    async def test_a_public_image_gets_no_signed_link(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await person(client, db_engine, 33)
        uploaded = await client.post(
            "/api/medias",
            data={"usage": "publication"},
            files={"fichier": ("p.png", image_bytes("PNG"), "image/png")},
            headers=awa.headers,
        )
        assert uploaded.status_code == 201, uploaded.text
        media_id = uploaded.json()["data"]["id_media"]
        key = links.link_key(app.state.signing_key)
        token = links.sign(key, media_id, datetime.now(UTC) + timedelta(minutes=1))
        assert_failure(await client.get(f"/api/kyc/fichiers/{token}"), 404)


async def limits(client: httpx.AsyncClient, who: Person) -> dict[str, Any]:
    response = await client.get("/api/portefeuille", headers=who.headers)
    assert response.status_code == 200, response.text
    plafonds: dict[str, Any] = response.json()["data"]["plafonds"]
    return plafonds


class TestDecisions:
    async def test_approval_raises_tier_and_wallet_limits(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        awa, verification = await pending(client, db_engine, 40)
        assert (await limits(client, awa))["niveau_kyc"] == 0
        response = await client.post(
            f"{ADMIN_PATH}/{verification}/approbation", headers=bearer(admin)
        )
        assert response.status_code == 200, response.text
        assert response.json()["data"]["statut"] == "approuvee"
        me = await user_id_of(db_engine, "telephone", awa.phone)
        assert (
            await scalar(db_engine, "SELECT niveau_kyc FROM utilisateur WHERE id_user = :u", u=me)
            == 2
        )
        shown = await limits(client, awa)
        assert shown["niveau_kyc"] == 2
        tier_max = await scalar(db_engine, "SELECT solde_max FROM plafond_kyc WHERE niveau_kyc = 2")
        assert shown["solde_max"] == tier_max
        audit = await scalar(
            db_engine,
            "SELECT action FROM journal_audit WHERE table_cible = 'verification_identite'"
            " AND cle_cible = :k",
            k=str(verification),
        )
        assert audit == "identite.approbation"
        kind = await scalar(
            db_engine, "SELECT type_notification FROM notification WHERE id_user = :u", u=me
        )
        assert kind == "identite"
        mine = await client.get("/api/verifications-identite", headers=awa.headers)
        assert mine.json()["data"][0]["statut"] == "approuvee"
        assert mine.json()["data"][0]["date_examen"] is not None
        # Deciding twice.
        again = f"{ADMIN_PATH}/{verification}/approbation"
        assert_failure(await client.post(again, headers=bearer(admin)), 409)
        rejet = f"{ADMIN_PATH}/{verification}/rejet"
        assert_failure(
            await client.post(rejet, json={"motif": "Trop tard"}, headers=bearer(admin)), 409
        )

    async def test_approval_never_lowers_the_tier(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        awa = await person(client, db_engine, 41)
        me = await user_id_of(db_engine, "telephone", awa.phone)
        async with db_engine.begin() as connection:
            await connection.execute(
                text("UPDATE utilisateur SET niveau_kyc = 3 WHERE id_user = :u"), {"u": me}
            )
        response = await submit(client, awa.headers, niveau=1)
        verification = response.json()["data"]["id_verification"]
        ok = await client.post(f"{ADMIN_PATH}/{verification}/approbation", headers=bearer(admin))
        assert ok.status_code == 200, ok.text
        assert (
            await scalar(db_engine, "SELECT niveau_kyc FROM utilisateur WHERE id_user = :u", u=me)
            == 3
        )

    async def test_rejection_needs_a_reason_and_keeps_the_tier(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        awa, verification = await pending(client, db_engine, 42)
        url = f"{ADMIN_PATH}/{verification}/rejet"
        assert (await client.post(url, json={}, headers=bearer(admin))).status_code == 422
        assert (
            await client.post(url, json={"motif": ""}, headers=bearer(admin))
        ).status_code == 422
        response = await client.post(url, json={"motif": "Photo floue"}, headers=bearer(admin))
        assert response.status_code == 200, response.text
        assert response.json()["data"]["motif_rejet"] == "Photo floue"
        me = await user_id_of(db_engine, "telephone", awa.phone)
        assert (
            await scalar(db_engine, "SELECT niveau_kyc FROM utilisateur WHERE id_user = :u", u=me)
            == 0
        )
        motif = await scalar(
            db_engine,
            "SELECT motif FROM journal_audit WHERE action = 'identite.rejet' AND cle_cible = :k",
            k=str(verification),
        )
        assert motif == "Photo floue"
        assert (
            await scalar(
                db_engine,
                "SELECT count(*) FROM notification"
                " WHERE id_user = :u AND type_notification = 'identite'",
                u=me,
            )
            == 1
        )
        mine = (await client.get("/api/verifications-identite", headers=awa.headers)).json()
        assert mine["data"][0]["motif_rejet"] == "Photo floue"
        # Rejected: the person may submit again.
        assert (await submit(client, awa.headers)).status_code == 201

    async def test_admin_cannot_review_own_request(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        response = await submit(client, bearer(admin))
        assert response.status_code == 201, response.text
        verification = response.json()["data"]["id_verification"]
        own = f"{ADMIN_PATH}/{verification}/approbation"
        assert_failure(await client.post(own, headers=bearer(admin)), 403)
        rejet = f"{ADMIN_PATH}/{verification}/rejet"
        assert_failure(
            await client.post(rejet, json={"motif": "Pas moi"}, headers=bearer(admin)), 403
        )
        assert await scalar(db_engine, "SELECT statut FROM verification_identite") == "en_attente"
        assert (
            await scalar(
                db_engine, "SELECT count(*) FROM journal_audit WHERE action LIKE 'identite.%'"
            )
            == 0
        )

    async def test_unknown_request_is_404(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        assert_failure(await client.get(f"{ADMIN_PATH}/999999", headers=bearer(admin)), 404)
        url = f"{ADMIN_PATH}/999999/approbation"
        assert_failure(await client.post(url, headers=bearer(admin)), 404)


class TestConcurrency:
    async def test_two_decisions_at_once_one_wins(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        _awa, verification = await pending(client, db_engine, 60)
        approve = client.post(f"{ADMIN_PATH}/{verification}/approbation", headers=bearer(admin))
        reject = client.post(
            f"{ADMIN_PATH}/{verification}/rejet", json={"motif": "Doublon"}, headers=bearer(admin)
        )
        answers = await asyncio.gather(approve, reject)
        assert sorted(answer.status_code for answer in answers) == [200, 409]
        decisions = await scalar(
            db_engine, "SELECT count(*) FROM journal_audit WHERE action LIKE 'identite.%'"
        )
        assert decisions == 1

    async def test_two_submissions_at_once_one_wins(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 61)
        answers = await asyncio.gather(submit(client, awa.headers), submit(client, awa.headers))
        assert sorted(answer.status_code for answer in answers) == [201, 409]
        assert await scalar(db_engine, "SELECT count(*) FROM verification_identite") == 1
