"""Integer ids in URLs, query strings and bodies are bounded to their column's range (issue 10,
item 2).

An id the database column cannot hold used to reach asyncpg and fail there (DataError, a 500
found by schemathesis). Every integer parameter now declares `minimum`/`maximum` in the
OpenAPI document (hostolink.kit.params), so:
- one past the maximum answers the app's 422 naming the parameter, on every route;
- the maximum itself is a value the column holds: never a 5xx (this is what catches an id
  declared BIGINT over an INTEGER column).
The routes are read from the application's OpenAPI document, so a new route is covered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.admin.accounts import create_admin
from hostolink.app import create_app
from hostolink.kit.identifiers import parse_identifier
from hostolink.kit.params import INT4_MAX, INT8_MAX
from tests.auth.helpers import PASSWORD, bearer
from tests.conftest import make_settings

UNUSED_DATABASE = "postgresql://nobody@127.0.0.1:9/unused"
# The keys of a path item that are operations (not "parameters", "summary"…).
METHODS = {"get", "post", "put", "patch", "delete"}


def _document() -> dict[str, Any]:
    # Only the document is read: the database is never reached.
    app = create_app(make_settings(), database_url=UNUSED_DATABASE)
    return app.openapi()


DOCUMENT = _document()


def _integer(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The integer branch of a parameter's schema (`int` or `int | None`), if any."""
    if schema.get("type") == "integer":
        return schema
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "integer":
            return dict(branch)
    return None


def _parameters() -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, path, parameter, its integer schema) for every integer path/query parameter."""
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                integer = _integer(parameter.get("schema", {}))
                if integer is not None and parameter["in"] in {"path", "query"}:
                    yield method.upper(), path, parameter, integer


def _body_ids() -> Iterator[tuple[str, str, int | None]]:
    """(schema, property, maximum) for every integer `id_…` property of a request body."""
    components = DOCUMENT["components"]["schemas"]
    referenced: set[str] = set()
    for item in DOCUMENT["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            text = str(operation["requestBody"])
            referenced |= set(re.findall(r"#/components/schemas/([\w.-]+)", text))
    for name in sorted(referenced):
        for prop, schema in components[name].get("properties", {}).items():
            target = schema.get("items", schema)
            integer = _integer(target)
            if integer is not None and (prop.startswith("id_") or prop == "medias"):
                yield name, prop, integer.get("maximum")


PARAMETERS = list(_parameters())
PATH_IDS = [p for p in PARAMETERS if p[2]["in"] == "path"]
ROUTES = sorted({(method, path) for method, path, parameter, _ in PATH_IDS})


def test_the_document_has_integer_path_ids() -> None:
    # Guards the generator itself: if the document's shape changed, nothing would be checked.
    assert len(ROUTES) > 50


@pytest.mark.parametrize(
    ("method", "path", "parameter", "integer"),
    PARAMETERS,
    ids=[f"{m} {p} {q['name']}" for m, p, q, _ in PARAMETERS],
)
def test_every_integer_parameter_is_bounded(
    method: str, path: str, parameter: dict[str, Any], integer: dict[str, Any]
) -> None:
    assert integer.get("minimum") is not None, f"{method} {path}: {parameter['name']}"
    assert integer.get("maximum") is not None, f"{method} {path}: {parameter['name']}"
    if parameter["name"].startswith("id_"):
        assert integer["minimum"] == 1
        assert integer["maximum"] in {INT4_MAX, INT8_MAX}


def test_every_id_in_a_body_is_bounded() -> None:
    found = list(_body_ids())
    assert found, "no id in any request body: the generator is broken"
    unbounded = [f"{name}.{prop}" for name, prop, maximum in found if maximum is None]
    assert unbounded == []
    # FastAPI's OpenAPI models hold bounds as floats: int8's maximum reads 2**63 there.
    assert {maximum for _, _, maximum in found} <= {INT4_MAX, INT8_MAX, float(INT8_MAX)}


def _url(path: str, values: dict[str, int]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values[name]) if name in values else "x"

    return re.sub(r"\{(\w+)\}", one, path)


def _ids_of(method: str, path: str) -> dict[str, int]:
    """Each integer path parameter of the route and its declared maximum."""
    return {
        parameter["name"]: int(integer["maximum"])
        for m, p, parameter, integer in PATH_IDS
        if (m, p) == (method, path)
    }


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient, db_engine: AsyncEngine) -> dict[str, str]:
    """A super administrator: every permission, so no route stops at 401/403 before the
    parameters are read."""
    email = "bornes@example.com"
    async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
        await create_admin(
            session,
            settings=make_settings(),
            identifier=parse_identifier(email),
            password=PASSWORD,
            super_admin=True,
        )
    login = await client.post("/api/auth/login", json={"identifier": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {**bearer(login.json()["token"]), "Idempotency-Key": "bornes-0001"}


async def _send(
    client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str]
) -> httpx.Response:
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    return await client.request(method, url, headers=headers, json=body)


async def test_one_past_the_maximum_answers_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    wrong: list[str] = []
    for method, path in ROUTES:
        ids = _ids_of(method, path)
        for name, maximum in ids.items():
            values = dict.fromkeys(ids, 1) | {name: maximum + 1}
            answer = await _send(client, method, _url(path, values), admin_headers)
            fields = {field["champ"]: field["message"] for field in answer.json().get("champs", [])}
            if answer.status_code != 422 or fields.get(f"path.{name}") != (
                "La valeur est trop grande."
            ):
                wrong.append(f"{method} {path} ({name}): {answer.status_code} {answer.text}")
    assert wrong == []


async def test_the_maximum_is_a_value_the_column_holds(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    wrong: list[str] = []
    for method, path in ROUTES:
        answer = await _send(client, method, _url(path, _ids_of(method, path)), admin_headers)
        if answer.status_code >= 500:
            wrong.append(f"{method} {path}: {answer.status_code} {answer.text}")
    assert wrong == []


async def test_a_large_id_in_the_query_string_or_a_body_answers_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    too_large = INT8_MAX + 1
    history = await client.get(
        f"/api/thematiques/1/messages?avant={too_large}", headers=admin_headers
    )
    assert history.status_code == 422, history.text
    assert history.json()["champs"][0]["champ"] == "query.avant"
    post = await client.post(
        "/api/publications",
        headers=admin_headers,
        json={"contenu": "Bonjour", "medias": [too_large]},
    )
    assert post.status_code == 422, post.text
    assert post.json()["champs"][0]["champ"] == "medias.0"
    assert post.json()["message"] == "medias.0 : La valeur est trop grande."
