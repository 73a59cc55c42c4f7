"""The core of the service (issue 2, « The core »): health and readiness, OpenAPI and the
offline Swagger UI, request ids, CORS, strict production settings, database URLs, and the
small kit modules (identifiers, account numbers, rate limiters)."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import text

from hostolink.app import create_app
from hostolink.config import Settings
from hostolink.db import create_engine, engine_options
from hostolink.kit.account_numbers import is_valid_account_number, luhn_digit, new_account_number
from hostolink.kit.identifiers import InvalidIdentifier, parse_identifier
from hostolink.kit.ratelimit import (
    MemoryRateLimiter,
    RedisOptions,
    RedisRateLimiter,
    build_rate_limiter,
)
from tests.conftest import make_settings
from tests.factories import asgi_client, production_values
from tests.redis_proxy import redis_proxy, require_redis

UNREACHABLE_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
REDIS_URL = "redis://127.0.0.1:6379/15"
LONG_WINDOW = 10 * 365 * 24 * 3600  # a window no test run can cross


async def _client_for(application: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(application) as http:
        yield http
    await application.state.db.dispose()


@pytest.fixture
async def offline_client() -> AsyncIterator[httpx.AsyncClient]:
    """An app whose database cannot be reached (nothing listens on port 1)."""
    async for http in _client_for(create_app(make_settings(), database_url=UNREACHABLE_URL)):
        yield http


@pytest.fixture
async def cors_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(CORS_ORIGINS="https://app.example.ci")
    async for http in _client_for(create_app(settings, database_url=database_url)):
        yield http


# -------------------------------------------------------------------- health, readiness


async def test_health_answers_without_the_database(offline_client: httpx.AsyncClient) -> None:
    response = await offline_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["status"] == "ok"


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "success": True,
        "status": "ready",
        "dependances": {"base_de_donnees": "ok", "redis": "non_configure"},
    }


async def test_not_ready_when_the_database_is_unreachable(
    offline_client: httpx.AsyncClient,
) -> None:
    response = await offline_client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "NotReady"
    assert body["message"] == "Base de données injoignable."
    assert body["dependances"] == {"base_de_donnees": "indisponible", "redis": "non_configure"}


# Generous: on a loaded machine a slow answer must not pass for an outage.
PATIENT_REDIS = {"REDIS_CONNECT_TIMEOUT_SECONDS": 5, "REDIS_TIMEOUT_SECONDS": 5}


async def test_ready_but_degraded_while_redis_is_away(database_url: str) -> None:
    """Redis away: still 200, so that a Redis blip (the same for every instance) does not
    pull every instance out of the load balancer; it says so, and recovers."""
    async with redis_proxy() as proxy:
        settings = make_settings(REDIS_URL=proxy.url(), **PATIENT_REDIS)
        application = create_app(settings, database_url=database_url)
        async for http in _client_for(application):
            answers = [await http.get("/ready")]
            await proxy.cut()
            answers.append(await http.get("/ready"))
            await proxy.restore()
            answers.append(await http.get("/ready"))
        await application.state.rate_limits.limiter.close()
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    ready = {"base_de_donnees": "ok", "redis": "ok"}
    assert [answer.json() for answer in answers] == [
        {"success": True, "status": "ready", "dependances": ready},
        {
            "success": True,
            "status": "degrade",
            "dependances": {"base_de_donnees": "ok", "redis": "indisponible"},
        },
        {"success": True, "status": "ready", "dependances": ready},
    ]


async def test_not_ready_without_the_database_even_with_redis() -> None:
    async with redis_proxy() as proxy:
        settings = make_settings(REDIS_URL=proxy.url(), **PATIENT_REDIS)
        application = create_app(settings, database_url=UNREACHABLE_URL)
        async for http in _client_for(application):
            response = await http.get("/ready")
        await application.state.rate_limits.limiter.close()
    assert response.status_code == 503
    body = response.json()
    assert (body["success"], body["error"]) == (False, "NotReady")
    assert body["dependances"] == {"base_de_donnees": "indisponible", "redis": "ok"}


# ----------------------------------------------------------------------------- OpenAPI

ONBOARDING = {
    ("post", "/api/check-user"),
    ("post", "/admin/utilisateurs/check-user"),
    ("post", "/api/register-user"),
    ("post", "/api/define-password"),
    ("post", "/api/generate-otp"),
    ("post", "/api/generate"),
    ("post", "/api/verify-otp"),
    ("post", "/api/verify"),
    ("post", "/api/verify-pin"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/refresh"),
    ("post", "/api/auth/logout"),
    ("post", "/api/auth/forgot-password"),
    ("post", "/api/auth/reset-password"),
    ("get", "/api/user/me"),
    ("get", "/admin/utilisateurs"),
    ("get", "/api/admin/utilisateurs"),
    ("get", "/health"),
    ("get", "/ready"),
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "options", "head"}


async def test_openapi_document(offline_client: httpx.AsyncClient) -> None:
    response = await offline_client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"]
    assert document["info"]["version"]

    operations = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
    assert operations.keys() >= ONBOARDING, ONBOARDING - operations.keys()
    for (method, path), operation in operations.items():
        assert operation.get("summary", "").strip(), f"{method.upper()} {path} has no summary"
        assert operation.get("responses"), f"{method.upper()} {path} has no responses"
    operation_ids = [operation["operationId"] for operation in operations.values()]
    assert len(operation_ids) == len(set(operation_ids)), "duplicate operationId"

    # Every reference points at a schema that exists.
    schemas = document["components"]["schemas"]
    for reference in re.findall(r'"\$ref": ?"([^"]+)"', response.text):
        assert reference.startswith("#/components/schemas/"), reference
        assert reference.rsplit("/", 1)[1] in schemas, reference

    # The Flutter app's field names are the documented ones.
    body_ref = operations[("post", "/api/verify-otp")]["requestBody"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    assert {"identifier", "otpCode"} <= schemas[body_ref.rsplit("/", 1)[1]]["properties"].keys()


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value for name, value in attrs if name in {"src", "href"} and value)


async def test_docs_are_served_from_local_files(offline_client: httpx.AsyncClient) -> None:
    response = await offline_client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "http://" not in html
    assert "https://" not in html
    assert "//cdn" not in html
    assert "url: '/openapi.json'" in html

    parser = _Assets()
    parser.feed(html)
    assert parser.urls, "no asset referenced"
    assert all(url.startswith("/static/swagger/") for url in parser.urls), parser.urls
    kinds = {}
    for url in parser.urls:
        asset = await offline_client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
        kinds[url.rsplit(".", 1)[1]] = asset.headers["content-type"]
    assert "javascript" in kinds["js"]
    assert "text/css" in kinds["css"]


async def test_swagger_assets_have_no_cdn_dependency(offline_client: httpx.AsyncClient) -> None:
    """The bundle itself runs offline: what the page loads is the full bundle, not a loader."""
    script = await offline_client.get("/static/swagger/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert len(script.content) > 100_000
    assert "SwaggerUIBundle" in script.text


# --------------------------------------------------------------------------- request id

_GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


async def test_request_id_is_generated_when_absent(offline_client: httpx.AsyncClient) -> None:
    first = (await offline_client.get("/health")).headers["x-request-id"]
    second = (await offline_client.get("/health")).headers["x-request-id"]
    assert _GENERATED_ID.match(first)
    assert _GENERATED_ID.match(second)
    assert first != second


@pytest.mark.parametrize("incoming", ["abc12345-req", "Req.2024_11.ABCDEF", "a" * 64])
async def test_safe_request_id_is_echoed(offline_client: httpx.AsyncClient, incoming: str) -> None:
    response = await offline_client.get("/health", headers={"X-Request-ID": incoming})
    assert response.headers["x-request-id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["short", "a" * 65, "has spaces in it", "<script>alert(1)</script>", "../../etc/passwd", ""],
)
async def test_unsafe_request_id_is_replaced(
    offline_client: httpx.AsyncClient, incoming: str
) -> None:
    response = await offline_client.get("/health", headers={"X-Request-ID": incoming})
    assert _GENERATED_ID.match(response.headers["x-request-id"])


async def test_request_id_is_on_error_answers_too(offline_client: httpx.AsyncClient) -> None:
    response = await offline_client.post(
        "/api/check-user", content=b"x", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert _GENERATED_ID.match(response.headers["x-request-id"])
    response = await offline_client.get("/nulle-part", headers={"X-Request-ID": "trace-0001"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "trace-0001"


# --------------------------------------------------------------------------------- CORS


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization",
    }


async def test_cors_preflight_from_an_allowed_origin(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options(
        "/api/check-user", headers=_preflight("https://app.example.ci")
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example.ci"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "content-type" in allowed_headers
    assert "authorization" in allowed_headers


async def test_cors_preflight_from_another_origin(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options(
        "/api/check-user", headers=_preflight("https://evil.example")
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_cors_headers_on_actual_requests(cors_client: httpx.AsyncClient) -> None:
    allowed = await cors_client.post(
        "/api/check-user",
        json={"identifier": "0701020304"},
        headers={"Origin": "https://app.example.ci"},
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.ci"
    assert "x-request-id" in allowed.headers["access-control-expose-headers"].lower()

    other = await cors_client.get("/health", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "access-control-allow-origin" not in other.headers


async def test_no_cors_headers_without_configured_origins(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/check-user", headers=_preflight("https://app.example.ci"))
    assert "access-control-allow-origin" not in response.headers


def test_cors_origins_are_read_as_a_comma_separated_list() -> None:
    settings = make_settings(CORS_ORIGINS=" https://a.example.ci , https://b.example.ci,")
    assert settings.cors_origins == ["https://a.example.ci", "https://b.example.ci"]


# ---------------------------------------------------------------- production settings

_SETTINGS_ENV = (
    "HOSTOLINK_ENV",
    "JWT_SECRET",
    "CARD_ENCRYPTION_KEY",
    "QR_SIGNING_KEYS",
    "DATABASE_URL",
    "HOSTOLINK_SMS_SENDER",
    "HOSTOLINK_EMAIL_SENDER",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM",
    "CLOUDINARY_URL",
    "HOSTOLINK_MEDIA_STORAGE",
    "HOSTOLINK_TRUSTED_PROXIES",
    "HOSTOLINK_PROXY_HOPS",
    "DJAMO_API_KEY",
    "DJAMO_BASE_URL",
)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings also read the process environment: "missing" must really be missing."""
    for name in _SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)


