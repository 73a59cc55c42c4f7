"""Named permissions: read from the database on every request, the union of a person's roles,
a super-administrator acts without the admin role, and nobody grants themselves a role."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.auth import permissions
from hostolink.auth import principal as principals
from hostolink.auth.roles import ROLES
from tests.auth.helpers import PASSWORD, bearer, grant_role, role_codes
from tests.wallet.helpers import make_admin, person

MOTIF = "Contrôle de conformité"
_WHERE = {"lat": 5.3210, "lon": -4.0180}
_PERMISSIONS = {role.code: set(role.permissions) for role in ROLES}


@dataclass(frozen=True)
class Someone:
    id: int
    headers: dict[str, str]


async def _execute(engine: AsyncEngine, sql: str, **params: object) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(sql), params)


async def _someone(client: httpx.AsyncClient, engine: AsyncEngine, n: int, *roles: str) -> Someone:
    who = await person(client, engine, n)
    async with engine.begin() as connection:
        user_id = await connection.scalar(
            text("SELECT id_user FROM utilisateur WHERE telephone = :t"), {"t": who.phone}
        )
    for code in roles:
        await grant_role(engine, int(user_id), code)
    return Someone(int(user_id), who.headers)


async def _cli_admin(
    client: httpx.AsyncClient, engine: AsyncEngine, email: str, *, super_admin: bool
) -> Someone:
    """What `hostolink create-admin [--super]` does, then a sign-in through the API."""
    await make_admin(engine, email, super_admin=super_admin)
    login = await client.post("/api/auth/login", json={"identifier": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    me = await client.get("/api/user/me", headers=bearer(login.json()["token"]))
    return Someone(int(me.json()["data"]["id_user"]), bearer(login.json()["token"]))


class TestReadOnEveryRequest:
    async def test_a_role_losing_a_permission_refuses_the_next_request(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        agent = await _someone(client, db_engine, 1, "agent")
        assert (await client.get("/api/admin/utilisateurs", headers=agent.headers)).is_success
        await _execute(
            db_engine,
            "UPDATE role_permission SET permissions = array_remove(permissions, :p)"
            " WHERE code = 'agent'",
            p=permissions.USERS_READ,
        )
        refused = await client.get("/api/admin/utilisateurs", headers=agent.headers)
        assert refused.status_code == 403
        assert refused.json()["message"] == "Permission requise : utilisateurs:lire."
        await _execute(
            db_engine,
            "UPDATE role_permission SET permissions = permissions || :p WHERE code = 'agent'",
            p=[permissions.USERS_READ],
        )
        assert (await client.get("/api/admin/utilisateurs", headers=agent.headers)).is_success

    async def test_a_permission_added_to_a_role_counts_at_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        expert = await _someone(client, db_engine, 1, "expert")
        assert (await client.get("/api/admin/journal", headers=expert.headers)).status_code == 403
        await _execute(
            db_engine,
            "UPDATE role_permission SET permissions = permissions || :p WHERE code = 'expert'",
            p=[permissions.AUDIT_READ],
        )
        assert (await client.get("/api/admin/journal", headers=expert.headers)).is_success

    async def test_removing_a_persons_role_row_refuses_the_next_request(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await _cli_admin(client, db_engine, "admin@example.com", super_admin=False)
        assert (await client.get("/api/admin/journal", headers=admin.headers)).is_success
        await _execute(
            db_engine,
            "DELETE FROM utilisateur_role WHERE id_user = :u"
            " AND id_role = (SELECT id_role FROM role_permission WHERE code = 'admin')",
            u=admin.id,
        )
        refused = await client.get("/api/admin/journal", headers=admin.headers)
        assert refused.status_code == 403
        assert refused.json()["message"] == "Permission requise : journal:lire."
        # The same token still serves the person's own data: only the permission went.
        assert (await client.get("/api/user/me", headers=admin.headers)).is_success


class TestUnion:
    async def test_several_roles_hold_every_permission_of_each(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        both = await _someone(client, db_engine, 1, "agent", "etablissement")
        async with db_engine.connect() as connection:
            row = (await connection.execute(principals.PRINCIPAL_BY_ID, {"user_id": both.id})).one()
        principal = principals.from_row(row)
        assert principal.roles == {"user", "agent", "etablissement"}
        assert principal.permissions == (
            _PERMISSIONS["user"] | _PERMISSIONS["agent"] | _PERMISSIONS["etablissement"]
        )

    async def test_each_role_brings_its_own_routes(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        agent = await _someone(client, db_engine, 1, "agent")
        journal = "/api/admin/journal"
        assert (await client.get("/api/admin/utilisateurs", headers=agent.headers)).is_success
        assert (await client.get(journal, headers=agent.headers)).status_code == 403
        await _execute(
            db_engine,
            "UPDATE role_permission SET permissions = :p WHERE code = 'expert'",
            p=[permissions.AUDIT_READ],
        )
        await _execute(
            db_engine,
            "INSERT INTO utilisateur_role (id_user, id_role) VALUES (:u, 3)",
            u=agent.id,
        )
        assert (await client.get("/api/admin/utilisateurs", headers=agent.headers)).is_success
        assert (await client.get(journal, headers=agent.headers)).is_success


ADMIN_READS = [
    "/api/admin/utilisateurs",
    "/admin/utilisateurs",
    "/api/admin/journal",
    "/api/admin/verifications-identite",
    "/api/admin/moderation",
    "/api/admin/operations",
    "/api/admin/demandes-gestion",
    "/api/admin/thematiques",
    "/api/admin/annonces",
    "/api/admin/publicites",
    "/api/admin/roles",
]


class TestAdministrators:
    def test_super_admin_holds_every_administration_permission(self) -> None:
        assert _PERMISSIONS["admin"] <= _PERMISSIONS["super_admin"]
        assert {permissions.ROLES_ASSIGN, permissions.FEES_MANAGE} <= _PERMISSIONS["super_admin"]
        assert permissions.ROLES_ASSIGN not in _PERMISSIONS["admin"]

    async def test_create_admin_gives_a_working_admin(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await _cli_admin(client, db_engine, "admin@example.com", super_admin=False)
        for path in ADMIN_READS:
            response = await client.get(path, headers=admin.headers)
            assert response.status_code == 200, (path, response.text)
        target = await _someone(client, db_engine, 1)
        roles = await client.put(
            f"/api/admin/utilisateurs/{target.id}/roles",
            json={"roles": ["expert"], "motif": MOTIF},
            headers=admin.headers,
        )
        assert roles.status_code == 403

    async def test_a_super_admin_without_the_admin_role_acts(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        boss = await _cli_admin(client, db_engine, "chef@example.com", super_admin=True)
        await _execute(
            db_engine,
            "DELETE FROM utilisateur_role WHERE id_user = :u AND id_role = 5",
            u=boss.id,
        )
        assert await role_codes(db_engine, boss.id) == ["super_admin", "user"]
        for path in ADMIN_READS:
            response = await client.get(path, headers=boss.headers)
            assert response.status_code == 200, (path, response.text)
        target = await _someone(client, db_engine, 1)
        suspended = await client.post(
            f"/api/admin/utilisateurs/{target.id}/suspension",
            json={"motif": MOTIF},
            headers=boss.headers,
        )
        assert suspended.status_code == 200, suspended.text


class TestNobodyGrantsThemselvesARole:
    @pytest.mark.parametrize("roles", [(), ("agent",), ("admin",), ("super_admin",)])
    async def test_own_roles_cannot_be_changed(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, roles: tuple[str, ...]
    ) -> None:
        someone = await _someone(client, db_engine, 1, *roles)
        before = await role_codes(db_engine, someone.id)
        response = await client.put(
            f"/api/admin/utilisateurs/{someone.id}/roles",
            json={"roles": ["admin", "super_admin", "expert"], "motif": MOTIF},
            headers=someone.headers,
        )
        assert response.status_code == 403
        assert await role_codes(db_engine, someone.id) == before

    async def test_an_admin_cannot_approve_their_own_management_request(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        """Approving a request to manage an establishment grants the role `etablissement`
        (and the merchant account's till): never to the approving administrator."""
        admin = await _cli_admin(client, db_engine, "admin@example.com", super_admin=False)
        created = await client.post(
            "/api/admin/etablissements",
            json={"nom": "Clinique Test", "region": "Abidjan", "categorie": "clinique", **_WHERE},
            headers=admin.headers,
        )
        assert created.status_code == 201, created.text
        place = created.json()["data"]["id_etablissement"]
        asked = await client.post(
            f"/api/etablissements/{place}/demandes-gestion",
            json={"justificatif": "Je suis le directeur de cette clinique."},
            headers=admin.headers,
        )
        assert asked.status_code in (200, 201), asked.text
        approved = await client.post(
            f"/api/admin/demandes-gestion/{place}/{admin.id}/approbation", headers=admin.headers
        )
        assert approved.status_code == 403
        assert "etablissement" not in await role_codes(db_engine, admin.id)
