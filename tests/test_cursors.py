"""A pagination cursor the server did not issue is refused, never a 500 (issue 21, finding A).

A cursor carrying an id of 10^20 used to reach asyncpg and overflow BIGINT (a 500); so did
a float, a date out of range, garbage inside valid base64… The decoding every route shares
(`hostolink.kit.pagination.decode_cursor` and its helpers, the directory's own JSON cursor)
now refuses them with `InvalidCursor` and a French message. The routes are read from the
application's OpenAPI document (every string `curseur` query parameter), so a new route that
takes a cursor fails `test_every_cursor_route_is_called_here` until it is added to `ROUTES`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.kit.params import INT4_MAX, INT8_MAX
from tests.auth.helpers import PASSWORD, bearer
from tests.conftest import make_settings
from tests.factories import member
from tests.health.helpers import create
from tests.social.helpers import post
from tests.wallet.helpers import ADMIN, make_admin, person

UNUSED_DATABASE = "postgresql://nobody@127.0.0.1:9/unused"
# The refusal: `InvalidCursor` (a BadRequest, like every malformed cursor before issue 21).
REFUSED = 422
MESSAGE = "Curseur de pagination invalide"
MOMENT = "2026-01-01T00:00:00+00:00"


def _b64(raw: bytes | str) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _json(value: Any) -> str:
    return _b64(json.dumps(value))


# Forged cursors that are not base64 of anything the server writes: every kind of route.
_GARBAGE = {
    "not-base64": "!!!",
    "bad-padding": "abcde",
    "base64-of-garbage-bytes": _b64(b"\xff\xfe\x00garbage"),
    "base64-of-text": _b64("pas un curseur"),
    "empty-fields": _b64("||"),
    "one-empty-field": _b64("|"),
}
# (instant, id), as `encode_cursor` writes it.
PAIR = {
    **_GARBAGE,
    "id-10^20": _b64(f"{MOMENT}|{10**20}"),
    "id-past-bigint": _b64(f"{MOMENT}|{INT8_MAX + 1}"),
    "id-float": _b64(f"{MOMENT}|1.5"),
    "id-exponent": _b64(f"{MOMENT}|1e3"),
    "id-negative": _b64(f"{MOMENT}|-5"),
    "id-zero": _b64(f"{MOMENT}|0"),
    "id-spaces": _b64(f"{MOMENT}| 5 "),
    "id-empty": _b64(f"{MOMENT}|"),
    "date-empty": _b64("|5"),
    "date-impossible": _b64("2026-02-30T00:00:00+00:00|5"),
    "date-naive": _b64("2026-01-01T00:00:00|5"),
    "date-past-year-9999-in-utc": _b64("9999-12-31T23:59:59-23:59|5"),
    "date-before-year-1-in-utc": _b64("0001-01-01T00:00:00+23:59|5"),
    "date-nul": _b64(f"{MOMENT}\x00|5"),
    "three-fields": _b64(f"{MOMENT}|5|6"),
}
# (instant, establishment id, person id): both ids are INTEGER columns.
TRIPLE = {
    **_GARBAGE,
    "id-10^20": _b64(f"{MOMENT}|{10**20}|1"),
    "id-past-integer": _b64(f"{MOMENT}|1|{INT4_MAX + 1}"),
    "id-float": _b64(f"{MOMENT}|1.5|1"),
    "id-negative": _b64(f"{MOMENT}|1|-1"),
    "date-impossible": _b64("2026-13-01T00:00:00+00:00|1|1"),
    "date-past-year-9999-in-utc": _b64("9999-12-31T23:59:59-23:59|1|1"),
    "two-fields": _b64(f"{MOMENT}|1"),
}
# The directory's [normalised name, id] in JSON; the id is an INTEGER column.
NAMED = {
    **_GARBAGE,
    "id-10^20": _json(["clinique", 10**20]),
    "id-past-integer": _json(["clinique", INT4_MAX + 1]),
    "id-float": _json(["clinique", 1.5]),
    "id-negative": _json(["clinique", -1]),
    "id-boolean": _json(["clinique", True]),
    "id-text": _json(["clinique", "5"]),
    "name-nul": _json(["\x00", 1]),
    "name-lone-surrogate": _b64('["\\ud800", 1]'),
    "name-not-text": _json([["clinique"], 1]),
    "three-items": _json(["clinique", 1, 2]),
    "an-object": _json({"nom": "clinique", "id": 1}),
    "deeply-nested": _b64("[" * 250),
}
# A position the server could have issued, at the edge of the column's range: served.
EDGE = {
    "pair": _b64(f"{MOMENT}|{INT8_MAX}"),
    "triple": _b64(f"{MOMENT}|{INT4_MAX}|{INT4_MAX}"),
    "named": _json(["clinique", INT4_MAX]),
}
FORGED = {"pair": PAIR, "triple": TRIPLE, "named": NAMED}


@dataclass
class World:
    """Who calls, on which objects: made on demand, one test per route."""

    client: httpx.AsyncClient
    engine: AsyncEngine
    cache: dict[str, Any]

    async def once(self, key: str, make: Callable[[], Awaitable[Any]]) -> Any:
        if key not in self.cache:
            self.cache[key] = await make()
        return self.cache[key]

    async def person(self) -> dict[str, str]:
        someone = await self.once("person", lambda: person(self.client, self.engine, 1))
        headers: dict[str, str] = someone.headers
        return headers

    async def admin_token(self) -> str:
        async def make() -> str:
            await make_admin(self.engine, super_admin=True)
            login = await self.client.post(
                "/api/auth/login", json={"identifier": ADMIN, "password": PASSWORD}
            )
            token: str = login.json()["token"]
            return token

        token: str = await self.once("admin", make)
        return token

    async def admin(self) -> dict[str, str]:
        return bearer(await self.admin_token())

    async def post_id(self) -> int:
        async def make() -> int:
            author = await member(self.client, self.engine, 2)
            return int((await post(self.client, author))["id_publication"])

        value: int = await self.once("post", make)
        return value

    async def user_id(self) -> int:
        headers = await self.person()
        me = await self.client.get("/api/user/me", headers=headers)
        return int(me.json()["data"]["id_user"])

    async def managed_establishment(self) -> tuple[int, dict[str, str]]:
        clinic = await create(
            self.client, await self.admin_token(), nom="Clinique Sainte-Anne", lat=5.3, lon=-4.0
        )
        establishment = int(clinic["id_etablissement"])
        boss = await self.person()
        asked = await self.client.post(
            f"/api/etablissements/{establishment}/demandes-gestion",
            json={"justificatif": "Directeur administratif de la clinique."},
            headers=boss,
        )
        assert asked.status_code == 201, asked.text
        approved = await self.client.post(
            f"/api/admin/demandes-gestion/{establishment}/{await self.user_id()}/approbation",
            headers=await self.admin(),
        )
        assert approved.status_code == 200, approved.text
        return establishment, boss


Call = Callable[[World], Awaitable[tuple[str, dict[str, str]]]]


async def _as_person(path: str, world: World) -> tuple[str, dict[str, str]]:
    return path, await world.person()


async def _as_admin(path: str, world: World) -> tuple[str, dict[str, str]]:
    return path, await world.admin()


async def _anonymous(path: str, world: World) -> tuple[str, dict[str, str]]:
    return path, {}


async def _merchant_history(world: World) -> tuple[str, dict[str, str]]:
    establishment, boss = await world.managed_establishment()
    return f"/api/mes-etablissements/{establishment}/transactions", boss


async def _someones_posts(world: World) -> tuple[str, dict[str, str]]:
    return f"/api/utilisateurs/{await world.user_id()}/publications", await world.person()


async def _comments(world: World) -> tuple[str, dict[str, str]]:
    return f"/api/publications/{await world.post_id()}/commentaires", await world.person()


def _plain(caller: Callable[[str, World], Awaitable[tuple[str, dict[str, str]]]]) -> Any:
    return lambda path: lambda world: caller(path, world)


PERSON, ADMINISTRATOR, ANYONE = _plain(_as_person), _plain(_as_admin), _plain(_anonymous)

# Every route that takes a string `curseur`: (the cursor's kind, how it is called).
ROUTES: dict[str, tuple[str, Call]] = {
    "/api/transactions": ("pair", PERSON("/api/transactions")),
    "/api/operations": ("pair", PERSON("/api/operations")),
    "/api/notifications": ("pair", PERSON("/api/notifications")),
    "/api/publications": ("pair", PERSON("/api/publications")),
    "/api/utilisateurs/{id_user}/publications": ("pair", _someones_posts),
    "/api/publications/{id_publication}/commentaires": ("pair", _comments),
    "/api/mes-etablissements/{id_etablissement}/transactions": ("pair", _merchant_history),
    "/api/admin/operations": ("pair", ADMINISTRATOR("/api/admin/operations")),
    "/api/admin/journal": ("pair", ADMINISTRATOR("/api/admin/journal")),
    "/api/admin/taches": ("pair", ADMINISTRATOR("/api/admin/taches")),
    "/api/admin/moderation": ("pair", ADMINISTRATOR("/api/admin/moderation")),
    "/api/admin/verifications-identite": (
        "pair",
        ADMINISTRATOR("/api/admin/verifications-identite"),
    ),
    "/api/admin/demandes-gestion": ("triple", ADMINISTRATOR("/api/admin/demandes-gestion")),
    "/api/etablissements": ("named", ANYONE("/api/etablissements")),
    "/api/assistance/conversations": ("pair", PERSON("/api/assistance/conversations")),
    "/api/admin/assistance/conversations": (
        "pair",
        ADMINISTRATOR("/api/admin/assistance/conversations"),
    ),
}


def _cursor_routes() -> set[str]:
    """Every GET path with a string `curseur` query parameter, from the OpenAPI document
    (the database is never reached)."""
    document = create_app(make_settings(), database_url=UNUSED_DATABASE).openapi()
    found = set()
    for path, item in document["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            schema = parameter.get("schema", {})
            kinds = {branch.get("type") for branch in schema.get("anyOf", [schema])}
            if parameter["in"] == "query" and parameter["name"] == "curseur" and "string" in kinds:
                found.add(path)
    return found


def test_every_cursor_route_is_called_here() -> None:
    assert _cursor_routes() == set(ROUTES)


@pytest.mark.parametrize("path", sorted(ROUTES))
async def test_a_forged_cursor_is_refused_in_french_never_a_500(
    client: httpx.AsyncClient, db_engine: AsyncEngine, path: str
) -> None:
    kind, call = ROUTES[path]
    url, headers = await call(World(client, db_engine, {}))
    first = await client.get(url, headers=headers)
    assert first.status_code == 200, first.text  # the caller may read the route
    wrong = []
    for name, cursor in FORGED[kind].items():
        answer = await client.get(url, params={"curseur": cursor}, headers=headers)
        body = answer.json()
        if (
            answer.status_code != REFUSED
            or body.get("error") != "InvalidCursor"
            or not str(body.get("message", "")).startswith(MESSAGE)
        ):
            wrong.append(f"{name}: {answer.status_code} {answer.text[:120]}")
    assert not wrong, "\n".join(wrong)
    edge = await client.get(url, params={"curseur": EDGE[kind]}, headers=headers)
    assert edge.status_code == 200, edge.text