def _production(**changes: Any) -> dict[str, Any]:
    qr_keys = "2:" + secrets.token_urlsafe(32) + ",1:" + secrets.token_urlsafe(32)
    proxies = {"HOSTOLINK_TRUSTED_PROXIES": "10.0.0.0/8", "HOSTOLINK_PROXY_HOPS": "2"}
    return production_values(
        **{
            "QR_SIGNING_KEYS": qr_keys,
            "DATABASE_URL": "postgresql://hostolink:motdepasse@db.example.ci:5432/hostolink",
            **proxies,
            **changes,
        }
    )


@pytest.mark.usefixtures("clean_environment")
def test_production_settings_with_real_secrets_start() -> None:
    settings = Settings.model_validate(_production())
    assert settings.is_production
    email_only = Settings.model_validate(
        _production(HOSTOLINK_SMS_SENDER=None, HOSTOLINK_EMAIL_SENDER="smtp")
    )
    assert email_only.is_production


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        pytest.param({"JWT_SECRET": None}, "JWT_SECRET", id="no-secret"),
        pytest.param({"JWT_SECRET": ""}, "JWT_SECRET", id="empty-secret"),
        pytest.param({"JWT_SECRET": "secret"}, "JWT_SECRET", id="secret"),
        pytest.param({"JWT_SECRET": "changeme"}, "JWT_SECRET", id="changeme"),
        pytest.param({"JWT_SECRET": "Your_JWT_Secret"}, "JWT_SECRET", id="your-jwt-secret"),
        pytest.param({"JWT_SECRET": "default_secret"}, "JWT_SECRET", id="default-secret"),
        pytest.param({"JWT_SECRET": secrets.token_hex(15) + "x"}, "JWT_SECRET", id="31-chars"),
        pytest.param({"DATABASE_URL": None}, "DATABASE_URL", id="no-database-url"),
        pytest.param({"CARD_ENCRYPTION_KEY": None}, "CARD_ENCRYPTION_KEY", id="no-card-key"),
        pytest.param({"QR_SIGNING_KEYS": None}, "QR_SIGNING_KEYS", id="no-qr-keys"),
        pytest.param({"DATABASE_URL": ""}, "DATABASE_URL", id="empty-database-url"),
        pytest.param({"HOSTOLINK_SMS_SENDER": None}, "OTP sender", id="outbox-senders-only"),
        pytest.param(
            {"HOSTOLINK_SMS_SENDER": "outbox", "HOSTOLINK_EMAIL_SENDER": "outbox"},
            "OTP sender",
            id="outbox-senders-explicit",
        ),
        pytest.param({"CLOUDINARY_URL": None}, "CLOUDINARY_URL", id="no-media-storage"),
        pytest.param(
            {"CLOUDINARY_URL": None, "HOSTOLINK_MEDIA_STORAGE": "cloudinary"},
            "CLOUDINARY_URL",
            id="cloudinary-without-url",
        ),
        pytest.param(
            {"HOSTOLINK_TRUSTED_PROXIES": None}, "HOSTOLINK_TRUSTED_PROXIES", id="no-proxy-choice"
        ),
        pytest.param(
            {"HOSTOLINK_TRUSTED_PROXIES": "*"}, "any client choose", id="every-proxy-trusted"
        ),
        pytest.param(
            {"HOSTOLINK_TRUSTED_PROXIES": "render"}, "not an address", id="proxy-not-a-network"
        ),
        pytest.param(
            {"DJAMO_API_KEY": "djamo_production_civ_" + "k" * 32},
            "DJAMO_BASE_URL",
            id="djamo-key-without-base-url",
        ),
    ],
)
def test_production_refuses_to_start(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Settings.model_validate(_production(**changes))


@pytest.mark.usefixtures("clean_environment")
def test_production_choices_that_are_explicit_start() -> None:
    """Local media on a persistent disk, and clients connecting without a proxy, are
    choices production accepts when they are spelled out."""
    local = Settings.model_validate(
        _production(CLOUDINARY_URL=None, HOSTOLINK_MEDIA_STORAGE="local")
    )
    assert local.media_backend.value == "local"
    direct = Settings.model_validate(_production(HOSTOLINK_TRUSTED_PROXIES="none"))
    assert direct.proxy_networks == []
    render = Settings.model_validate(_production())
    assert [str(n) for n in render.proxy_networks] == ["10.0.0.0/8"]
    assert render.media_backend.value == "cloudinary"


@pytest.mark.usefixtures("clean_environment")
def test_development_needs_no_secret() -> None:
    settings = Settings.model_validate({"HOSTOLINK_ENV": "development"})
    assert not settings.is_production
    assert settings.jwt_secret is None


# ----------------------------------------------------------------- database URLs (db.py)


def test_postgres_scheme_becomes_asyncpg() -> None:
    for scheme in ("postgres", "postgresql"):
        options = engine_options(f"{scheme}://u:p@db.example.ci:5432/hostolink")
        assert options.url == "postgresql+asyncpg://u:p@db.example.ci:5432/hostolink"
        assert options.connect_args == {}
        assert options.transaction_pooler is False
    already = "postgresql+asyncpg://u@h:5432/d"
    assert engine_options(already).url == already


def test_sslmode_require_becomes_the_ssl_argument() -> None:
    options = engine_options(
        "postgresql://u:p@db.abc.supabase.co:5432/postgres?sslmode=require&application_name=hl"
    )
    assert options.connect_args["ssl"] == "require"
    assert "sslmode" not in options.url
    assert "application_name=hl" in options.url
    assert options.url.startswith("postgresql+asyncpg://u:p@db.abc.supabase.co:5432/postgres")


def test_other_sslmodes() -> None:
    verify = engine_options("postgresql://u@h:5432/d?sslmode=verify-full")
    assert isinstance(verify.connect_args["ssl"], ssl.SSLContext)
    assert verify.connect_args["ssl"].verify_mode == ssl.CERT_REQUIRED
    disable = engine_options("postgresql://u@h:5432/d?sslmode=disable")
    assert "ssl" not in disable.connect_args
    assert "sslmode" not in disable.url
    with pytest.raises(ValueError, match="sslmode"):
        engine_options("postgresql://u@h:5432/d?sslmode=sometimes")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres.abc:pw@aws-0-eu-west-3.pooler.supabase.com:6543/postgres",
        "postgresql://postgres.abc:pw@pooler.example.ci:5432/postgres?pgbouncer=true",
        "postgres://u:pw@pooler.example.ci/postgres?pgbouncer=1&sslmode=require",
    ],
    ids=["port-6543", "pgbouncer-true", "pgbouncer-1-with-tls"],
)
def test_transaction_pooler_turns_prepared_statement_caches_off(url: str) -> None:
    options = engine_options(url)
    assert options.transaction_pooler is True
    assert options.connect_args["statement_cache_size"] == 0
    assert "prepared_statement_cache_size=0" in options.url
    assert "pgbouncer" not in options.url
    # Unnamed: a named statement would stay on the pooler's server connection until it
    # closes (170-190 of them per connection after 1,200 transactions through PgBouncer);
    # every statement runs inside a transaction, so the unnamed one is never lost.
    assert options.connect_args["prepared_statement_name_func"]() == ""


