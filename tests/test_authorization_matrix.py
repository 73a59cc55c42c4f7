"""The authorization matrix, generated from the application's route table (issue 10, item 3).

Every route declares a policy that `app.routes` carries (see `hostolink.auth.deps`):
- public (`PUBLIC`, the marker of every `public_router`),
- a named permission (`require(...)`),
- authenticated, serving only the caller's own data (`current_principal`),
- authenticated in the handler (the WebSocket),
- the metrics token (`METRICS_TOKEN`, `/metrics`: a credential of the operator's scraper).
A route without one fails `test_every_route_declares_a_policy`, so a new route must say who
may call it. Then each route is called as each actor, against real objects of user A:

- anonymous: a public route never answers 401/403; every other route answers 401;
- a permission route: 403 unless the actor's roles grant the permission, else neither 401
  nor 403 (the answer may still be 404 or 422: the matrix is about who gets in);
- an owner-scoped route naming one of A's objects (`OWNED`): 403 or 404 for everyone but
  A (unless the actor holds the permission noted beside the route), and nothing of A's
  changes (`test_nothing_of_user_a_changed`, run after the strangers and before A);
- user B is never let into an administration route.

One app and one database for the module; A's cells run last (they may delete A's objects).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.admin.accounts import create_admin
from hostolink.app import create_app
from hostolink.auth import permissions
from hostolink.auth.deps import (
    AuthenticatedInHandler,
    MetricsTokenAccess,
    PublicAccess,
    RequirePermission,
    current_principal,
)
from hostolink.auth.roles import ROLES
from hostolink.kit.identifiers import parse_identifier
from hostolink.seed import seed_reference_data
from tests.auth.helpers import PASSWORD, bearer
from tests.conftest import _PRESERVED
from tests.factories import asgi_client
from tests.kyc.helpers import submit
from tests.media.conftest import media_settings
from tests.media.helpers import image_bytes, post_image
from tests.wallet.helpers import person

# Not routes of the API: documentation and the files it loads.
SKIPPED = {
    "/openapi.json": "the OpenAPI document (documentation, public by design)",
    "/docs": "Swagger UI (documentation, public by design)",
    "/static/swagger": "Swagger UI's static files (mounted application)",
}
# Applications mounted with their own sign-in: called at their root, strangers never get in.
# The back-office's own matrix (each screen, and the JSON its pages refresh from, × actors):
# tests/backoffice/test_matrix.py.
MOUNTED = {"/admin": "the web back-office: session cookie, permissions checked by sqladmin views"}
# Public routes that answer 401/403 for a bad credential of their own (not for a missing
# account): the provider's signature, the signed link.
SIGNED = {
    ("POST", "/api/fournisseurs/{code}/notifications"): "signature of the provider",
    ("PUT", "/api/fournisseurs/{code}/notifications"): "signature of the provider",
    ("GET", "/api/kyc/fichiers/{jeton}"): "signed, expiring link",
    ("GET", "/api/assistance/pieces/{jeton}"): "signed, expiring link",
    ("GET", "/api/mon-compte/exports/telechargement/{jeton}"): "signed, expiring link",
}
# Public routes whose path looks administrative: the contract of the Flutter app.
# (The other methods of the alias only answer 405.)
PUBLIC_UNDER_ADMIN = {
    (method, "/admin/utilisateurs/check-user")
    for method in ("POST", "GET", "PUT", "PATCH", "DELETE")
}

UNUSED_DATABASE = "postgresql://nobody@127.0.0.1:9/unused"
ACTORS = ("anonymous", "user_b", "manager", "expert", "agent", "admin", "super_admin", "user_a")
STRANGERS = ACTORS[:-1]
# People without an administration permission: nothing of A's may appear in their answers.
NO_ADMINISTRATION = ("user_b", "manager", "expert")
ROLES_OF = {
    "anonymous": (),
    "user_a": ("user", "etablissement"),
    "user_b": ("user",),
    "manager": ("user", "etablissement"),
    "expert": ("user", "expert"),
    "agent": ("user", "agent"),
    "admin": ("user", "admin"),
    "super_admin": ("user", "admin", "super_admin"),
}
_GRANTS = {role.code: set(role.permissions) for role in ROLES}
PERMISSIONS_OF = {
    actor: set().union(*(_GRANTS[code] for code in roles)) for actor, roles in ROLES_OF.items()
}

MES = "/api/mes-etablissements/{id_etablissement}"
ASSISTANCE = "/api/assistance/conversations/{id_conversation}"
DESK = "/api/admin/assistance/conversations/{id_conversation}"
# Owner-scoped routes that name one of A's objects: (method, path) -> the permission that
# lets someone else in (None: nobody but A).
OWNED: dict[tuple[str, str], str | None] = {
    ("GET", "/api/contacts/{id_contact}"): None,
    ("PATCH", "/api/contacts/{id_contact}"): None,
    ("DELETE", "/api/contacts/{id_contact}"): None,
    ("GET", "/api/transactions/{reference}"): permissions.TRANSACTIONS_READ,
    ("GET", "/api/qr/{code}.png"): None,
    ("GET", "/api/qr/{code}.svg"): None,
    ("POST", "/api/qr/{code}/revoquer"): None,
    ("GET", "/api/operations/{reference}"): None,
    ("GET", "/api/depots/{reference}/code"): None,
    ("POST", "/api/depots/{reference}/code"): None,
    ("POST", "/api/notifications/{id_notification}/lue"): None,
    ("DELETE", "/api/appareils/{jeton}"): None,
    ("DELETE", "/api/medias/{id_media}"): None,
    ("PATCH", "/api/publications/{id_publication}"): None,
    ("DELETE", "/api/publications/{id_publication}"): None,
    ("DELETE", "/api/commentaires/{id_commentaire}"): None,
    ("GET", "/api/thematiques/{id_thematique}/messages"): None,
    ("POST", "/api/thematiques/{id_thematique}/messages"): None,
    ("POST", "/api/thematiques/{id_thematique}/lu"): None,
    ("PATCH", MES): None,
    ("GET", MES + "/portefeuille"): None,
    ("POST", MES + "/qr"): None,
    ("GET", MES + "/qr/statique.png"): None,
    ("GET", MES + "/qr/statique.svg"): None,
    ("GET", MES + "/qr/{code}.png"): None,
    ("GET", MES + "/qr/{code}.svg"): None,
    ("GET", MES + "/transactions"): None,
    ("GET", MES + "/transactions/{reference}"): None,
    ("POST", MES + "/retraits"): None,
    ("POST", MES + "/experts"): None,
    ("GET", MES + "/experts"): None,
    ("DELETE", MES + "/experts/{id_user}"): None,
    ("GET", ASSISTANCE): None,
    ("GET", ASSISTANCE + "/messages"): None,
    ("POST", ASSISTANCE + "/messages"): None,
    ("POST", ASSISTANCE + "/lu"): None,
    # A's other session (another sign-in than the one A calls with).
    ("DELETE", "/api/mon-compte/sessions/{id_session}"): None,
}
MOTIF = "Contrôle de l'autorisation"
# Valid bodies where a stranger must be stopped by the owner check, not by validation.
# `POST /api/mon-compte/suppression` gets none (422 for everyone): it names no object, only
# the caller's own account, and with a real PIN every actor would delete itself; who may
# delete what is tests/account/test_deletion*.py.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/api/contacts/{id_contact}"): {"alias": "Changé par un autre"},
    ("POST", "/api/depots/{reference}/code"): {"code": "123456"},
    ("PATCH", "/api/publications/{id_publication}"): {"contenu": "Changé par un autre"},
    ("POST", "/api/thematiques/{id_thematique}/messages"): {"contenu": "Bonjour"},
    ("POST", "/api/thematiques/{id_thematique}/lu"): {"id_message": 1},
    ("PATCH", MES): {"description": "Changé par un autre"},
    ("POST", "/api/assistance/conversations"): {"sujet": "Question", "message": "Bonjour"},
    ("POST", ASSISTANCE + "/messages"): {"contenu": "Bonjour"},
    ("POST", ASSISTANCE + "/lu"): {"id_message": 1},
    ("POST", DESK + "/messages"): {"contenu": "Réponse du support"},
    ("POST", DESK + "/transfert"): {"id_agent": 1},
    ("POST", DESK + "/lu"): {"id_message": 1},
    ("POST", "/api/admin/assistance/messages/{id_message}/masquage"): {"motif": MOTIF},
    ("POST", MES + "/qr"): {"montant": 500},
    ("POST", MES + "/retraits"): {
        "fournisseur": "sandbox",
        "montant": 500,
        "numero": "0700000099",
        "pin": PASSWORD,
    },
    ("POST", MES + "/experts"): {"identifiant": "0700000004", "specialite": "Cardiologie"},
    # Each caller's own account (no object named): the right PIN takes everyone past the
    # checks to a code sent for their own change (or the resend throttle), never 401/403.
    ("POST", "/api/mon-compte/identifiant"): {"nouvel_identifiant": "0700000098", "pin": PASSWORD},
    ("POST", "/api/admin/utilisateurs/{id_user}/suspension"): {"motif": MOTIF},
    ("POST", "/api/admin/utilisateurs/{id_user}/reactivation"): {"motif": MOTIF},
    ("PUT", "/api/admin/utilisateurs/{id_user}/roles"): {"roles": ["expert"], "motif": MOTIF},
    ("POST", "/api/admin/taches/{id_tache}/relance"): {"motif": MOTIF},
    ("POST", "/api/admin/taches/{id_tache}/annulation"): {"motif": MOTIF},
    # The caller's own secret (no object of anyone's in the path): anonymous gets 401, each
    # signed-in actor gets through to the policy, which refuses this new PIN (422); so no
    # cell changes a password the other cells sign in or pay with. The change itself, its
    # lockout and the sessions it ends: tests/account/test_security.py.
    ("POST", "/api/mon-compte/mot-de-passe"): {
        "mot_de_passe_actuel": PASSWORD,
        "nouveau_mot_de_passe": "1234",
        "confirmation": "1234",
    },
}


@dataclass
class Route:
    method: str
    path: str
    policy: str  # public | permission | authenticated | in_handler | session | token
    permission: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def _calls(dependant: Any) -> list[Any]:
    found = [dependant.call]
    for sub in dependant.dependencies:
        found += _calls(sub)
    return found


# Markers that name a route's policy by themselves, in this order.
MARKERS: tuple[tuple[type, str], ...] = (
    (AuthenticatedInHandler, "in_handler"),
    (MetricsTokenAccess, "token"),
    (PublicAccess, "public"),
)


def _policy(method: str, path: str, dependant: Any) -> Route | None:
    calls = _calls(dependant)
    required = [c for c in calls if isinstance(c, RequirePermission)]
    if required:
        return Route(method, path, "permission", required[0].permission)
    # Another kind of named permission (e.g. a back-office session): refuses strangers.
    named = [c for c in calls if isinstance(getattr(c, "permission", None), str)]
    if named:
        return Route(method, path, "session", named[0].permission)
    if any(c is current_principal for c in calls):
        return Route(method, path, "authenticated")
    for marker, policy in MARKERS:
        if any(isinstance(c, marker) for c in calls):
            return Route(method, path, policy)
    return None


def route_table() -> tuple[list[Route], list[str]]:
    """(routes with their policy, routes without one)."""
    # Only the route table is read: the database is never reached.
    app = create_app(media_settings(_scratch_dir()), database_url=UNUSED_DATABASE)
    routes: list[Route] = []
    undeclared: list[str] = []
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        path = str(context.path)
        if path in SKIPPED:
            continue
        if isinstance(original, APIWebSocketRoute):
            methods = ["WS"]
        elif isinstance(original, APIRoute):
            methods = sorted(context.methods or ())
        elif path in MOUNTED:
            routes.append(Route("GET", path + "/", "session"))
            continue
        else:
            undeclared.append(f"{type(original).__name__} {path}")
            continue
        for method in methods:
            found = _policy(method, path, context.dependant)
            if found is None:
                undeclared.append(f"{method} {path}")
            else:
                routes.append(found)
    return routes, undeclared


def _scratch_dir() -> Path:
    return Path(tempfile.gettempdir()) / "hostolink-authz-matrix"


ROUTES, UNDECLARED = route_table()
CELLS = [(route, actor) for actor in STRANGERS for route in ROUTES]
# A's deletions last (leaving the room, deleting the post…), after what they would hide.
OWNER_CELLS = [(route, "user_a") for route in sorted(ROUTES, key=lambda r: r.method == "DELETE")]


def test_every_route_declares_a_policy() -> None:
    assert not UNDECLARED, f"routes without a declared policy: {UNDECLARED}"
    assert len(ROUTES) > 150  # the table is really read


def test_administration_routes_name_a_permission() -> None:
    loose = [
        r.name
        for r in ROUTES
        if (r.path.startswith("/api/admin/") or r.path == "/admin/utilisateurs")
        and r.key not in PUBLIC_UNDER_ADMIN
        and r.policy not in ("permission", "session")
    ]
    assert not loose


def test_owned_routes_exist() -> None:
    keys = {r.key for r in ROUTES}
    assert set(OWNED) <= keys, set(OWNED) - keys


def test_matrix_size() -> None:
    cells = len(CELLS) + len(OWNER_CELLS)
    print(f"\nauthorization matrix: {len(ROUTES)} routes x {len(ACTORS)} actors = {cells} cells")
    assert cells == len(ROUTES) * len(ACTORS)


# ------------------------------------------------------------------------------ the world


@dataclass
class World:
    client: httpx.AsyncClient
    app: Any
    engine: AsyncEngine
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    snapshot: dict[str, Any] = field(default_factory=dict)


async def _scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.begin() as connection:
        return await connection.scalar(text(sql), params)


async def _admin(world: World, email: str, *, super_admin: bool) -> None:
    async with AsyncSession(world.engine, expire_on_commit=False) as session, session.begin():
        await create_admin(
            session,
            settings=media_settings(_scratch_dir()),
            identifier=parse_identifier(email),
            password=PASSWORD,
            super_admin=super_admin,
        )
    login = await world.client.post(
        "/api/auth/login", json={"identifier": email, "password": PASSWORD}
    )
    actor = "super_admin" if super_admin else "admin"
    world.headers[actor] = bearer(login.json()["token"])
    world.ids[actor] = int(
        await _scalar(world.engine, "SELECT id_user FROM utilisateur WHERE email = :e", e=email)
    )


async def _ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200, 201)), response.text
    body: dict[str, Any] = response.json()
    return body


async def _people(world: World) -> None:
    numbers = {"user_a": 1, "user_b": 2, "manager": 3, "expert": 4, "agent": 5, "target": 6}
    for actor, n in numbers.items():
        who = await person(world.client, world.engine, n)
        world.headers[actor] = who.headers
        world.ids[actor] = int(
            await _scalar(
                world.engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=who.phone
            )
        )
        world.params[f"numero_{actor}"] = who.numero_compte
        world.params[f"telephone_{actor}"] = who.phone
    for actor, role in (("expert", "expert"), ("agent", "agent")):
        await _scalar(
            world.engine,
            "INSERT INTO utilisateur_role (id_user, id_role)"
            " SELECT :u, id_role FROM role_permission WHERE code = :c RETURNING id_role",
            u=world.ids[actor],
            c=role,
        )
    await _admin(world, "admin@example.com", super_admin=False)
    await _admin(world, "chef@example.com", super_admin=True)
    # A second sign-in of A, from another device: the session the strangers try to end.
    await _ok(
        await world.client.post(
            "/api/auth/login",
            json={"identifier": world.params["telephone_user_a"], "password": PASSWORD},
            headers={"User-Agent": "Hostolink/1.4.0 (Android 14)"},
        )
    )
    world.params["session_a"] = str(
        await _scalar(
            world.engine,
            "SELECT famille FROM jeton_rafraichissement WHERE id_user = :u ORDER BY id DESC"
            " LIMIT 1",
            u=world.ids["user_a"],
        )
    )


async def _establishments(world: World) -> None:
    client, admin = world.client, world.headers["admin"]
    ids = []
    for name in ("Clinique de A", "Pharmacie du gestionnaire", "Centre de la cible"):
        body = {
            "nom": name,
            "region": "Abidjan",
            "categorie": "clinique",
            "lat": 5.32,
            "lon": -4.01,
        }
        ids.append(
            (await _ok(await client.post("/api/admin/etablissements", json=body, headers=admin)))[
                "data"
            ]["id_etablissement"]
        )
    world.ids["etablissement"], world.ids["etablissement_m"], world.ids["etablissement_t"] = ids
    ask = {"justificatif": "Directeur de l'établissement, joignable au standard."}
    for actor, place in (("user_a", ids[0]), ("manager", ids[1]), ("target", ids[2])):
        await _ok(
            await client.post(
                f"/api/etablissements/{place}/demandes-gestion",
                json=ask,
                headers=world.headers[actor],
            )
        )
    for actor, place in (("user_a", ids[0]), ("manager", ids[1])):
        await _ok(
            await client.post(
                f"/api/admin/demandes-gestion/{place}/{world.ids[actor]}/approbation", headers=admin
            )
        )
    qr = await client.post(
        MES.format(id_etablissement=ids[0]) + "/qr",
        json={"montant": 1500},
        headers=world.headers["user_a"],
    )
    world.params["code_etablissement"] = (await _ok(qr))["data"]["code"]


async def _money(world: World) -> None:
    client, a = world.client, world.headers["user_a"]
    credit = await client.post(
        f"/api/admin/comptes/{world.params['numero_user_a']}/ajustements",
        json={"sens": "credit", "montant": 50_000, "motif": "Approvisionnement de test"},
        headers=world.headers["admin"],
    )
    world.params["transaction"] = (await _ok(credit))["data"]["reference"]
    qr = await client.post("/api/qr/dynamique", json={"montant": 2500}, headers=a)
    world.params["code_qr"] = (await _ok(qr))["data"]["code"]
    deposit = await client.post(
        "/api/depots",
        json={"fournisseur": "sandbox", "montant": 5000, "numero": "0700000001"},
        headers={**a, "Idempotency-Key": str(uuid.uuid4())},
    )
    data = (await _ok(deposit, 202))["data"]
    world.params["operation"] = data["reference"]
    world.params["sandbox"] = data["url_paiement"].rsplit("/", 1)[-1]
    contact = await client.post(
        "/api/contacts", json={"identifiant": "0700000006", "alias": "Cible"}, headers=a
    )
    world.ids["contact"] = (await _ok(contact))["data"]["id_contact"]
    world.ids["notification"] = int(
        await _scalar(
            world.engine,
            "SELECT min(id_notification) FROM notification WHERE id_user = :u",
            u=world.ids["user_a"],
        )
    )


async def _social(world: World) -> None:
    client, a = world.client, world.headers["user_a"]
    post = await client.post(
        "/api/publications", json={"contenu": "Dépistage gratuit samedi."}, headers=a
    )
    world.ids["publication"] = (await _ok(post))["data"]["id_publication"]
    path = f"/api/publications/{world.ids['publication']}"
    comment = await client.post(
        path + "/commentaires", json={"contenu": "Venez nombreux."}, headers=a
    )
    world.ids["commentaire"] = (await _ok(comment))["data"]["id_commentaire"]
    share = await client.post(path + "/partages", json={}, headers=a)
    world.params["partage"] = (await _ok(share))["data"]["jeton"]
    other = await client.post(
        "/api/publications",
        json={"contenu": "Publication signalée."},
        headers=world.headers["target"],
    )
    report = await client.post(
        "/api/signalements",
        json={"id_publication": (await _ok(other))["data"]["id_publication"], "motif": "spam"},
        headers=a,
    )
    world.ids["signalement"] = (await _ok(report))["data"]["id_signalement"]
    media = await post_image(client, a, image_bytes("JPEG"))
    world.ids["media"] = (await _ok(media))["data"]["id_media"]
    device = await client.post(
        "/api/appareils", json={"jeton": "appareil-de-a-" + "x" * 20}, headers=a
    )
    await _ok(device)
    world.params["appareil"] = "appareil-de-a-" + "x" * 20
    kyc = await submit(client, a)
    world.ids["verification"] = (await _ok(kyc))["data"]["id_verification"]


async def _contents(world: World) -> None:
    client, admin, a = world.client, world.headers["admin"], world.headers["user_a"]
    room = await client.post(
        "/api/admin/thematiques",
        json={"titre": "Diabète", "description": "Questions"},
        headers=admin,
    )
    world.ids["thematique"] = (await _ok(room))["data"]["id_thematique"]
    await _ok(await client.post(f"/api/thematiques/{world.ids['thematique']}/membres", headers=a))
    said = await client.post(
        f"/api/thematiques/{world.ids['thematique']}/messages",
        json={"contenu": "Bonjour"},
        headers=a,
    )
    await _ok(said)
    window = {"date_debut": "2026-01-01T00:00:00Z", "date_fin": "2030-01-01T00:00:00Z"}
    body = {"titre": "Campagne de vaccination", **window}
    announcement = await client.post("/api/admin/annonces", json=body, headers=admin)
    world.ids["annonce"] = (await _ok(announcement))["data"]["id_annonce"]
    body = {"annonceur": "Pharmacie", "titre": "Promotion", **window}
    ad = await client.post("/api/admin/publicites", json=body, headers=admin)
    world.ids["publicite"] = (await _ok(ad))["data"]["id_publicite"]
    number = await client.post(
        "/api/admin/numeros-urgence",
        json={"service": "SOS Test", "numero": "143", "libelle": "Secours"},
        headers=admin,
    )
    world.ids["numero"] = (await _ok(number))["data"]["id_numero"]


async def _assistance(world: World) -> None:
    """A's conversation with the help desk, about A's transaction."""
    opened = await world.client.post(
        "/api/assistance/conversations",
        json={
            "sujet": "Crédit reçu ?",
            "message": "Bonjour",
            "reference_transaction": world.params["transaction"],
        },
        headers=world.headers["user_a"],
    )
    world.ids["conversation"] = (await _ok(opened))["data"]["id_conversation"]
    world.ids["message_assistance"] = int(
        await _scalar(
            world.engine,
            "SELECT min(id_message) FROM message_assistance WHERE id_conversation = :c",
            c=world.ids["conversation"],
        )
    )


@pytest.fixture(scope="module")
async def world(database_url: str, _session_engine: AsyncEngine) -> AsyncIterator[World]:
    engine = _session_engine
    async with engine.begin() as connection:
        names = await connection.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        )
        tables = ", ".join(f'"{name}"' for name in names if name not in _PRESERVED)
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        await seed_reference_data(session)
    settings = media_settings(
        _scratch_dir(), SANDBOX_DUPLICATE_RATE=0, SANDBOX_PAYOUT_DELAY_SECONDS=0
    )
    app = create_app(settings, database_url=database_url)
    async with asgi_client(app) as client:
        built = World(client, app, engine)
        built.headers["anonymous"] = {}
        await _people(built)
        await _establishments(built)
        await _money(built)
        await _social(built)
        await _contents(built)
        await _assistance(built)
        built.snapshot = await _snapshot(built)
        yield built
    if app.state.sandbox is not None:
        await app.state.sandbox.close()
    await app.state.db.dispose()


async def _snapshot(world: World) -> dict[str, Any]:
    """What a stranger could have changed of A's."""
    rows = {
        "contact": ("contacts_enregistres", "id_contact"),
        "commentaire": ("commentaire", "id_commentaire"),
        "media": ("media", "id_media"),
        "notification": ("notification", "id_notification"),
    }
    found: dict[str, Any] = {}
    for key, (table, column) in rows.items():
        # Literals of this test, never input.
        sql = f"SELECT row_to_json(t)::text FROM {table} t WHERE {column} = :id"  # noqa: S608
        found[key] = await _scalar(world.engine, sql, id=world.ids[key])
    found["publication"] = await _scalar(
        world.engine,
        "SELECT contenu || statut FROM publication WHERE id_publication = :id",
        id=world.ids["publication"],
    )
    found["qr"] = await _scalar(
        world.engine,
        "SELECT row_to_json(q)::text FROM qr_code_paiement q WHERE code = :c",
        c=world.params["code_qr"],
    )
    found["appareils"] = await _scalar(
        world.engine, "SELECT count(*) FROM appareil_push WHERE id_user = :u", u=world.ids["user_a"]
    )
    found["sessions"] = await _scalar(
        world.engine,
        "SELECT string_agg(famille::text || coalesce(date_revocation::text, ''), ',' ORDER BY id)"
        " FROM jeton_rafraichissement WHERE id_user = :u",
        u=world.ids["user_a"],
    )
    found["etablissement"] = await _scalar(
        world.engine,
        "SELECT description FROM etablissement_sante WHERE id_etablissement = :id",
        id=world.ids["etablissement"],
    )
    found["assistance"] = await _scalar(
        world.engine,
        "SELECT count(*) FROM message_assistance WHERE id_conversation = :id"
        " AND auteur = 'utilisateur'",
        id=world.ids["conversation"],
    )
    found["messages"] = await _scalar(
        world.engine,
        "SELECT count(*) FROM message WHERE id_thematique = :id",
        id=world.ids["thematique"],
    )
    return found


