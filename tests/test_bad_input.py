"""Bad input on every public POST route of the onboarding (issue 2, « Bad input »).

Malformed JSON, a body that is not an object, missing or empty fields, wrong types, nonsense
identifiers, oversized bodies (declared or streamed) and wrong content types: each answer is
a 4xx — never a 500 — in the error shape `{"success": false, "error", "message"}` with a
French message, and nothing is written to the database.

Every bad body carries otherwise valid values (a real Ivorian number, a long password, a
well-formed code), so a route that skipped validation would write a row and be caught.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# The rows a successful onboarding call writes; none may appear after a rejected request.
WRITTEN_TABLES = ("utilisateur", "otp", "compte", "message_sortant", "jeton_rafraichissement")

PHONE = "0701020304"
PASSWORD = "MonMotDePasse123"
CODE = "123456"
REFRESH = "r" * 43
ONE_MEBIBYTE = 1024 * 1024

# Words of pydantic's, Starlette's and FastAPI's English defaults: a message that contains
# one of them was not translated.
_ENGLISH = re.compile(
    r"\b(field|required|input|should|error|parsing|the|body|must|is|not|valid|invalid|"
    r"missing|method|allowed|found|request|too|large)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Route:
    path: str
    body: dict[str, Any]  # a valid body
    required: tuple[str, ...]
    # Where the error names a missing field when it is not the field itself (verify-pin:
    # either `pin` or `otpCode`, checked on the whole body).
    missing_names: dict[str, str] = field(default_factory=dict)

    @property
    def has_identifier(self) -> bool:
        return "identifier" in self.body


ROUTES = (
    Route("/api/check-user", {"identifier": PHONE}, ("identifier",)),
    Route("/admin/utilisateurs/check-user", {"identifier": PHONE}, ("identifier",)),
    Route("/api/register-user", {"identifier": PHONE}, ("identifier",)),
    Route(
        "/api/define-password",
        {"identifier": PHONE, "password": PASSWORD, "confirmPassword": PASSWORD},
        ("identifier", "password"),
    ),
    Route("/api/generate-otp", {"identifier": PHONE, "moyen_envoyer": "sms"}, ("identifier",)),
    Route("/api/generate", {"identifier": PHONE, "moyen_envoyer": "sms"}, ("identifier",)),
    Route("/api/verify-otp", {"identifier": PHONE, "otpCode": CODE}, ("identifier", "otpCode")),
    Route("/api/verify", {"identifier": PHONE, "otpCode": CODE}, ("identifier", "otpCode")),
    Route(
        "/api/verify-pin",
        {"identifier": PHONE, "pin": PASSWORD},
        ("identifier", "pin"),
        missing_names={"pin": "corps"},
    ),
    Route(
        "/api/auth/login", {"identifier": PHONE, "password": PASSWORD}, ("identifier", "password")
    ),
    Route("/api/auth/refresh", {"refresh_token": REFRESH}, ("refresh_token",)),
    Route("/api/auth/logout", {"refresh_token": REFRESH}, ("refresh_token",)),
    Route("/api/auth/forgot-password", {"identifier": PHONE}, ("identifier",)),
    Route(
        "/api/auth/reset-password",
        {"identifier": PHONE, "otpCode": CODE, "password": PASSWORD},
        ("identifier", "otpCode", "password"),
    ),
)
ROUTE_IDS = [route.path for route in ROUTES]


# ------------------------------------------------------------------------------ helpers


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        return {
            # Our own constant table names, never input.
            table: int(await connection.scalar(text(f'SELECT count(*) FROM "{table}"')) or 0)  # noqa: S608
            for table in WRITTEN_TABLES
        }


def assert_french(message: object) -> None:
    assert isinstance(message, str), message
    assert message.strip(), "empty message"
    english = _ENGLISH.findall(message)
    assert not english, f"untranslated message {message!r} ({english})"


def assert_error(
    response: httpx.Response, status: int, *, error: str | None = None, names: str | None = None
) -> dict[str, Any]:
    """The error shape of STYLE.md, a 4xx, a French message (naming `names` when given)."""
    assert response.status_code == status, f"{response.status_code} {response.text}"
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["success"] is False, body
    assert isinstance(body["error"], str), body
    assert body["error"], body
    if error is not None:
        assert body["error"] == error, body
    assert_french(body["message"])
    if names is not None:
        assert body["message"].startswith(f"{names} : "), body["message"]
    return body


@pytest.fixture
async def no_write(db_engine: AsyncEngine) -> AsyncIterator[None]:
    """Fails the test when any onboarding table gained a row during it."""
    before = await row_counts(db_engine)
    yield
    assert await row_counts(db_engine) == before


def bad_value_cases() -> list[Any]:
    """(route, field, value, expected field named in the message) for every string field of
    every route: empty, a number, and — for identifiers — nonsense."""
    cases = []
    for route in ROUTES:
        for name in route.required:
            cases.append(pytest.param(route, name, "", id=f"{route.path}-{name}-empty"))
            cases.append(pytest.param(route, name, 12345678, id=f"{route.path}-{name}-number"))
            if name not in route.missing_names:  # an optional field: null is "missing"
                cases.append(pytest.param(route, name, None, id=f"{route.path}-{name}-null"))
            cases.append(pytest.param(route, name, ["x"], id=f"{route.path}-{name}-list"))
            if name == "identifier":
                for nonsense in ("abc", "12", "@@", "9" * 400, "a" * 400, "   "):
                    label = nonsense if len(nonsense) < 10 else f"{len(nonsense)}-chars"
                    cases.append(
                        pytest.param(route, name, nonsense, id=f"{route.path}-{name}-{label}")
                    )
            if name == "refresh_token":
                cases.append(pytest.param(route, name, "r" * 400, id=f"{route.path}-{name}-long"))
    return cases


def missing_field_cases() -> list[Any]:
    return [
        pytest.param(route, name, id=f"{route.path}-sans-{name}")
        for route in ROUTES
        for name in route.required
    ]


# ------------------------------------------------------------------------ body content


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"identifier": ', id="truncated"),
        pytest.param(b"{identifier: '0701020304'}", id="single-quotes"),
        pytest.param(b'{"identifier": "0701020304",}', id="trailing-comma"),
        pytest.param(b"\xff\xfe{}", id="not-utf8"),
    ],
)
async def test_malformed_json_is_400(client: httpx.AsyncClient, route: Route, raw: bytes) -> None:
    response = await client.post(
        route.path, content=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, error="ValidationError")


@pytest.mark.usefixtures("no_write")
async def test_malformed_json_message_names_no_field(client: httpx.AsyncClient) -> None:
    """The decoder's error position (a character offset) is not a field: the message speaks
    of the body, not of a field named "15"."""
    response = await client.post(
        "/api/check-user", content=b'{"identifier": ', headers={"Content-Type": "application/json"}
    )
    body = assert_error(response, 400, error="ValidationError")
    assert body["message"] == "Le corps de la requête n'est pas un JSON valide.", body
    assert body["champs"] == [{"champ": "corps", "message": body["message"]}], body


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize(
    "payload",
    [
        pytest.param([], id="empty-array"),
        pytest.param([{"identifier": PHONE}], id="array-of-object"),
        pytest.param(PHONE, id="string"),
        pytest.param(None, id="null"),
    ],
)
async def test_body_that_is_not_an_object_is_422(
    client: httpx.AsyncClient, route: Route, payload: Any
) -> None:
    response = await client.post(
        route.path, content=json.dumps(payload), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422, error="ValidationError")


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_empty_object_is_422(client: httpx.AsyncClient, route: Route) -> None:
    assert_error(await client.post(route.path, json={}), 422, error="ValidationError")


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_empty_body_is_422(client: httpx.AsyncClient, route: Route) -> None:
    response = await client.post(
        route.path, content=b"", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422, error="ValidationError")


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize(("route", "name"), missing_field_cases())
async def test_missing_field_is_422_naming_it(
    client: httpx.AsyncClient, route: Route, name: str
) -> None:
    body = {key: value for key, value in route.body.items() if key != name}
    response = await client.post(route.path, json=body)
    named = route.missing_names.get(name, name)
    answer = assert_error(response, 422, error="ValidationError")
    assert any(item["champ"] == named for item in answer["champs"]), answer
    if named != "corps":
        assert answer["message"].startswith(f"{named} : "), answer


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize(("route", "name", "value"), bad_value_cases())
async def test_bad_value_is_422_naming_the_field(
    client: httpx.AsyncClient, route: Route, name: str, value: Any
) -> None:
    response = await client.post(route.path, json={**route.body, name: value})
    answer = assert_error(response, 422, error="ValidationError", names=name)
    assert any(item["champ"] == name for item in answer["champs"]), answer


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", [r for r in ROUTES if r.has_identifier], ids=lambda r: r.path)
@pytest.mark.parametrize(
    ("nonsense", "message"),
    [
        ("abc", "identifier : Numéro de téléphone invalide."),
        ("12", "identifier : Numéro de téléphone invalide."),
        ("@@", "identifier : Adresse e-mail invalide."),
        ("9" * 400, "identifier : L'identifiant est trop long."),
    ],
    ids=["abc", "12", "@@", "400-chars"],
)
async def test_nonsense_identifier_message(
    client: httpx.AsyncClient, route: Route, nonsense: str, message: str
) -> None:
    response = await client.post(route.path, json={**route.body, "identifier": nonsense})
    answer = assert_error(response, 422, error="ValidationError", names="identifier")
    assert answer["message"] == message


@pytest.mark.usefixtures("no_write")
async def test_passwords_that_differ_are_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/define-password",
        json={"identifier": PHONE, "password": PASSWORD, "confirmPassword": PASSWORD + "x"},
    )
    answer = assert_error(response, 422, error="ValidationError")
    assert "ne correspondent pas" in answer["message"]


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_unknown_fields_do_not_break_validation(
    client: httpx.AsyncClient, route: Route
) -> None:
    """Extra fields are ignored (the app sends a few); a missing one still answers 422."""
    body = {"id_user": 1, "role": "admin", **route.body}
    body.pop(route.required[0])
    assert_error(await client.post(route.path, json=body), 422, error="ValidationError")


# --------------------------------------------------------------------------- body size


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_one_megabyte_body_is_413(client: httpx.AsyncClient, route: Route) -> None:
    padding = "x" * ONE_MEBIBYTE
    content = json.dumps({**route.body, "padding": padding}).encode()
    assert len(content) > ONE_MEBIBYTE
    response = await client.post(
        route.path, content=content, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, error="PayloadTooLarge")


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_non_numeric_content_length_is_413(app: Any, route: Route) -> None:
    # httpx computes Content-Length itself; a raw ASGI call sends the lie.
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": route.path,
        "raw_path": route.path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"-1")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body["success"] is False
    assert body["error"] == "PayloadTooLarge"
    assert_french(body["message"])


async def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    yield b'{"identifier": "0701020304", "padding": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_streamed_body_without_length_over_the_limit_is_413(
    client: httpx.AsyncClient, route: Route
) -> None:
    """A chunked body (no Content-Length) that grows past the limit is cut at the limit."""
    request = client.build_request(
        "POST",
        route.path,
        content=_chunks(ONE_MEBIBYTE),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    response = await client.send(request)
    assert_error(response, 413, error="PayloadTooLarge")


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_small_streamed_body_is_validated_normally(
    client: httpx.AsyncClient, route: Route
) -> None:
    """The streamed-size guard lets a chunked body under the limit reach validation."""

    async def small() -> AsyncIterator[bytes]:
        yield b"{"
        yield b"}"

    response = await client.post(
        route.path, content=small(), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422, error="ValidationError")


# ------------------------------------------------------------------------ content type


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize(
    ("content_type", "encode"),
    [
        ("text/plain", lambda body: json.dumps(body).encode()),
        ("text/plain; charset=utf-8", lambda body: json.dumps(body).encode()),
        (
            "application/x-www-form-urlencoded",
            lambda body: "&".join(f"{k}={v}" for k, v in body.items()).encode(),
        ),
        ("application/xml", lambda _: b"<identifier>0701020304</identifier>"),
    ],
    ids=["text-plain", "text-plain-charset", "form-urlencoded", "xml"],
)
async def test_wrong_content_type_is_415(
    client: httpx.AsyncClient, route: Route, content_type: str, encode: Any
) -> None:
    response = await client.post(
        route.path, content=encode(route.body), headers={"Content-Type": content_type}
    )
    assert_error(response, 415, error="UnsupportedMediaType")


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_form_fields_through_httpx_data_are_415(
    client: httpx.AsyncClient, route: Route
) -> None:
    assert_error(await client.post(route.path, data=route.body), 415, error="UnsupportedMediaType")


# ------------------------------------------------------------------- routes and methods


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nulle-part"),
        ("POST", "/api/nulle-part"),
        ("POST", "/api/check-user/extra"),
        ("GET", "/api/auth"),
        ("DELETE", "/api/admin/rien"),
    ],
)
async def test_unknown_route_is_404(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={"identifier": PHONE})
    assert_error(response, 404, error="NotFound")


@pytest.mark.usefixtures("no_write")
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_wrong_method_is_405(client: httpx.AsyncClient, route: Route, method: str) -> None:
    response = await client.request(method, route.path, json=route.body)
    assert_error(response, 405, error="MethodNotAllowed")
    assert "POST" in response.headers.get("allow", "")


# ------------------------------------------------------------------- U+0000 (issue 10)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.usefixtures("no_write")
async def test_a_null_character_in_any_string_is_422(
    client: httpx.AsyncClient, route: Route
) -> None:
    # PostgreSQL text cannot hold U+0000: found by schemathesis as 500s deep in queries.
    body = {name: f"{value}\u0000" for name, value in route.body.items()}
    response = await client.post(route.path, json=body)
    assert_error(response, 422, error="NullCharacter")


async def test_an_escaped_backslash_before_u0000_is_ordinary_text(
    client: httpx.AsyncClient,
) -> None:
    # The six characters \u0000 typed by someone are fine: only the real character is refused.
    response = await client.post("/api/check-user", json={"identifier": "0701020304\\u0000"})
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"


async def test_a_null_character_in_the_query_or_the_path_is_422(
    client: httpx.AsyncClient,
) -> None:
    assert_error(
        await client.get("/api/etablissements/recherche?q=chu%00"), 422, error="NullCharacter"
    )
    assert_error(await client.get("/api/partages/abc%00def"), 422, error="NullCharacter")