def test_session_pooler_keeps_the_caches() -> None:
    options = engine_options("postgresql://u:pw@aws-0-eu-west-3.pooler.supabase.com:5432/postgres")
    assert options.transaction_pooler is False
    assert "statement_cache_size" not in options.connect_args
    assert "prepared_statement_cache_size" not in options.url


async def test_transaction_pooler_options_work_on_a_real_server(database_url: str) -> None:
    """The pooler settings are accepted by asyncpg + SQLAlchemy and queries still run
    (repeated, parametrised: the case a prepared-statement cache would serve)."""
    separator = "&" if "?" in database_url else "?"
    engine = create_engine(f"{database_url}{separator}pgbouncer=true", pool_size=1)
    try:
        async with engine.connect() as connection:
            for value in range(3):
                assert await connection.scalar(text("SELECT :v + 1"), {"v": value}) == value + 1
            count = await connection.scalar(text("SELECT count(*) FROM role_permission"))
            assert count is not None
    finally:
        await engine.dispose()


# ------------------------------------------------------------------- kit/identifiers

IVORIAN_WRITINGS = [
    "0701020304",
    "07 01 02 03 04",
    "07.01.02.03.04",
    "07-01-02-03-04",
    "+2250701020304",
    "002250701020304",
    "2250701020304",
    "+225 07 01 02 03 04",
    "00 225 07 01 02 03 04",
    "  0701020304  ",
]