# -------------------------------------------------------------------------------- the cells


# Path parameters: (name, path prefix, where the value comes from); the first match wins.
# "ids:x" / "params:x" read the world, "=x" is the literal x; anything else gets 1.
PARAMETERS: list[tuple[str, str, str]] = [
    ("id_user", "/api/admin/", "ids:target"),
    ("id_user", MES, "ids:expert"),
    ("id_user", "", "ids:user_a"),
    ("id_etablissement", "/api/admin/demandes-gestion", "ids:etablissement_t"),
    ("id_etablissement", "", "ids:etablissement"),
    ("numero_compte", "", "params:numero_target"),
    ("reference", "/api/operations/", "params:operation"),
    ("reference", "/api/depots/", "params:operation"),
    ("reference", "/api/admin/operations/", "params:operation"),
    ("reference", "/sandbox", "params:operation"),
    ("reference", "", "params:transaction"),
    ("code", "/api/fournisseurs", "=sandbox"),
    ("code", MES, "params:code_etablissement"),
    ("code", "", "params:code_qr"),
    ("jeton", "/api/appareils", "params:appareil"),
    ("jeton", "/api/kyc", "=lien-inconnu"),
    ("jeton", "/api/mon-compte/exports", "=lien-inconnu"),
    ("jeton", "/api/assistance/pieces", "=lien-inconnu"),
    ("id_message", "/api/admin/assistance/", "ids:message_assistance"),
    ("jeton", "", "params:partage"),
    ("operation_id", "", "params:sandbox"),
    ("room_id", "", "ids:thematique"),
    ("key", "", "=inconnu.webp"),
    ("path", "", "=app.css"),
    # No such job: the job desk's actions answer 404 to whoever may act, changing nothing.
    ("id_tache", "", "=999999999"),
    ("id_session", "", "params:session_a"),
    *[
        (f"id_{name}", "", f"ids:{name}")
        for name in (
            "contact",
            "publication",
            "commentaire",
            "notification",
            "media",
            "thematique",
            "signalement",
            "verification",
            "annonce",
            "publicite",
            "numero",
            "conversation",
        )
    ],
]


