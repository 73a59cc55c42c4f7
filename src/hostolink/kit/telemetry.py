"""OpenTelemetry tracing: off unless a collector is named, and never a reason not to start.

With `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, each process
builds one tracer provider that exports over OTLP/HTTP (protobuf) in a background thread:

- request spans: FastAPI's native telemetry, given that provider (`fastapi_config`);
- SQL spans: the SQLAlchemy instrumentation on every engine of the `Database`
  (`instrument_database`, after the Database is built);
- outgoing HTTP spans: the httpx instrumentation, process-wide. It wraps the transport class
  rather than our clients one by one because the Twilio sender opens a client per message
  and the providers share one built elsewhere: every httpx call is covered, including
  clients added later, with nothing to remember where a client is created. (The exporter
  posts with `requests`, so exporting makes no spans of its own; the Cloudinary and
  Firebase SDKs also use `requests` and are not traced.) In-process ASGI calls (the
  sandbox's notifications) are not HTTP calls: they arrive as request spans.

The providers are handed to FastAPI and to the instrumentations explicitly; the global
OpenTelemetry providers are never set, so tests can configure, read and `reset_tracing()`.

Nothing here may stop the server: an unsupported protocol, a malformed endpoint or an
exporter that refuses its configuration logs a warning and the process serves untraced.

What leaves the process (`_Scrubbed`): no query-string values, no concrete path (the
route template replaces it: some paths carry access tokens), no captured headers, no
error descriptions (a PostgreSQL error quotes row values) and no exception messages. SQL
is recorded as the parametrised statement the driver received; parameters never are.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi.telemetry import TelemetryConfig
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import (
    SERVICE_NAME,
    SERVICE_VERSION,
    OTELResourceDetector,
    Resource,
)
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    DEFAULT_OFF,
    DEFAULT_ON,
    Decision,
    ParentBasedTraceIdRatio,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind, Status, get_current_span
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink import __version__
from hostolink.config import Settings

logger = logging.getLogger("hostolink.telemetry")

DEFAULT_SERVICE_NAME = "hostolink"
PROTOCOL = "http/protobuf"  # the only exporter shipped (no gRPC stack in the image)
# Load balancer probes: a trace every few seconds that nobody reads.
PROBES = frozenset({"/health", "/ready"})
REDACTED = "REDACTED"
_HTTP_METHOD_KEYS = frozenset({"http.request.method", "http.method"})
_URL_KEYS = frozenset({"url.full", "http.url"})
_HEADER_PREFIXES = ("http.request.header.", "http.response.header.")


class TelemetryUnavailable(Exception):
    """A configuration this process cannot export with (the message names no value)."""


@dataclass
class _Tracing:
    provider: TracerProvider
    engines: weakref.WeakSet[Engine] = field(default_factory=weakref.WeakSet)


_lock = threading.Lock()
_current: _Tracing | None = None


def traces_endpoint(settings: Settings) -> str | None:
    """The OTLP/HTTP traces URL the settings name, or None (tracing off).
    `TelemetryUnavailable` when the URL named is not an absolute http(s) one."""
    if settings.otlp_traces_endpoint:
        return _checked_url(settings.otlp_traces_endpoint.strip())
    if settings.otlp_endpoint:
        return _checked_url(settings.otlp_endpoint.strip()).removesuffix("/") + "/v1/traces"
    return None


def _checked_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        valid = parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        # The URL itself is not logged: it may carry credentials.
        raise TelemetryUnavailable("adresse du collecteur OTLP invalide (http:// ou https://)")
    return url


def configure_tracing(settings: Settings) -> TracerProvider | None:
    """This process's tracer provider, built on the first call that names a collector (later
    calls get the same one); None when tracing is off or cannot work."""
    global _current  # noqa: PLW0603 (one pipeline per process, by design)
    if not (settings.otlp_endpoint or settings.otlp_traces_endpoint):
        return None
    with _lock:
        if _current is not None:
            return _current.provider
        try:
            provider = _build_provider(settings)
        except TelemetryUnavailable as exc:
            logger.warning("OpenTelemetry désactivé : %s", exc)
            return None
        except Exception as exc:
            # The message may quote OTEL_EXPORTER_OTLP_HEADERS (an API key): only the type.
            logger.warning(
                "OpenTelemetry désactivé : configuration refusée (%s)", type(exc).__name__
            )
            return None
        _current = _Tracing(provider)
    try:
        HTTPXClientInstrumentor().instrument(
            tracer_provider=provider, meter_provider=NoOpMeterProvider()
        )
    except Exception as exc:  # requests and SQL are still traced
        logger.warning("OpenTelemetry : appels HTTP sortants non tracés (%s)", type(exc).__name__)
    return provider


def instrument_database(database: object, provider: TracerProvider | None) -> list[str]:
    """SQL spans for every engine `database` holds, directly or in one of its own helpers
    (`notices.engine`): found by type, so an engine added later is covered too. Returns the
    attribute paths of the engines instrumented."""
    if provider is None or _current is None or _current.provider is not provider:
        return []
    found = {name: engine.sync_engine for name, engine in _engines_of(database).items()}
    try:
        with _lock:
            _current.engines.update(found.values())
            instrumentor = SQLAlchemyInstrumentor()
            # `instrument` works once per process: a second Database (a test, a CLI command
            # that builds another app) re-registers the listeners on every live engine.
            if instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.uninstrument()
            instrumentor.instrument(
                engines=list(_current.engines),
                tracer_provider=provider,
                meter_provider=NoOpMeterProvider(),
                # Its declared range stops below SQLAlchemy 2.1, whose engine events it
                # listens to are unchanged; tests/test_telemetry.py checks the spans.
                skip_dep_check=True,
            )
    except Exception as exc:
        logger.warning("OpenTelemetry : requêtes SQL non tracées (%s)", type(exc).__name__)
        return []
    return sorted(found)


def _engines_of(holder: object, prefix: str = "", depth: int = 2) -> dict[str, AsyncEngine]:
    found: dict[str, AsyncEngine] = {}
    for name, value in vars(holder).items():
        if isinstance(value, AsyncEngine):
            found[prefix + name] = value
        elif (
            depth > 1
            and type(value).__module__.startswith("hostolink.")
            and hasattr(value, "__dict__")
        ):
            found.update(_engines_of(value, f"{prefix}{name}.", depth - 1))
    return found


def fastapi_config(provider: TracerProvider | None) -> TelemetryConfig:
    """FastAPI's native telemetry: request spans on `provider`; everything off without one,
    so an untraced process pays nothing per request."""
    if provider is None:
        return {
            "tracing": False,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "auto_configure": False,
        }
    return {
        "tracer_provider": provider,
        "tracing": True,
        # Traces only: metrics have their own path (Prometheus), and FastAPI's log records
        # would carry exception messages.
        "metrics": False,
        "logs": False,
        # The dependency/endpoint/serialisation spans: three more per request, and the SQL
        # and HTTP spans already show where the time goes. Measured on GET /api/user/me
        # through ASGITransport: traced with them 2.1x the untraced time, without 1.5x.
        "operation_spans": False,
        "auto_configure": False,
        "exclude": _is_probe,
    }


def flush(timeout_millis: int = 30_000) -> bool:
    """Export what has been recorded so far (tests; a CLI command before it exits)."""
    current = _current
    return current is None or current.provider.force_flush(timeout_millis)


def reset_tracing() -> None:
    """Undo `configure_tracing` and `instrument_database` (tests): the instrumentations are
    removed and the provider shut down after a last export."""
    global _current
    with _lock:
        current, _current = _current, None
        if current is None:
            return
        for instrumentor in (SQLAlchemyInstrumentor(), HTTPXClientInstrumentor()):
            if instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.uninstrument()
    current.provider.shutdown()


def _is_probe(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in PROBES


def _build_provider(settings: Settings) -> TracerProvider:
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        raise TelemetryUnavailable("OTEL_SDK_DISABLED=true")
    exporter_name = (os.environ.get("OTEL_TRACES_EXPORTER") or "otlp").strip().lower()
    if exporter_name != "otlp":
        raise TelemetryUnavailable(f"OTEL_TRACES_EXPORTER={exporter_name} (seul otlp est pris)")
    protocol = (
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or PROTOCOL
    ).strip()
    if protocol != PROTOCOL:
        raise TelemetryUnavailable(f"protocole OTLP {protocol!r} non pris en charge ({PROTOCOL})")
    exporter = OTLPSpanExporter(endpoint=traces_endpoint(settings))
    provider = TracerProvider(resource=_resource(), sampler=_NoOrphanQueries(_env_sampler()))
    provider.add_span_processor(BatchSpanProcessor(_Scrubbed(exporter)))
    return provider


def _resource() -> Resource:
    # Our name and version by default; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win.
    ours = Resource.create({SERVICE_NAME: DEFAULT_SERVICE_NAME, SERVICE_VERSION: __version__})
    return ours.merge(OTELResourceDetector().detect())


def _env_sampler() -> Sampler:
    """OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, read as the SDK reads them (its own
    reader is private): an unknown name or ratio warns and falls back."""
    name = (os.environ.get("OTEL_TRACES_SAMPLER") or "parentbased_always_on").strip().lower()
    fixed = {
        "always_on": ALWAYS_ON,
        "always_off": ALWAYS_OFF,
        "parentbased_always_on": DEFAULT_ON,
        "parentbased_always_off": DEFAULT_OFF,
    }
    if name in fixed:
        return fixed[name]
    if name not in {"traceidratio", "parentbased_traceidratio"}:
        logger.warning("OTEL_TRACES_SAMPLER=%s inconnu : parentbased_always_on", name)
        return DEFAULT_ON
    try:
        rate = float(os.environ.get("OTEL_TRACES_SAMPLER_ARG") or "1.0")
        sampler: Sampler = (
            TraceIdRatioBased(rate) if name == "traceidratio" else ParentBasedTraceIdRatio(rate)
        )
    except ValueError:
        logger.warning("OTEL_TRACES_SAMPLER_ARG n'est pas un taux entre 0 et 1 : 1.0")
        sampler = TraceIdRatioBased(1.0) if name == "traceidratio" else DEFAULT_ON
    return sampler


class _NoOrphanQueries(Sampler):
    """Drops a SQL span that would start a trace of its own: the job worker polls its queue
    every second, which would make a trace a second per process for nobody. Requests and
    outgoing HTTP calls still start traces (the sampler from the environment decides)."""

    def __init__(self, inner: Sampler) -> None:
        self._inner = inner

    def should_sample(  # noqa: PLR0917 (the SDK's Sampler signature)
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if (
            kind is SpanKind.CLIENT
            and not (attributes and _HTTP_METHOD_KEYS.intersection(attributes))
            and not get_current_span(parent_context).get_span_context().is_valid
        ):
            return SamplingResult(Decision.DROP)
        return self._inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"NoOrphanQueries{{{self._inner.get_description()}}}"


class _Scrubbed(SpanExporter):
    """Removes, on the export thread, what may carry a person's data or a secret (see the
    module's docstring) before the spans leave the process."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([scrub(span) for span in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self._inner.force_flush(timeout_millis)


def scrub(span: ReadableSpan) -> ReadableSpan:
    attributes = dict(span.attributes or {})
    for key in [key for key in attributes if key.startswith(_HEADER_PREFIXES)]:
        del attributes[key]
    if isinstance(query := attributes.get("url.query"), str):
        attributes["url.query"] = _redact_query(query)
    for key in _URL_KEYS.intersection(attributes):
        if isinstance(url := attributes[key], str):
            attributes[key] = _redact_url(url)
    if span.kind is SpanKind.SERVER and "url.path" in attributes:
        route = attributes.get("http.route")
        if isinstance(route, str):
            attributes["url.path"] = route
        else:  # no route matched: the path is whatever the client sent
            del attributes["url.path"]
    events = [
        Event(
            event.name,
            {k: v for k, v in (event.attributes or {}).items() if k != "exception.message"},
            event.timestamp,
        )
        for event in span.events
    ]
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def _redact_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(key, REDACTED) for key, _ in pairs])


def _redact_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc.rpartition("@")[2]  # credentials, if any were left
    query = _redact_query(parts.query) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