@pytest.mark.parametrize("raw", IVORIAN_WRITINGS)
def test_every_ivorian_writing_is_one_person(raw: str) -> None:
    identifier = parse_identifier(raw)
    assert identifier.value == "+2250701020304"
    assert identifier.kind == "telephone"
    assert identifier.channel == "sms"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice@example.com", "alice@example.com"),
        ("  Alice.Kouassi@Example.CI  ", "alice.kouassi@example.ci"),
        ("ALICE@EXAMPLE.COM", "alice@example.com"),
        ("\tbob+hostolink@Mail.Example.com\n", "bob+hostolink@mail.example.com"),
    ],
)
def test_emails_are_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    identifier = parse_identifier(raw)
    assert identifier.value == expected
    assert identifier.kind == "email"
    assert identifier.channel == "email"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+33612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("+14155552671", "+14155552671"),
        ("+221 77 123 45 67", "+221771234567"),
    ],
)
def test_other_countries_with_their_prefix(raw: str, expected: str) -> None:
    assert parse_identifier(raw).value == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "12",
        "@@",
        "@",
        "alice@",
        "@example.com",
        "alice@example",
        "alice@@example.com",
        "0701",
        "070102030",  # 9 digits
        "07010203045",  # 11 digits
        "+999 1234567",
        "07 01 02 03 0A",
        "+",
        "9" * 400,
        "a" * 310 + "@example.com",
    ],
)
def test_invalid_identifiers_raise(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_identifier(raw)
    message = str(caught.value)
    assert message
    assert any(word in message for word in ("invalide", "obligatoire", "trop long")), message


def test_invalid_identifier_is_a_value_error() -> None:
    assert issubclass(InvalidIdentifier, ValueError)


# --------------------------------------------------------------- kit/account_numbers


def _luhn_valid(digits: str) -> bool:
    """The textbook check, written independently of the code under test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def test_account_number_format() -> None:
    numbers = {new_account_number() for _ in range(500)}
    assert len(numbers) == 500
    for number in numbers:
        assert re.fullmatch(r"HL\d{10}", number), number
        assert is_valid_account_number(number)
        assert _luhn_valid(number[2:]), number


def test_luhn_digit_of_known_values() -> None:
    assert luhn_digit("7992739871") == "3"  # the textbook example
    assert luhn_digit("000000000") == "0"
    assert is_valid_account_number("HL0000000000")


def test_luhn_detects_any_single_changed_digit() -> None:
    for _ in range(20):
        number = new_account_number()
        for position in range(2, len(number)):
            for digit in "0123456789":
                if digit == number[position]:
                    continue
                typo = number[:position] + digit + number[position + 1 :]
                assert not is_valid_account_number(typo), (number, typo)


def test_luhn_detects_adjacent_swaps_of_different_digits() -> None:
    for _ in range(20):
        number = new_account_number()
        for position in range(2, len(number) - 1):
            a, b = number[position], number[position + 1]
            if a == b or {a, b} == {"0", "9"}:  # the one swap Luhn cannot see
                continue
            swapped = number[:position] + b + a + number[position + 2 :]
            assert not is_valid_account_number(swapped), (number, swapped)


def test_account_numbers_as_people_type_them() -> None:
    number = new_account_number()
    spaced = f"{number[:2].lower()} {number[2:6]} {number[6:]}"
    assert is_valid_account_number(spaced)
    for bad in ("", "HL", number[2:], "XX" + number[2:], number + "0", number[:-1], "HL12345678AB"):
        assert not is_valid_account_number(bad), bad


# ------------------------------------------------------------------- kit/ratelimit


async def test_memory_rate_limiter_limit_retry_after_and_peek() -> None:
    limiter = MemoryRateLimiter()
    key = "ip:198.51.100.7"
    assert await limiter.peek(key, 60) == 0
    for count in range(1, 4):
        decision = await limiter.hit(key, limit=3, window_seconds=60)
        assert decision.allowed
        assert 1 <= decision.retry_after <= 61
        assert await limiter.peek(key, 60) == count
    refused = await limiter.hit(key, limit=3, window_seconds=60)
    assert not refused.allowed
    assert 1 <= refused.retry_after <= 61
    assert await limiter.peek(key, 60) == 4
    # Another key has its own counter.
    assert (await limiter.hit("ip:198.51.100.8", limit=3, window_seconds=60)).allowed
    await limiter.close()
    assert await limiter.peek(key, 60) == 0


async def test_memory_rate_limiter_window_ends() -> None:
    limiter = MemoryRateLimiter()
    assert (await limiter.hit("k", limit=1, window_seconds=1)).allowed
    second = await limiter.hit("k", limit=1, window_seconds=1)
    if second.allowed:  # the first hit fell at the very end of a window
        second = await limiter.hit("k", limit=1, window_seconds=1)
    assert not second.allowed
    assert second.retry_after in (1, 2)
    await asyncio.sleep(1.05)  # the limiter reads the wall clock
    assert (await limiter.hit("k", limit=1, window_seconds=1)).allowed


async def test_memory_rate_limiter_stays_bounded_under_a_flood_of_keys() -> None:
    limiter = MemoryRateLimiter(max_keys=10)
    for index in range(100):
        assert (await limiter.hit(f"id:{index}", limit=1, window_seconds=LONG_WINDOW)).allowed
        assert len(limiter._counts) <= 10
    assert (await limiter.hit("id:last", limit=1, window_seconds=LONG_WINDOW)).allowed
    assert not (await limiter.hit("id:last", limit=1, window_seconds=LONG_WINDOW)).allowed


PATIENT = RedisOptions(connect_timeout=5, timeout=5)  # a loaded machine is not an outage


@pytest.fixture
async def redis_limiter() -> AsyncIterator[RedisRateLimiter]:
    await require_redis(REDIS_URL)  # skips without Redis (fails under REQUIRE_SERVICES)
    limiter = RedisRateLimiter(REDIS_URL, PATIENT)
    yield limiter
    keys = [key async for key in limiter._redis.scan_iter(match="hl:rl:test-*")]
    if keys:
        await limiter._redis.delete(*keys)
    await limiter.close()
    # The limiter falls back to its own counters when Redis fails: these tests are about
    # Redis, so it must have answered throughout.
    assert limiter.availability.up is True, "Redis did not answer: the test counted in-process"


async def test_redis_rate_limiter_limit_retry_after_and_peek(
    redis_limiter: RedisRateLimiter,
) -> None:
    key = f"test-{uuid.uuid4().hex}"
    assert await redis_limiter.peek(key, LONG_WINDOW) == 0
    for count in range(1, 4):
        decision = await redis_limiter.hit(key, limit=3, window_seconds=LONG_WINDOW)
        assert decision.allowed
        assert 1 <= decision.retry_after <= LONG_WINDOW + 1
        assert await redis_limiter.peek(key, LONG_WINDOW) == count
    refused = await redis_limiter.hit(key, limit=3, window_seconds=LONG_WINDOW)
    assert not refused.allowed
    assert await redis_limiter.peek(key, LONG_WINDOW) == 4
    other = f"test-{uuid.uuid4().hex}"
    assert (await redis_limiter.hit(other, limit=3, window_seconds=LONG_WINDOW)).allowed


async def test_redis_rate_limiter_keys_expire(redis_limiter: RedisRateLimiter) -> None:
    key = f"test-{uuid.uuid4().hex}"
    await redis_limiter.hit(key, limit=5, window_seconds=60)
    window = int(time.time() // 60)
    ttls = [await redis_limiter._redis.ttl(f"hl:rl:{key}:{w}") for w in (window - 1, window)]
    assert any(0 < ttl <= 61 for ttl in ttls), ttls


async def test_redis_counters_are_shared_between_limiters(
    redis_limiter: RedisRateLimiter,
) -> None:
    """Two API processes (two limiters) count together."""
    other_process = RedisRateLimiter(REDIS_URL, PATIENT)
    key = f"test-{uuid.uuid4().hex}"
    try:
        assert (await redis_limiter.hit(key, limit=2, window_seconds=LONG_WINDOW)).allowed
        assert (await other_process.hit(key, limit=2, window_seconds=LONG_WINDOW)).allowed
        assert not (await redis_limiter.hit(key, limit=2, window_seconds=LONG_WINDOW)).allowed
        assert await other_process.peek(key, LONG_WINDOW) == 3
    finally:
        await other_process.close()


async def test_build_rate_limiter_follows_redis_url() -> None:
    memory = build_rate_limiter(None)
    assert isinstance(memory, MemoryRateLimiter)
    redis = build_rate_limiter(REDIS_URL)
    assert isinstance(redis, RedisRateLimiter)
    await memory.close()
    await redis.close()


def test_workers_starting_together_share_one_complete_signing_key(tmp_path: Path) -> None:
    """Worker processes racing to create the development key all read the same key."""
    script = (
        "import sys\n"
        "from hostolink.config import Settings\n"
        "print(Settings.model_validate({'HOSTOLINK_DATA_DIR': sys.argv[1]}).signing_key())\n"
    )
    processes = [
        subprocess.Popen(  # noqa: S603 — this interpreter, fixed arguments
            [sys.executable, "-c", script, str(tmp_path)],
            stdout=subprocess.PIPE,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "JWT_SECRET"},
        )
        for _ in range(8)
    ]
    keys = {process.communicate()[0].strip() for process in processes}
    assert len(keys) == 1
    (key,) = keys
    assert len(key) >= 48
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]