def _value(world: World, route: Route, name: str) -> str:
    for parameter, prefix, source in PARAMETERS:
        if parameter == name and route.path.startswith(prefix):
            kind, _, key = source.partition(":")
            if source.startswith("="):
                return source[1:]
            return str(world.ids[key] if kind == "ids" else world.params[key])
    return "1"


def _url(world: World, route: Route) -> str:
    return re.sub(
        r"\{([a-z_]+)(?::[a-z]+)?\}", lambda m: _value(world, route, m.group(1)), route.path
    )


async def _call(world: World, route: Route, actor: str) -> int:
    headers = {**world.headers[actor], "Idempotency-Key": str(uuid.uuid4())}
    body = BODIES.get(route.key, {}) if route.method in ("POST", "PUT", "PATCH") else None
    url = _url(world, route)
    response = await world.client.request(route.method, url, json=body, headers=headers)
    if actor in NO_ADMINISTRATION:
        # A value the request itself carried may be echoed (a page repeating its reference).
        secrets = {k: v for k, v in _secrets_of_a(world).items() if v not in url}
        leaked = [name for name, value in secrets.items() if value in response.text]
        assert not leaked, f"{actor} read {leaked} of user A"
    return response.status_code


def _secrets_of_a(world: World) -> dict[str, str]:
    """What only A (and the administration) may see of A's."""
    return {
        "account number": world.params["numero_user_a"],
        "transaction": world.params["transaction"],
        "operation": world.params["operation"],
        "QR code": world.params["code_qr"],
        "merchant QR code": world.params["code_etablissement"],
        "push device": world.params["appareil"],
        "identity document number": "CI0023456",
    }


