"""Announcements and ads: only those shown now are public, by placement; administrators
alone create, edit and delete them, each action in the audit journal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure, bearer
from tests.wallet.helpers import admin_token, person

NOW = datetime.now(UTC)


def window(start_days: float, end_days: float) -> dict[str, str]:
    return {
        "date_debut": (NOW + timedelta(days=start_days)).isoformat(),
        "date_fin": (NOW + timedelta(days=end_days)).isoformat(),
    }


def announcement(title: str, start: float = -1, end: float = 1, **extra: Any) -> dict[str, Any]:
    return {"titre": title, **window(start, end), **extra}


def ad(title: str, start: float = -1, end: float = 1, **extra: Any) -> dict[str, Any]:
    return {"annonceur": "Pharmacie du Plateau", "titre": title, **window(start, end), **extra}


@pytest.fixture
async def admin(client: httpx.AsyncClient, db_engine: AsyncEngine) -> dict[str, str]:
    return bearer(await admin_token(client, db_engine))


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], what: str, body: dict[str, Any]
) -> int:
    response = await client.post(f"/api/admin/{what}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    key = "id_annonce" if what == "annonces" else "id_publicite"
    return int(response.json()["data"][key])


async def titles(client: httpx.AsyncClient, what: str, **params: str) -> list[str]:
    response = await client.get(f"/api/{what}", params=params)
    assert response.status_code == 200, response.text
    return [item["titre"] for item in response.json()["data"]]


async def audit(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT action, cle_cible FROM journal_audit ORDER BY id_audit")
        )
        return [(r.action, r.cle_cible) for r in rows]


@pytest.mark.parametrize("what", ["annonces", "publicites"])
class TestPublicLists:
    async def test_only_those_shown_now(
        self, client: httpx.AsyncClient, admin: dict[str, str], what: str
    ) -> None:
        make = announcement if what == "annonces" else ad
        await create(client, admin, what, make("Passée", -10, -1))
        await create(client, admin, what, make("En cours", -1, 1))
        await create(client, admin, what, make("Future", 1, 10))
        await create(client, admin, what, make("Retirée", -1, 1, actif=False))

        assert await titles(client, what) == ["En cours"]

    async def test_placement_filter_and_priority(
        self, client: httpx.AsyncClient, admin: dict[str, str], what: str
    ) -> None:
        make = announcement if what == "annonces" else ad
        await create(client, admin, what, make("Accueil bas", priorite=1))
        await create(client, admin, what, make("Accueil haut", priorite=5))
        await create(client, admin, what, make("Santé", emplacement="sante"))

        assert await titles(client, what, emplacement="accueil") == ["Accueil haut", "Accueil bas"]
        assert await titles(client, what, emplacement="sante") == ["Santé"]
        assert await titles(client, what, emplacement="social") == []
        assert len(await titles(client, what)) == 3
        assert_failure(await client.get(f"/api/{what}", params={"emplacement": "ailleurs"}), 422)

    async def test_public_answer_hides_admin_fields(
        self, client: httpx.AsyncClient, admin: dict[str, str], what: str
    ) -> None:
        make = announcement if what == "annonces" else ad
        await create(client, admin, what, make("Visible"))
        [item] = (await client.get(f"/api/{what}")).json()["data"]
        assert "id_auteur" not in item
        assert "nombre_clics" not in item
        assert "actif" not in item


@pytest.mark.parametrize("what", ["annonces", "publicites"])
class TestAdministration:
    async def test_user_403_anonymous_401(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: dict[str, str], what: str
    ) -> None:
        make = announcement if what == "annonces" else ad
        key = await create(client, admin, what, make("Existante"))
        user = await person(client, db_engine, 1)
        calls = (
            ("GET", f"/api/admin/{what}", None),
            ("POST", f"/api/admin/{what}", make("Pirate")),
            ("PATCH", f"/api/admin/{what}/{key}", {"titre": "Pirate"}),
            ("DELETE", f"/api/admin/{what}/{key}", None),
        )
        for method, url, body in calls:
            as_user = await client.request(method, url, json=body, headers=user.headers)
            assert_failure(as_user, 403)
            assert_failure(await client.request(method, url, json=body), 401)
        assert await titles(client, what) == ["Existante"]

    async def test_edit_delete_and_audit(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: dict[str, str], what: str
    ) -> None:
        make = announcement if what == "annonces" else ad
        key = await create(client, admin, what, make("Avant", description="Texte"))

        edited = await client.patch(
            f"/api/admin/{what}/{key}",
            json={"titre": "Après", "description": None, **window(-2, 2)},
            headers=admin,
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["data"]["titre"] == "Après"
        assert edited.json()["data"]["description"] is None
        assert await titles(client, what) == ["Après"]

        gone = await client.delete(f"/api/admin/{what}/{key}", headers=admin)
        assert gone.status_code == 200, gone.text
        assert await titles(client, what) == []
        assert_failure(await client.delete(f"/api/admin/{what}/{key}", headers=admin), 404)
        table = "annonce" if what == "annonces" else "publicite"
        assert await audit(db_engine) == [
            (f"{table}.creation", str(key)),
            (f"{table}.modification", str(key)),
            (f"{table}.suppression", str(key)),
        ]

    async def test_window_must_be_ordered(
        self, client: httpx.AsyncClient, admin: dict[str, str], what: str
    ) -> None:
        make = announcement if what == "annonces" else ad
        reversed_window = await client.post(
            f"/api/admin/{what}", json=make("À l'envers", 1, -1), headers=admin
        )
        assert_failure(reversed_window, 422)
        key = await create(client, admin, what, make("Valide", -1, 1))
        # Only the end sent, before the stored start: checked against the row.
        end_first = await client.patch(
            f"/api/admin/{what}/{key}",
            json={"date_fin": (NOW - timedelta(days=5)).isoformat()},
            headers=admin,
        )
        assert_failure(end_first, 400)
        cleared = await client.patch(
            f"/api/admin/{what}/{key}", json={"titre": None}, headers=admin
        )
        assert_failure(cleared, 422)
        naive = await client.post(
            f"/api/admin/{what}",
            json={**make("Sans fuseau"), "date_debut": "2026-03-01T00:00:00"},
            headers=admin,
        )
        assert_failure(naive, 422)

    async def test_image_must_be_a_public_media(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: dict[str, str], what: str
    ) -> None:
        make = announcement if what == "annonces" else ad
        async with db_engine.begin() as connection:
            for key, private in (("public", False), ("private", True)):
                await connection.execute(
                    text(
                        "INSERT INTO media (stockage, cle_stockage, url, type_mime, largeur,"
                        " hauteur, taille_octets, usage, prive) VALUES ('cloudinary', :k,"
                        " :u, 'image/png', 10, 10, 100, 'annonce', :p)"
                    ),
                    {"k": key, "u": f"https://res.cloudinary.com/x/{key}.png", "p": private},
                )
        missing = await client.post(
            f"/api/admin/{what}", json=make("Image absente", id_media=999), headers=admin
        )
        assert_failure(missing, 400)
        private = await client.post(
            f"/api/admin/{what}", json=make("Image privée", id_media=2), headers=admin
        )
        assert_failure(private, 400)
        await create(client, admin, what, make("Illustrée", id_media=1))
        [item] = (await client.get(f"/api/{what}")).json()["data"]
        assert item["id_media"] == 1
        assert item["image_url"] == "https://res.cloudinary.com/x/public.png"


class TestAdClicks:
    async def test_click_counted_only_while_shown(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, admin: dict[str, str]
    ) -> None:
        shown = await create(
            client, admin, "publicites", ad("En cours", url_cible="https://example.ci/promo")
        )
        future = await create(client, admin, "publicites", ad("Future", 1, 2))

        for _ in range(2):
            click = await client.post(f"/api/publicites/{shown}/clic")
            assert click.status_code == 200, click.text
            assert click.json()["data"]["url_cible"] == "https://example.ci/promo"
        assert_failure(await client.post(f"/api/publicites/{future}/clic"), 404)
        assert_failure(await client.post("/api/publicites/999/clic"), 404)

        listed = await client.get("/api/admin/publicites", headers=admin)
        counts = {a["titre"]: a["nombre_clics"] for a in listed.json()["data"]}
        assert counts == {"En cours": 2, "Future": 0}
