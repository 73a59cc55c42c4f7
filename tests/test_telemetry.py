"""Tracing (hostolink.kit.telemetry) against a collector played by the test: a small OTLP/HTTP
receiver decodes what the app exports. A deposit through Wave (simulated by a local HTTP
server, so the outgoing call goes through a real transport) must arrive as one trace: the
request's span, its SQL, the call to Wave. Nothing a person typed may be in it. A broken
OpenTelemetry configuration logs a warning and the app starts and serves untraced."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import secrets
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink import __version__
from hostolink.app import create_app
from hostolink.kit import telemetry
from tests.auth.helpers import PASSWORD, bearer
from tests.conftest import make_settings, outbox_code
from tests.factories import asgi_client

NATIONAL = "0701020304"
E164 = "+225" + NATIONAL
SQL_SCOPE = "opentelemetry.instrumentation.sqlalchemy"
HTTPX_SCOPE = "opentelemetry.instrumentation.httpx"


# --- the collector ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedSpan:
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_id: str
    scope: str
    attributes: dict[str, Any]
    event_attributes: list[dict[str, Any]]
    status_message: str
    resource: dict[str, Any]


def _value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which == "array_value":
        return [_value(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, which) if which else None


def _attributes(pairs: Any) -> dict[str, Any]:
    items: list[KeyValue] = list(pairs)
    return {pair.key: _value(pair.value) for pair in items}


@dataclass
class Collector:
    url: str = ""
    spans: list[ReceivedSpan] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, body: bytes) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        received = [
            ReceivedSpan(
                name=span.name,
                kind=span.kind,
                trace_id=span.trace_id.hex(),
                span_id=span.span_id.hex(),
                parent_id=span.parent_span_id.hex(),
                scope=scope_spans.scope.name,
                attributes=_attributes(span.attributes),
                event_attributes=[_attributes(event.attributes) for event in span.events],
                status_message=span.status.message,
                resource=_attributes(resource_spans.resource.attributes),
            )
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]
        with self.lock:
            self.spans.extend(received)

    def all(self) -> list[ReceivedSpan]:
        with self.lock:
            return list(self.spans)


def _collector_handler(collector: Collector) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/v1/traces":
                self.send_response(404)
                self.end_headers()
                return
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            collector.receive(body)
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler


@pytest.fixture
def collector() -> Iterator[Collector]:
    found = Collector()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _collector_handler(found))
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


# --- Wave, at its HTTP boundary ----------------------------------------------------------


@dataclass
class FakeWave:
    url: str = ""
    api_key: str = field(default_factory=lambda: "wave_ci_" + secrets.token_urlsafe(16))
    traceparents: list[str] = field(default_factory=list)


def _wave_handler(wave: FakeWave) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            wave.traceparents.append(self.headers.get("traceparent") or "")
            if self.headers.get("Authorization") != f"Bearer {wave.api_key}":
                status, answer = 401, {"code": "invalid-auth"}
            else:
                session_id = f"cos-{uuid.uuid4().hex[:14]}"
                status, answer = (
                    200,
                    {
                        "id": session_id,
                        "amount": body["amount"],
                        "currency": body["currency"],
                        "business_name": "Hostolink",
                        "checkout_status": "open",
                        "payment_status": "processing",
                        "client_reference": body["client_reference"],
                        "wave_launch_url": f"https://pay.wave.com/c/{session_id}",
                        "when_created": "2026-11-24T10:00:00Z",
                    },
                )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def wave() -> Iterator[FakeWave]:
    fake = FakeWave()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _wave_handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


# --- the app -------------------------------------------------------------------------------


@pytest.fixture
def otel_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No OTEL_* variable of the machine's environment leaks in; the process-wide tracing
    this test sets up is undone after it."""
    for name in [name for name in os.environ if name.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    yield monkeypatch
    telemetry.reset_tracing()


async def _close(app: Any) -> None:
    if app.state.sandbox is not None:
        await app.state.sandbox.close()
    await app.state.provider_http.aclose()
    await app.state.db.dispose()


@asynccontextmanager
async def _client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as http:
        yield http


@pytest.fixture
async def traced_app(
    database_url: str,
    db_engine: AsyncEngine,
    otel_environment: pytest.MonkeyPatch,
    collector: Collector,
    wave: FakeWave,
) -> AsyncIterator[Any]:
    settings = make_settings(
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
        WAVE_API_KEY=wave.api_key,
        WAVE_WEBHOOK_SECRET="wave-webhook-secret-" + secrets.token_hex(8),
        WAVE_BASE_URL=wave.url,
        PROVIDER_TIMEOUT_SECONDS=10,
    )
    application = create_app(settings, database_url=database_url)
    yield application
    await _close(application)
    telemetry.reset_tracing()  # its last export while the collector still listens


async def _onboard(http: httpx.AsyncClient, engine: AsyncEngine) -> tuple[str, str]:
    """Register through the API; (access token, the code the person typed)."""
    answer = await http.post("/api/register-user", json={"identifier": NATIONAL})
    assert answer.status_code == 201, answer.text
    answer = await http.post(
        "/api/define-password", json={"identifier": NATIONAL, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    code = await outbox_code(engine, E164)
    answer = await http.post("/api/verify-otp", json={"identifier": NATIONAL, "otpCode": code})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token, code


def _strings(span: ReceivedSpan) -> list[str]:
    values: list[Any] = [span.name, span.status_message, *span.attributes.values()]
    for attributes in span.event_attributes:
        values.extend(attributes.values())
    return [str(value) for value in values]


class TestATracedDeposit:
    async def test_is_one_trace_from_the_request_to_its_sql_and_the_call_to_wave(
        self, traced_app: Any, db_engine: AsyncEngine, collector: Collector, wave: FakeWave
    ) -> None:
        async with _client(traced_app) as http:
            token, _ = await _onboard(http, db_engine)
            answer = await http.post(
                "/api/depots",
                json={"fournisseur": "wave", "montant": 5000, "numero": NATIONAL},
                headers={**bearer(token), "Idempotency-Key": str(uuid.uuid4())},
            )
        assert answer.status_code == 202, answer.text
        assert telemetry.flush()

        spans = collector.all()
        server = [s for s in spans if s.kind == ProtoSpan.SPAN_KIND_SERVER]
        deposit = [s for s in server if s.name == "POST /api/depots"]
        assert len(deposit) == 1, [s.name for s in server]
        request = deposit[0]
        assert request.attributes["http.route"] == "/api/depots"
        assert request.attributes["http.response.status_code"] == 202
        assert request.resource["service.name"] == "hostolink"
        assert request.resource["service.version"] == __version__

        trace = [s for s in spans if s.trace_id == request.trace_id]
        ids = {s.span_id for s in trace}
        assert all(s.parent_id in ids for s in trace if s is not request)
        sql = [s for s in trace if s.scope == SQL_SCOPE and s.name != "connect"]
        assert sql, [s.name for s in trace]
        assert all(s.kind == ProtoSpan.SPAN_KIND_CLIENT for s in sql)
        statements = [
            s.attributes.get("db.query.text") or s.attributes.get("db.statement") for s in sql
        ]
        assert all(statements), sql
        assert any("INSERT INTO operation_fournisseur" in str(text) for text in statements)

        calls = [s for s in trace if s.scope == HTTPX_SCOPE]
        assert len(calls) == 1, [s.name for s in trace]
        url = calls[0].attributes.get("url.full") or calls[0].attributes.get("http.url")
        assert url == f"{wave.url}/v1/checkout/sessions"
        assert calls[0].kind == ProtoSpan.SPAN_KIND_CLIENT
        # Wave received the trace context: its own traces can be joined to ours.
        assert len(wave.traceparents) == 1
        assert wave.traceparents[0].startswith(f"00-{request.trace_id}-{calls[0].span_id}-")

    async def test_carries_no_secret_and_no_value_a_person_typed(
        self, traced_app: Any, db_engine: AsyncEngine, collector: Collector, wave: FakeWave
    ) -> None:
        async with _client(traced_app) as http:
            token, code = await _onboard(http, db_engine)
            answer = await http.post(
                "/api/depots",
                json={"fournisseur": "wave", "montant": 5000, "numero": NATIONAL},
                headers={**bearer(token), "Idempotency-Key": str(uuid.uuid4())},
            )
            assert answer.status_code == 202, answer.text
            login = await http.post(
                "/api/auth/login?identifier=" + NATIONAL,
                json={"identifier": NATIONAL, "password": "not-" + PASSWORD},
            )
            assert login.status_code == 401, login.text
        assert telemetry.flush()

        spans = collector.all()
        names = {s.name for s in spans}
        assert {"POST /api/define-password", "POST /api/verify-otp"} <= names
        # The SQL of these requests ran with the phone number, the password hash and the
        # code as parameters: none of them may be in a span.
        forbidden = [PASSWORD, code, wave.api_key, token, NATIONAL, E164, E164.lstrip("+")]
        leaks = [
            (span.name, value)
            for span in spans
            for value in _strings(span)
            if any(secret in value for secret in forbidden)
        ]
        assert leaks == []
        login_span = next(s for s in spans if s.name == "POST /api/auth/login")
        assert login_span.attributes["url.query"] == "identifier=REDACTED"
        assert login_span.attributes["url.path"] == "/api/auth/login"

    async def test_sql_outside_any_request_starts_no_trace(
        self, traced_app: Any, db_engine: AsyncEngine, collector: Collector
    ) -> None:
        for _ in range(3):  # the job worker's poll, as it runs every second
            await traced_app.state.worker.run_once()
        async with _client(traced_app) as http:
            answer = await http.post("/api/check-user", json={"identifier": NATIONAL})
            assert answer.status_code == 200, answer.text
        assert telemetry.flush()
        spans = collector.all()
        assert spans, "the request itself is traced"
        assert [s.name for s in spans if s.scope == SQL_SCOPE and not s.parent_id] == []


class TestTracingSetup:
    async def test_every_engine_of_the_database_is_instrumented(
        self, traced_app: Any, collector: Collector
    ) -> None:
        provider = telemetry.configure_tracing(traced_app.state.settings)
        assert provider is not None
        names = telemetry.instrument_database(traced_app.state.db, provider)
        # The four pools of db.py; the notices' engine lives in its own small class.
        assert len(names) == 4, names
        assert {name.split(".")[0] for name in names} == {
            "engine",
            "reader",
            "counters_engine",
            "notices",
        }

    async def test_probes_are_not_traced(self, traced_app: Any, collector: Collector) -> None:
        async with _client(traced_app) as http:
            assert (await http.get("/health")).status_code == 200
            assert (await http.get("/ready")).status_code == 200
            answer = await http.post("/api/check-user", json={"identifier": NATIONAL})
            assert answer.status_code == 200, answer.text
        assert telemetry.flush()
        names = {s.name for s in collector.all() if s.kind == ProtoSpan.SPAN_KIND_SERVER}
        assert names == {"POST /api/check-user"}

    async def test_off_without_a_collector(
        self, database_url: str, db_engine: AsyncEngine, otel_environment: pytest.MonkeyPatch
    ) -> None:
        app = create_app(make_settings(), database_url=database_url)
        try:
            assert telemetry.configure_tracing(app.state.settings) is None
            assert app._native_telemetry.enabled() is False
        finally:
            await _close(app)


class TestWhatLeavesTheProcess:
    def _finished(self, kind: SpanKind, attributes: dict[str, Any]) -> ReadableSpan:
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracer = provider.get_tracer("test")
        with tracer.start_as_current_span("span", kind=kind, attributes=attributes) as span:
            span.record_exception(ValueError(f"no user {E164}"))
            span.set_status(StatusCode.ERROR, f"DETAIL:  Key (telephone)=({E164}) exists.")
        provider.shutdown()
        (finished,) = exporter.get_finished_spans()
        return finished

    def test_a_server_span_keeps_the_route_not_the_path_nor_query_values(self) -> None:
        span = telemetry.scrub(
            self._finished(
                SpanKind.SERVER,
                {
                    "url.path": "/api/kyc/fichiers/capability-token",
                    "http.route": "/api/kyc/fichiers/{jeton}",
                    "url.query": f"q=VIH&identifier={NATIONAL}&page=2",
                    "http.request.header.authorization": ("Bearer secret",),
                },
            )
        )
        assert span.attributes == {
            "url.path": "/api/kyc/fichiers/{jeton}",
            "http.route": "/api/kyc/fichiers/{jeton}",
            "url.query": "q=REDACTED&identifier=REDACTED&page=REDACTED",
        }
        assert span.status.status_code is StatusCode.ERROR
        assert span.status.description is None
        (event,) = span.events
        assert event.attributes is not None
        assert event.attributes["exception.type"] == "ValueError"
        assert "exception.message" not in event.attributes

    def test_a_request_that_matched_no_route_keeps_no_path(self) -> None:
        span = telemetry.scrub(self._finished(SpanKind.SERVER, {"url.path": "/p/some-token"}))
        assert span.attributes == {}

    def test_an_outgoing_call_keeps_its_url_without_credentials_nor_query_values(self) -> None:
        span = telemetry.scrub(
            self._finished(
                SpanKind.CLIENT,
                {
                    "http.url": "https://user:pw@api.example/v1/x?key=secret&ref=1",
                    "url.full": "https://api.example/v1/x?token=secret",
                    "http.response.header.set-cookie": ("session=secret",),
                },
            )
        )
        assert span.attributes == {
            "http.url": "https://api.example/v1/x?key=REDACTED&ref=REDACTED",
            "url.full": "https://api.example/v1/x?token=REDACTED",
        }


@asynccontextmanager
async def _running(app: Any) -> AsyncIterator[None]:
    """The ASGI lifespan, as uvicorn drives it: startup must complete."""
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, to_app.get, from_app.put))
    await to_app.put({"type": "lifespan.startup"})
    started = await from_app.get()
    assert started["type"] == "lifespan.startup.complete", started
    try:
        yield
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        stopped = await from_app.get()
        await task
        assert stopped["type"] == "lifespan.shutdown.complete", stopped


# (endpoint, environment, traced): "traced" when the SDK only warns and carries on.
BROKEN = [
    pytest.param(
        ("http://127.0.0.1:4317", {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, False), id="grpc"
    ),
    pytest.param(("collector:4318", {}, False), id="no-scheme"),
    pytest.param(("http://", {}, False), id="no-host"),
    pytest.param(("http://[::1", {}, False), id="unparsable"),
    pytest.param(("http://127.0.0.1:4318", {"OTEL_TRACES_EXPORTER": "zipkin"}, False), id="zipkin"),
    pytest.param(
        ("http://127.0.0.1:4318", {"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"}, True), id="timeout"
    ),
    pytest.param(
        (
            "http://127.0.0.1:4318",
            {"OTEL_TRACES_SAMPLER": "sometimes", "OTEL_TRACES_SAMPLER_ARG": "half"},
            True,
        ),
        id="sampler",
    ),
]


class TestABrokenConfiguration:
    @pytest.mark.parametrize("case", BROKEN)
    async def test_logs_a_warning_then_starts_and_serves(
        self,
        database_url: str,
        db_engine: AsyncEngine,
        otel_environment: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
        case: tuple[str, dict[str, str], bool],
    ) -> None:
        endpoint, environment, traced = case
        for name, value in environment.items():
            otel_environment.setenv(name, value)
        settings = make_settings(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, HOSTOLINK_WORKER=False)
        # create_app replaces the root logger's handlers: listen where the warnings start.
        loggers = [logging.getLogger(name) for name in ("hostolink.telemetry", "opentelemetry")]
        for logger in loggers:
            logger.addHandler(caplog.handler)
        try:
            app = create_app(settings, database_url=database_url)
            async with _running(app), _client(app) as http:
                health = await http.get("/health")
                ready = await http.get("/ready")
        finally:
            for logger in loggers:
                logger.removeHandler(caplog.handler)
        assert health.status_code == 200
        assert ready.status_code == 200
        assert app._native_telemetry.enabled() is traced
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert warnings
        if endpoint != "http://":  # the advice itself says "http://"
            assert all(endpoint not in message for message in warnings)