async def _socket(world: World, route: Route, actor: str) -> str:
    """Drive the WebSocket route in-process: 'accepted' or 'closed <code>'."""
    url = _url(world, route)
    token = world.headers[actor].get("Authorization", "").removeprefix("Bearer ")
    incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await incoming.put({"type": "websocket.connect"})
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "subprotocols": ["bearer", token] if token else [],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    task = asyncio.create_task(world.app(scope, incoming.get, outgoing.put))
    try:
        while True:
            message = await asyncio.wait_for(outgoing.get(), 30)
            if message["type"] == "websocket.close":
                return f"closed {message.get('code')}"
            if message["type"] == "websocket.accept":
                continue
            if message["type"] == "websocket.send":
                # A member is served: the first frame proves the socket is open to them.
                return "accepted"
    finally:
        await incoming.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(task, 30)


def _cell_id(cell: tuple[Route, str]) -> str:
    return f"{cell[0].name} × {cell[1]}"


def _expect(route: Route, actor: str, status: int) -> None:
    granted = PERMISSIONS_OF[actor]
    if route.policy == "public":
        if route.key not in SIGNED:
            assert status not in (401, 403), status
        return
    if route.policy == "token":
        # No token is set here, outside production: open to anyone (the token rule, and the
        # 404 of production without one: tests/test_metrics.py).
        assert status == 200, status
        return
    if route.policy == "session":  # another credential: never open to strangers
        if actor in ("anonymous", "user_b"):
            assert not 200 <= status < 300, status
        return
    if actor == "anonymous":
        assert status == 401, status
        return
    assert status != 401, status
    if route.policy == "permission":
        if route.permission in granted:
            assert status != 403, status
        else:
            assert status == 403, status
        return
    if route.key in OWNED and actor != "user_a":
        override = OWNED[route.key]
        if override is None or override not in granted:
            assert status in (403, 404), status
    elif route.key in OWNED:
        assert status != 403, status


