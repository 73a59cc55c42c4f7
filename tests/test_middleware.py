"""Middleware seen from the outside (issue « Production as it will really run »): the
client's address behind trusted proxies, and a bug's 500 inside the request's context.

The address tests drive the app as uvicorn would behind nginx on this machine: the
connection comes from the proxy (`client` of the ASGI scope), the proxy appends the address
it saw to X-Forwarded-For, and a client may have written anything before it. The
production stage of CI runs the same checks through a real nginx (tests_production/).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.logging import JsonFormatter
from hostolink.middleware import ClientAddressMiddleware
from tests.conftest import make_settings, outbox_code

PROXY = "10.21.157.68"  # the connection's peer: Render's proxy, nginx here
UNREACHABLE_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"


def _echo_route(application: FastAPI) -> None:
    async def whoami(request: Request) -> dict[str, Any]:
        return {"client": request.client.host if request.client else None}

    application.add_api_route("/test/whoami", whoami, include_in_schema=False)


@pytest.fixture
async def proxied() -> AsyncIterator[httpx.AsyncClient]:
    """An app behind a trusted proxy network, reached from that proxy."""
    settings = make_settings(HOSTOLINK_TRUSTED_PROXIES="10.0.0.0/8", HOSTOLINK_PROXY_HOPS=2)
    application = create_app(settings, database_url=UNREACHABLE_URL)
    _echo_route(application)
    transport = httpx.ASGITransport(app=application, client=(PROXY, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await application.state.db.dispose()


async def _who(http: httpx.AsyncClient, *forwarded: str) -> str:
    headers = [("X-Forwarded-For", value) for value in forwarded]
    response = await http.get("/test/whoami", headers=headers)
    assert response.status_code == 200, response.text
    client: str = response.json()["client"]
    return client


class TestClientAddress:
    async def test_the_entry_the_proxies_wrote_is_the_client(
        self, proxied: httpx.AsyncClient
    ) -> None:
        # Render: the client, then the Cloudflare edge that Render's proxy saw.
        assert await _who(proxied, "203.0.113.7, 104.22.17.40") == "203.0.113.7"

    async def test_a_forged_header_does_not_choose_the_address(
        self, proxied: httpx.AsyncClient
    ) -> None:
        # The client sent "X-Forwarded-For: 6.6.6.6"; the proxies appended after it.
        assert await _who(proxied, "6.6.6.6, 203.0.113.7, 104.22.17.40") == "203.0.113.7"
        assert await _who(proxied, "1.1.1.1, 2.2.2.2, 203.0.113.7, 104.22.17.40") == ("203.0.113.7")

    async def test_several_headers_read_as_one_list(self, proxied: httpx.AsyncClient) -> None:
        assert await _who(proxied, "6.6.6.6", "203.0.113.7, 104.22.17.40") == "203.0.113.7"

    async def test_without_the_header_the_peer_is_the_client(
        self, proxied: httpx.AsyncClient
    ) -> None:
        assert await _who(proxied) == PROXY

    async def test_garbage_where_the_client_should_be_keeps_the_peer(
        self, proxied: httpx.AsyncClient
    ) -> None:
        assert await _who(proxied, "pas-une-adresse, 104.22.17.40") == PROXY

    async def test_ipv6_and_ports_are_understood(self, proxied: httpx.AsyncClient) -> None:
        assert await _who(proxied, "[2001:db8::7]:4711, 104.22.17.40") == "2001:db8::7"
        assert await _who(proxied, "203.0.113.9:51000, 104.22.17.40") == "203.0.113.9"

    async def test_an_untrusted_peer_cannot_speak_for_anyone(self) -> None:
        settings = make_settings(HOSTOLINK_TRUSTED_PROXIES="10.0.0.0/8", HOSTOLINK_PROXY_HOPS=2)
        application = create_app(settings, database_url=UNREACHABLE_URL)
        _echo_route(application)
        transport = httpx.ASGITransport(app=application, client=("198.51.100.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert await _who(http, "203.0.113.7, 104.22.17.40") == "198.51.100.9"
        await application.state.db.dispose()

    async def test_no_proxy_configured_ignores_the_header(self) -> None:
        application = create_app(make_settings(), database_url=UNREACHABLE_URL)
        _echo_route(application)
        transport = httpx.ASGITransport(app=application, client=(PROXY, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert await _who(http, "203.0.113.7") == PROXY
        await application.state.db.dispose()

    @pytest.mark.parametrize(
        ("hops", "chain", "expected"),
        [
            (1, ["203.0.113.7"], "203.0.113.7"),
            (1, ["6.6.6.6, 203.0.113.7"], "203.0.113.7"),
            (2, ["203.0.113.7"], "203.0.113.7"),  # fewer entries: a proxy wrote them all
            (3, ["6.6.6.6, 203.0.113.7, 198.51.100.1, 198.51.100.2"], "203.0.113.7"),
            (1, [""], PROXY),
        ],
    )
    def test_the_rule(self, hops: int, chain: list[str], expected: str) -> None:
        import ipaddress  # noqa: PLC0415

        middleware = ClientAddressMiddleware(
            FastAPI(), trusted=[ipaddress.ip_network("10.0.0.0/8")], hops=hops
        )
        assert middleware.client_of(PROXY, chain) == expected


# ---------------------------------------------------------- per-address budgets, behind a proxy


@pytest.fixture
async def limited(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    settings = make_settings(
        HOSTOLINK_TRUSTED_PROXIES="127.0.0.1",
        HOSTOLINK_PROXY_HOPS=1,
        RATE_LIMIT_PER_IP_PER_MINUTE=3,
    )
    application = create_app(settings, database_url=database_url)
    yield application
    await application.state.db.dispose()


async def _check_user(application: Any, forwarded: str) -> int:
    transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post(
            "/api/check-user",
            json={"identifier": "0701020304"},
            headers={"X-Forwarded-For": forwarded},
        )
    return response.status_code


async def test_two_clients_behind_one_proxy_have_two_budgets(limited: Any) -> None:
    first = [await _check_user(limited, "203.0.113.7") for _ in range(4)]
    assert first == [200, 200, 200, 429]
    # Another person behind the same proxy still has a whole budget.
    assert await _check_user(limited, "203.0.113.8") == 200
    # Writing a fresh address in front of the proxy's entry buys nothing.
    assert await _check_user(limited, "198.51.100.77, 203.0.113.7") == 429
    assert await _check_user(limited, "10.0.0.1, 203.0.113.7") == 429


async def test_the_session_records_the_clients_address(
    limited: Any, db_engine: AsyncEngine
) -> None:
    transport = httpx.ASGITransport(app=limited, client=("127.0.0.1", 40000))
    headers = {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as h:
        email = "adresse@example.ci"
        assert (await h.post("/api/register-user", json={"identifier": email})).status_code < 300
        body = {
            "identifier": email,
            "password": "MotDePasse-2026",
            "confirmPassword": "MotDePasse-2026",
        }
        assert (await h.post("/api/define-password", json=body)).status_code < 300
        code = await outbox_code(db_engine, email)
        answer = await h.post("/api/verify-otp", json={"identifier": email, "otpCode": code})
        assert answer.status_code == 200, answer.text
    async with db_engine.connect() as connection:
        recorded = await connection.scalar(text("SELECT adresse_ip FROM jeton_rafraichissement"))
    assert recorded == "203.0.113.7"


# ------------------------------------------------------------------------------ a bug's 500


class _Captured(logging.Handler):
    """Formats each record as it is emitted: the request id lives in a context variable."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def error_log() -> Iterator[_Captured]:
    handler = _Captured()
    logger = logging.getLogger("hostolink.errors")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


async def test_a_bug_answers_the_envelope_with_its_request_id_and_cors(
    error_log: _Captured,
) -> None:
    settings = make_settings(CORS_ORIGINS="https://app.example.ci")
    application = create_app(settings, database_url=UNREACHABLE_URL)

    async def broken() -> None:
        raise RuntimeError("un bogue de test")

    application.add_api_route("/test/bogue", broken, include_in_schema=False)
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get(
            "/test/bogue",
            headers={"Origin": "https://app.example.ci", "X-Request-ID": "bogue-0001"},
        )
    await application.state.db.dispose()

    assert response.status_code == 500
    assert response.json() == {
        "success": False,
        "error": "InternalError",
        "message": "Erreur interne du serveur. L'incident a été enregistré.",
    }
    assert response.headers["x-request-id"] == "bogue-0001"
    assert response.headers["access-control-allow-origin"] == "https://app.example.ci"
    assert response.headers["content-type"] == "application/json"
    # One line, with the request id and the traceback; the bug's text never reaches the client.
    assert len(error_log.lines) == 1
    line = error_log.lines[0]
    assert line["request_id"] == "bogue-0001"
    assert "RuntimeError: un bogue de test" in line["exc"]
    assert "un bogue" not in response.text
