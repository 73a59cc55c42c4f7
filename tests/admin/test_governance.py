"""Roles, suspensions, the user detail and the audit log of the back-office API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.admin import roles as governance
from hostolink.admin.audit import Actor
from hostolink.auth import principal as principals
from tests.auth.helpers import PASSWORD, bearer, grant_role, onboard, role_codes
from tests.factories import Member, user_id_of
from tests.wallet.helpers import ADMIN, admin_token, person, phone_of

MOTIF = "Contrôle de conformité"


async def _someone(client: httpx.AsyncClient, engine: AsyncEngine, n: int, *roles: str) -> Member:
    who = await person(client, engine, n)
    user_id = await user_id_of(engine, "telephone", who.phone)
    for code in roles:
        await grant_role(engine, user_id, code)
    return Member(user_id, who.token)


async def _admin(client: httpx.AsyncClient, engine: AsyncEngine) -> Member:
    token = await admin_token(client, engine)
    return Member(await user_id_of(engine, "email", ADMIN), token)


@dataclass(frozen=True)
class Cast:
    target: Member
    user: Member
    expert: Member
    admin: Member
    super_admin: Member


@pytest.fixture
async def cast(client: httpx.AsyncClient, db_engine: AsyncEngine) -> Cast:
    return Cast(
        target=await _someone(client, db_engine, 1),
        user=await _someone(client, db_engine, 2),
        expert=await _someone(client, db_engine, 3, "expert"),
        admin=await _admin(client, db_engine),
        super_admin=await _someone(client, db_engine, 4, "super_admin"),
    )


def _routes(target: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    user = f"/api/admin/utilisateurs/{target}"
    return [
        ("GET", "/api/admin/roles", None),
        ("GET", user, None),
        ("GET", "/api/admin/journal", None),
        ("POST", f"{user}/suspension", {"motif": MOTIF}),
        ("POST", f"{user}/reactivation", {"motif": MOTIF}),
        ("PUT", f"{user}/roles", {"roles": ["expert"], "motif": MOTIF}),
    ]


EXPECTED = {
    "anonymous": [401] * 6,
    "user": [403] * 6,
    "expert": [403] * 6,
    "admin": [200, 200, 200, 200, 200, 403],
    "super_admin": [200] * 6,
}


@pytest.mark.parametrize("who", list(EXPECTED))
async def test_authorization_matrix(
    client: httpx.AsyncClient, db_engine: AsyncEngine, cast: Cast, who: str
) -> None:
    headers = {} if who == "anonymous" else getattr(cast, who).headers
    statuses = []
    for method, path, body in _routes(cast.target.id):
        response = await client.request(method, path, json=body, headers=headers)
        statuses.append(response.status_code)
        if response.status_code >= 400:
            assert response.json()["success"] is False
    assert statuses == EXPECTED[who]
    expected_roles = ["expert", "user"] if who == "super_admin" else ["user"]
    assert await role_codes(db_engine, cast.target.id) == expected_roles


async def test_admin_is_told_roles_are_for_super_admins(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    response = await client.put(
        f"/api/admin/utilisateurs/{cast.target.id}/roles",
        json={"roles": ["admin"], "motif": MOTIF},
        headers=cast.admin.headers,
    )
    assert response.status_code == 403
    assert response.json()["message"] == "Permission requise : roles:attribuer."


async def test_roles_are_listed_with_labels_and_permissions(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    response = await client.get("/api/admin/roles", headers=cast.admin.headers)
    roles = {role["code"]: role for role in response.json()["data"]}
    assert set(roles) == {"user", "etablissement", "expert", "agent", "admin", "super_admin"}
    assert roles["super_admin"]["libelle"] == "Super-administrateur"
    assert "roles:attribuer" in roles["super_admin"]["permissions"]


async def test_nobody_grants_themselves_a_role(
    client: httpx.AsyncClient, db_engine: AsyncEngine, cast: Cast
) -> None:
    for who in (cast.admin, cast.super_admin):
        before = await role_codes(db_engine, who.id)
        response = await client.put(
            f"/api/admin/utilisateurs/{who.id}/roles",
            json={"roles": ["admin", "super_admin", "expert"], "motif": MOTIF},
            headers=who.headers,
        )
        assert response.status_code == 403
        assert await role_codes(db_engine, who.id) == before


async def test_roles_are_replaced_keeping_user_and_audited(
    client: httpx.AsyncClient, db_engine: AsyncEngine, cast: Cast
) -> None:
    path = f"/api/admin/utilisateurs/{cast.target.id}/roles"
    headers = cast.super_admin.headers
    first = await client.put(
        path, json={"roles": ["admin", "expert"], "motif": MOTIF}, headers=headers
    )
    assert first.json()["data"]["roles"] == ["admin", "expert", "user"]
    second = await client.put(path, json={"roles": [], "motif": "Fin de mission"}, headers=headers)
    assert second.json()["data"]["roles"] == ["user"]
    assert await role_codes(db_engine, cast.target.id) == ["user"]
    journal = await client.get(
        "/api/admin/journal", params={"action": "utilisateur.roles"}, headers=headers
    )
    rows = journal.json()["data"]["elements"]
    assert [(r["avant"], r["apres"], r["motif"]) for r in rows] == [
        ({"roles": ["admin", "expert", "user"]}, {"roles": ["user"]}, "Fin de mission"),
        ({"roles": ["user"]}, {"roles": ["admin", "expert", "user"]}, MOTIF),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"roles": ["pape"], "motif": MOTIF},
        {"roles": ["expert"]},
        {"roles": ["expert"], "motif": "  "},
    ],
)
async def test_unknown_role_or_missing_reason_is_refused(
    client: httpx.AsyncClient, db_engine: AsyncEngine, cast: Cast, body: dict[str, Any]
) -> None:
    response = await client.put(
        f"/api/admin/utilisateurs/{cast.target.id}/roles",
        json=body,
        headers=cast.super_admin.headers,
    )
    assert response.status_code == 422
    assert response.json()["success"] is False
    assert await role_codes(db_engine, cast.target.id) == ["user"]


async def test_a_super_admin_may_demote_another(
    client: httpx.AsyncClient, db_engine: AsyncEngine, cast: Cast
) -> None:
    other = await _someone(client, db_engine, 5, "super_admin")
    response = await client.put(
        f"/api/admin/utilisateurs/{other.id}/roles",
        json={"roles": ["admin"], "motif": MOTIF},
        headers=cast.super_admin.headers,
    )
    assert response.status_code == 200
    assert await role_codes(db_engine, other.id) == ["admin", "user"]


async def test_the_last_super_admin_is_kept(
    client: httpx.AsyncClient, db_engine: AsyncEngine, cast: Cast, db_session: AsyncSession
) -> None:
    """Two super-admins demote each other at once: the caller's roles were read when its
    request began, and the other demotion has since removed them."""
    other = await _someone(client, db_engine, 5, "super_admin")
    row = (await db_session.execute(principals.PRINCIPAL_BY_ID, {"user_id": other.id})).one()
    stale = principals.from_row(row)
    await db_session.execute(
        text("DELETE FROM utilisateur_role WHERE id_user = :u AND id_role = 6"), {"u": other.id}
    )
    with pytest.raises(governance.LastSuperAdmin):
        await governance.replace_roles(
            db_session,
            actor=Actor(stale, None, None),
            user_id=cast.super_admin.id,
            codes=["admin"],
            motif=MOTIF,
        )
    assert "super_admin" in await role_codes(db_engine, cast.super_admin.id)


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/auth/refresh", json={"refresh_token": token})


async def test_suspension_ends_sessions_at_once_and_reactivation_restores(
    client: httpx.AsyncClient, db_engine: AsyncEngine, cast: Cast
) -> None:
    national, e164 = phone_of(9)
    tokens = await onboard(client, db_engine, national, e164)
    victim = await user_id_of(db_engine, "telephone", e164)
    me = await client.get("/api/user/me", headers=bearer(tokens["token"]))
    assert me.status_code == 200
    path = f"/api/admin/utilisateurs/{victim}"
    suspended = await client.post(
        f"{path}/suspension", json={"motif": "Fraude signalée"}, headers=cast.admin.headers
    )
    assert suspended.json()["data"] == {
        "id_user": victim,
        "actif": False,
        "raison_suspension": "Fraude signalée",
    }
    refused = await client.get("/api/user/me", headers=bearer(tokens["token"]))
    assert refused.status_code == 403
    assert refused.json()["error"] == "AccountSuspended"
    revoked = await _refresh(client, tokens["refresh_token"])
    assert revoked.status_code == 401
    assert revoked.json()["error"] == "SessionExpired"
    again = await client.post(
        f"{path}/suspension", json={"motif": "Fraude signalée"}, headers=cast.admin.headers
    )
    assert again.status_code == 409
    back = await client.post(
        f"{path}/reactivation", json={"motif": "Levée de doute"}, headers=cast.admin.headers
    )
    assert back.json()["data"]["actif"] is True
    # The sessions revoked by the suspension stay revoked, their access tokens with them:
    # the person signs in again.
    ended = await client.get("/api/user/me", headers=bearer(tokens["token"]))
    assert ended.status_code == 401
    assert ended.json()["error"] == "SessionEnded"
    assert (await _refresh(client, tokens["refresh_token"])).status_code == 401
    login = await client.post("/api/auth/login", json={"identifier": e164, "password": PASSWORD})
    assert login.status_code == 200


async def test_who_may_suspend_whom(
    client: httpx.AsyncClient, db_engine: AsyncEngine, cast: Cast
) -> None:
    def suspend(target: int, who: Member) -> Any:
        return client.post(
            f"/api/admin/utilisateurs/{target}/suspension",
            json={"motif": MOTIF},
            headers=who.headers,
        )

    assert (await suspend(cast.admin.id, cast.admin)).status_code == 403
    assert (await suspend(cast.super_admin.id, cast.super_admin)).status_code == 403
    assert (await suspend(cast.super_admin.id, cast.admin)).status_code == 403
    fellow = await _someone(client, db_engine, 6, "admin")
    assert (await suspend(fellow.id, cast.admin)).status_code == 403
    other = await _someone(client, db_engine, 5, "super_admin")
    assert (await suspend(other.id, cast.super_admin)).status_code == 200
    assert (await suspend(cast.admin.id, cast.super_admin)).status_code == 200
    assert (await client.get("/api/admin/roles", headers=cast.admin.headers)).status_code == 403
    missing = await suspend(999_999, cast.super_admin)
    assert missing.status_code == 404


async def test_user_detail_shows_the_account_and_no_secret(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    response = await client.get(
        f"/api/admin/utilisateurs/{cast.target.id}", headers=cast.admin.headers
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["telephone"] == phone_of(1)[1]
    assert data["actif"] is True
    assert data["niveau_kyc"] == 0
    assert data["compte"]["solde"] == 0
    assert data["compte"]["numero_compte"]
    assert [role["code"] for role in data["roles_detail"]] == ["user"]
    assert data["roles_detail"][0]["libelle"] == "Utilisateur"
    lowered = response.text.lower()
    assert "argon2" not in lowered
    assert "hash" not in lowered
    assert "mdp" not in lowered
    missing = await client.get("/api/admin/utilisateurs/999999", headers=cast.admin.headers)
    assert missing.status_code == 404


async def _journal(client: httpx.AsyncClient, who: Member, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/admin/journal", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_the_journal_is_filtered_and_paginated(
    client: httpx.AsyncClient, db_engine: AsyncEngine, cast: Cast
) -> None:
    admin, boss = cast.admin, cast.super_admin
    await _name(db_engine, boss.id)
    user = f"/api/admin/utilisateurs/{cast.user.id}"
    target = f"/api/admin/utilisateurs/{cast.target.id}"
    request_id = "req-governance-1"
    headers = {**admin.headers, "X-Request-ID": request_id}
    await client.post(f"{user}/suspension", json={"motif": "Premier"}, headers=headers)
    await client.post(f"{target}/suspension", json={"motif": "Deuxième"}, headers=admin.headers)
    await client.post(f"{user}/reactivation", json={"motif": "Troisième"}, headers=admin.headers)
    await client.put(
        f"{target}/roles", json={"roles": ["agent"], "motif": "Quatrième"}, headers=boss.headers
    )
    everything = await _journal(client, admin)
    motifs = [row["motif"] for row in everything["elements"]]
    assert motifs == ["Quatrième", "Troisième", "Deuxième", "Premier"]
    first = everything["elements"][-1]
    assert first["id_acteur"] == admin.id
    assert first["id_requete"] == request_id
    assert first["adresse_ip"]
    assert first["avant"] == {"actif": True, "raison_suspension": None}
    assert everything["elements"][0]["acteur"] == "Aya Traoré"

    def motifs_of(page: dict[str, Any]) -> list[str]:
        return [row["motif"] for row in page["elements"]]

    assert motifs_of(await _journal(client, admin, acteur=boss.id)) == ["Quatrième"]
    suspensions = await _journal(client, admin, action="utilisateur.susp")
    assert motifs_of(suspensions) == ["Deuxième", "Premier"]
    on_target = await _journal(
        client, admin, table_cible="utilisateur", cle_cible=str(cast.target.id)
    )
    assert motifs_of(on_target) == ["Quatrième", "Deuxième"]
    today = datetime.now(UTC).date()
    assert len((await _journal(client, admin, du=today, au=today))["elements"]) == 4
    tomorrow = today + timedelta(days=1)
    assert (await _journal(client, admin, du=tomorrow))["elements"] == []
    assert (await _journal(client, admin, au=today - timedelta(days=1)))["elements"] == []
    walked: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"curseur": cursor} if cursor else {})
        page = await _journal(client, admin, **params)
        walked += motifs_of(page)
        cursor = page["curseur_suivant"]
        if cursor is None:
            break
    assert walked == motifs
    broken = await client.get(
        "/api/admin/journal", params={"curseur": "pas-un-curseur"}, headers=admin.headers
    )
    assert broken.status_code == 422


async def _name(engine: AsyncEngine, user_id: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE utilisateur SET prenom = 'Aya', nom = 'Traoré' WHERE id_user = :u"),
            {"u": user_id},
        )