# WebSockets that a permission also opens: path -> (that permission, what the others get,
# whether A is served as the owner). The others: A only, everyone else 4403.
SOCKETS: dict[str, tuple[str | None, str, bool]] = {
    "/ws/assistance/conversations/{id_conversation}": (
        permissions.SUPPORT_ANSWER,
        "closed 4404",  # someone else's conversation is not said to exist
        True,
    ),
    "/ws/assistance/file": (permissions.SUPPORT_ANSWER, "closed 4403", False),
}


def _socket_expected(route: Route, actor: str) -> str:
    permission, refused, owned = SOCKETS.get(route.path, (None, "closed 4403", True))
    if actor == "anonymous":
        return "closed 4401"
    if (actor == "user_a" and owned) or permission in PERMISSIONS_OF[actor]:
        return "accepted"
    return refused


async def _run(world: World, route: Route, actor: str) -> None:
    if route.policy == "in_handler":
        outcome = await _socket(world, route, actor)
        assert outcome == _socket_expected(route, actor)
        return
    _expect(route, actor, await _call(world, route, actor))


@pytest.mark.parametrize(("route", "actor"), CELLS, ids=[_cell_id(c) for c in CELLS])
async def test_strangers(world: World, route: Route, actor: str) -> None:
    await _run(world, route, actor)


async def test_nothing_of_user_a_changed(world: World) -> None:
    assert await _snapshot(world) == world.snapshot


@pytest.mark.parametrize(("route", "actor"), OWNER_CELLS, ids=[_cell_id(c) for c in OWNER_CELLS])
async def test_owner(world: World, route: Route, actor: str) -> None:
    await _run(world, route, actor)
