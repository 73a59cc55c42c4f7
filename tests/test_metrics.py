"""`/metrics`: the token rule, labels that are route templates, and every family present
once the code path behind it has run (against the real database; providers simulated at the
HTTP boundary or by the sandbox). The figures read from the database at scrape time:
tests/metrics/test_collector.py; the ledger check: tests/wallet/test_ledger_check.py; several
worker processes added up: tests/metrics/test_served.py."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect

from hostolink.app import create_app
from hostolink.config import Settings
from hostolink.discussions.hub import runtime_of
from hostolink.providers.base import ProviderUnreachable
from hostolink.providers.http import send
from tests.auth.helpers import PASSWORD, register
from tests.conftest import make_settings
from tests.discussions.helpers import dispose, frame, join, live_server, room, say
from tests.factories import asgi_client, member, production_values
from tests.jobs.helpers import eventually
from tests.metrics.helpers import TOKEN, current, parse, scrape
from tests.operations.helpers import deposit, pay, settle
from tests.wallet.helpers import person

# Every family the application exposes (the ledger's once a check ran: tests/jobs).
FAMILIES = (
    "hostolink_http_requests",
    "hostolink_http_request_duration_seconds",
    "hostolink_db_pool_connections_in_use",
    "hostolink_db_pool_size",
    "hostolink_jobs",
    "hostolink_jobs_due",
    "hostolink_jobs_oldest_due_age_seconds",
    "hostolink_jobs_abandoned",
    "hostolink_operations",
    "hostolink_operation_settlement_seconds",
    "hostolink_reconciliation_pending",
    "hostolink_reconciliation_oldest_age_seconds",
    "hostolink_operations_to_verify",
    "hostolink_operations_to_verify_held_xof",
    "hostolink_operations_to_verify_oldest_age_seconds",
    "hostolink_provider_errors",
    "hostolink_otp_messages",
    "hostolink_otp_checks",
    "hostolink_logins",
    "hostolink_lockouts",
    "hostolink_room_sockets_open",
    "hostolink_room_frames_delivered",
    "hostolink_room_frames_dropped",
    "hostolink_redis_errors",
    "hostolink_ratelimit_fallback",
    "hostolink_metrics_database_up",
    "hostolink_build_info",
)
# Present once a ledger check ran (tests/wallet/test_ledger_check.py), or Redis was tried.
LATER = (
    "hostolink_ledger_discrepancies",
    "hostolink_ledger_last_check_timestamp_seconds",
    "hostolink_ledger_last_check_duration_seconds",
    "hostolink_ledger_last_check_complete",
    "hostolink_redis_up",
)
SUPERVISION = Path(__file__).resolve().parent.parent / "docs" / "supervision"
_NAME = re.compile(r"hostolink_[a-z_]+")


def _production(database_url: str, **changes: Any) -> Settings:
    values = {"DATABASE_URL": database_url, "LOG_JSON": False, "LOG_LEVEL": "WARNING"}
    return Settings.model_validate(production_values(**{**values, "REDIS_URL": None, **changes}))


async def _client_of(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as client:
        yield client
    await app.state.db.dispose()


@pytest.fixture
async def production(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    app = create_app(_production(database_url), database_url=database_url)
    async for client in _client_of(app):
        yield client


@pytest.fixture
async def production_with_token(
    database_url: str, db_engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    settings = _production(database_url, HOSTOLINK_METRICS_TOKEN=TOKEN)
    async for client in _client_of(create_app(settings, database_url=database_url)):
        yield client


class TestToken:
    async def test_open_outside_production(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert "hostolink_http_requests_total" in response.text

    async def test_production_without_a_token_answers_like_an_unknown_route(
        self, production: httpx.AsyncClient
    ) -> None:
        response = await production.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        unknown = await production.get(f"/metrics-{uuid.uuid4().hex}")
        assert response.status_code == unknown.status_code == 404
        assert response.json() == unknown.json()

    async def test_production_with_a_token_wants_it_exactly(
        self, production_with_token: httpx.AsyncClient
    ) -> None:
        client = production_with_token
        missing = await client.get("/metrics")
        assert missing.status_code == 401
        assert missing.json()["success"] is False
        assert missing.headers["www-authenticate"] == "Bearer"
        for wrong in (TOKEN[:-1], TOKEN + "x", TOKEN.upper(), f"Basic {TOKEN}"):
            header = wrong if wrong.startswith("Basic") else f"Bearer {wrong}"
            answer = await client.get("/metrics", headers={"Authorization": header})
            assert answer.status_code == 401, wrong
        right = await client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})
        assert right.status_code == 200
        assert "hostolink_http_requests_total" in right.text

    async def test_a_token_set_outside_production_is_required_there_too(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        app = create_app(make_settings(HOSTOLINK_METRICS_TOKEN=TOKEN), database_url=database_url)
        async for client in _client_of(app):
            assert (await client.get("/metrics")).status_code == 401
            await scrape(client, TOKEN)

    def test_a_short_token_is_refused_at_start(self) -> None:
        with pytest.raises(ValueError, match="HOSTOLINK_METRICS_TOKEN"):
            make_settings(HOSTOLINK_METRICS_TOKEN="court")

    async def test_not_in_the_api_document(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()
        assert "/metrics" not in document["paths"]

    async def test_switched_off_there_is_no_route_and_nothing_counted(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        app = create_app(make_settings(HOSTOLINK_METRICS=False), database_url=database_url)
        before = current(
            "hostolink_http_requests_total", method="GET", route="/health", status="200"
        )
        async for client in _client_of(app):
            assert (await client.get("/health")).status_code == 200
            assert (await client.get("/metrics")).status_code == 404
        after = current(
            "hostolink_http_requests_total", method="GET", route="/health", status="200"
        )
        assert after == before


class TestRouteLabels:
    async def test_labels_are_route_templates_never_paths(self, client: httpx.AsyncClient) -> None:
        reference, junk, asset = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
        requests = [
            ("GET", f"/api/operations/{reference}", "/api/operations/{reference}", "401"),
            ("GET", f"/api/{junk}/rien", "unmatched", "404"),
            ("GET", "/static/swagger/swagger-ui.css", "/static/swagger/{path}", "200"),
            ("GET", f"/admin/statique/{asset}.css", "/admin/statique/{path}", "404"),
            ("BREW", "/health", "/health", "405"),
        ]
        before = {
            (m, r, s): current(
                "hostolink_http_requests_total",
                method=m if m != "BREW" else "other",
                route=r,
                status=s,
            )
            for m, _, r, s in requests
        }
        for method, path, _, _ in requests:
            await client.request(method, path)
        seen = await scrape(client)
        for (method, route, status), count in before.items():
            labels = {"method": method if method != "BREW" else "other", "route": route}
            assert seen.value("hostolink_http_requests_total", **labels, status=status) == count + 1
            assert seen.value("hostolink_http_request_duration_seconds_count", **labels)
        for raw in (reference, junk, asset, "BREW"):
            assert raw not in seen.text

    async def test_a_bug_is_counted_as_the_500_it_answered(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        app = create_app(make_settings(), database_url=database_url)

        @app.get("/bogue/{n}")
        async def bogue(n: int) -> None:
            raise RuntimeError(f"bug {n}")

        async for client in _client_of(app):
            labels = {"method": "GET", "route": "/bogue/{n}", "status": "500"}
            before = current("hostolink_http_requests_total", **labels)
            assert (await client.get("/bogue/7")).status_code == 500
            assert current("hostolink_http_requests_total", **labels) == before + 1


class TestPools:
    async def test_connections_in_use_follow_checkouts(self, app: Any) -> None:
        db = app.state.db
        assert current("hostolink_db_pool_size", pool="requests") == db.split.requests
        before = current("hostolink_db_pool_connections_in_use", pool="requests")
        async with db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            assert current("hostolink_db_pool_connections_in_use", pool="requests") == before + 1
        assert current("hostolink_db_pool_connections_in_use", pool="requests") == before


class TestEveryFamily:
    async def test_each_family_has_samples_once_its_code_path_ran(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        settings = make_settings(
            SANDBOX_DUPLICATE_RATE=0, SANDBOX_PAYOUT_DELAY_SECONDS=0, LOCKOUT_THRESHOLD=2
        )
        app = create_app(settings, database_url=database_url)
        try:
            async with asgi_client(app) as client:
                await self._run_code_paths(app, client, db_engine)
                seen = await scrape(client)
        finally:
            await app.state.sandbox.close()
            await dispose(app)
        missing = [family for family in FAMILIES if not seen.has_samples(family)]
        assert not missing, missing
        settled = seen.matching(
            "hostolink_operation_settlement_seconds_count",
            provider="sandbox",
            direction="depot",
            status="reussie",
        )
        assert settled
        assert settled[0][1] >= 1
        assert (
            seen.value(
                "hostolink_operations",
                provider="sandbox",
                rail="sandbox",
                direction="depot",
                status="reussie",
            )
            == 1
        )

    @staticmethod
    async def _run_code_paths(app: Any, client: httpx.AsyncClient, engine: AsyncEngine) -> None:
        counts = {
            "sent": current("hostolink_otp_messages_total", channel="sms", outcome="sent"),
            "valid": current("hostolink_otp_checks_total", result="valid"),
            "wrong": current("hostolink_otp_checks_total", result="wrong"),
            "success": current("hostolink_logins_total", secret="password", result="success"),
            "failure": current("hostolink_logins_total", secret="password", result="failure"),
            "lockouts": current("hostolink_lockouts_total"),
            "callback": current(
                "hostolink_provider_errors_total", provider="sandbox", kind="invalid_callback"
            ),
        }
        awa = await person(client, engine, 1)  # OTP sent by SMS, then typed right
        kofi = await person(client, engine, 2)
        await register(client, "0700000003")  # a code sent, not typed yet
        wrong = await client.post(
            "/api/verify-otp", json={"identifier": "0700000003", "otpCode": "000000"}
        )
        assert wrong.status_code == 401, wrong.text
        login = {"identifier": awa.national, "password": PASSWORD}
        assert (await client.post("/api/auth/login", json=login)).status_code == 200
        for _ in range(3):  # threshold 2: the identifier locks
            await client.post("/api/auth/login", json={**login, "password": "Mauvais-123"})
        answer = await deposit(client, kofi, 5000)
        assert answer.status_code == 202, answer.text
        await pay(client, answer)
        await settle(app)
        forged = await client.post(
            "/api/fournisseurs/sandbox/notifications",
            content=json.dumps({"id": "evt_1"}).encode(),
            headers={"Content-Type": "application/json", "Sandbox-Signature": "t=1,v1=faux"},
        )
        assert forged.status_code in (400, 401, 403)
        assert current("hostolink_otp_messages_total", channel="sms", outcome="sent") >= (
            counts["sent"] + 3
        )
        assert current("hostolink_otp_checks_total", result="valid") >= counts["valid"] + 2
        assert current("hostolink_otp_checks_total", result="wrong") == counts["wrong"] + 1
        assert current("hostolink_logins_total", secret="password", result="success") == (
            counts["success"] + 1
        )
        assert current("hostolink_logins_total", secret="password", result="failure") >= (
            counts["failure"] + 2
        )
        assert current("hostolink_lockouts_total") == counts["lockouts"] + 1
        assert (
            current("hostolink_provider_errors_total", provider="sandbox", kind="invalid_callback")
            == counts["callback"] + 1
        )
        await _provider_http_errors()
        await _room_frames(client, engine, app)


class TestRooms:
    async def test_live_sockets_are_counted_while_open(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        app = create_app(make_settings(), database_url=database_url)
        try:
            async with asgi_client(app) as client, live_server(app) as base:
                room_id = await room(client, db_engine)
                awa = await member(client, db_engine, 1)
                await join(client, awa, room_id)
                before = current("hostolink_room_sockets_open")
                delivered = current("hostolink_room_frames_delivered_total")
                async with connect(f"{base}/ws/thematiques/{room_id}?token={awa.token}") as ws:
                    await frame(ws, "bienvenue")
                    assert current("hostolink_room_sockets_open") == before + 1
                    await say(client, awa, room_id, "Bonjour")
                    await frame(ws, "message")
                    assert current("hostolink_room_frames_delivered_total") == delivered + 1
                await eventually(  # the server sees the close when it next reads
                    _equals("hostolink_room_sockets_open", before), "the socket counted closed"
                )
        finally:
            await dispose(app)


def _equals(name: str, value: float) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return current(name) == value

    return check


async def _room_frames(client: httpx.AsyncClient, engine: AsyncEngine, app: Any) -> None:
    """A frame handed to a local queue, without a socket (TestRooms has the socket)."""
    room_id = await room(client, engine)
    async with runtime_of(app).hub.subscribe(room_id) as queue:
        await runtime_of(app).hub.publish(room_id, {"type": "ping"})
        assert (await queue.get())["type"] == "ping"


async def _provider_http_errors() -> None:
    """A provider answering 404, 503, or nothing in time: each attempt counted by kind."""
    answers = iter([httpx.Response(404), httpx.Response(503)])

    def handler(request: httpx.Request) -> httpx.Response:
        try:
            return next(answers)
        except StopIteration:
            raise httpx.ReadTimeout("trop lent", request=request) from None

    kinds = ("4xx", "5xx", "timeout")
    before = {
        k: current("hostolink_provider_errors_total", provider="essai", kind=k) for k in kinds
    }
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as provider:
        refused = await send(
            provider, "GET", "https://essai.test/a", provider="essai", idempotent=True
        )
        assert refused.status_code == 404
        with pytest.raises(ProviderUnreachable):
            await send(provider, "GET", "https://essai.test/b", provider="essai", idempotent=False)
        with pytest.raises(ProviderUnreachable):
            await send(provider, "GET", "https://essai.test/c", provider="essai", idempotent=False)
    for kind in kinds:
        assert current("hostolink_provider_errors_total", provider="essai", kind=kind) == (
            before[kind] + 1
        )


def test_parse_reads_what_prometheus_reads() -> None:
    seen = parse('# TYPE a_total counter\na_total{b="c"} 2.0\n')
    assert seen.value("a_total", b="c") == 2.0


class TestSupervisionDocuments:
    """The dashboard and the alert rules read only metrics that exist, and the README
    documents every one."""

    @staticmethod
    def _known() -> set[str]:
        suffixes = ("", "_total", "_bucket", "_count", "_sum")
        return {family + suffix for family in (*FAMILIES, *LATER) for suffix in suffixes}

    def test_the_dashboard_reads_existing_metrics(self) -> None:
        dashboard = json.loads((SUPERVISION / "hostolink-grafana.json").read_text())
        expressions = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
        assert len(expressions) > 20
        used = set(_NAME.findall(" ".join(expressions)))
        assert used <= self._known(), used - self._known()

    def test_the_readme_names_existing_metrics_and_documents_all(self) -> None:
        readme = (SUPERVISION / "README.md").read_text()
        named = set(_NAME.findall(readme))
        assert named <= self._known(), named - self._known()
        for family in (*FAMILIES, *LATER):
            assert f"`{family}" in readme, family
