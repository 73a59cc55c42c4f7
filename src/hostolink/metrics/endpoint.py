"""`GET /metrics`: Prometheus' text format, every worker process added up.

Why a token on the main port rather than a second, private port: Render routes one public
port per web service, and the scraper is hosted elsewhere (a Grafana Cloud agent), so a
second port would be unreachable. The scraper sends `Authorization: Bearer
<HOSTOLINK_METRICS_TOKEN>`, compared in constant time. In production without a token the
route answers 404, as an unknown route does: counts and queue figures are for operators,
never public. Outside production it is open (a developer's `curl localhost:3000/metrics`),
unless a token is set, which is then required there too.

Not in the OpenAPI document (not part of the app's API); the route table declares its
policy with the `METRICS_TOKEN` marker (hostolink.auth.deps).

One process: the default registry (with the process's CPU and memory). Several
(`hostolink serve --workers N`): the multiprocess files of every worker, whichever worker
answers. Either way, plus the figures read from the database now (collector.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from hostolink.auth.deps import METRICS_TOKEN
from hostolink.config import Settings
from hostolink.db import Database
from hostolink.errors import NotFound, Unauthorized
from hostolink.metrics import multiprocess
from hostolink.metrics.collector import DatabaseCollector

router = APIRouter(dependencies=[Depends(METRICS_TOKEN)])


class _ProcessRegistry:
    """The default registry, as one collector of the scrape's registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def process_metrics() -> Collector:
    """What the processes counted, as `/metrics` serves it: every worker's multiprocess files
    added up (several processes), or this process's default registry (one). Without the
    figures read from the database (collector.py). Read again at each `collect()`."""
    if multiprocess.active():
        return MultiProcessCollector(None)  # type: ignore[no-untyped-call]
    return _ProcessRegistry()


class Exposition:
    """What `/metrics` serves for one application (kept on `app.state.metrics`)."""

    def __init__(self, settings: Settings, db: Database) -> None:
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
        self._token = token.encode() if token else None
        self._production = settings.is_production
        self.collector = DatabaseCollector(
            db,
            reconciliation_delay=settings.reconciliation_delay_seconds,
            cache_seconds=settings.metrics_cache_seconds,
        )
        self.processes = process_metrics()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self.processes)
        self.registry.register(self.collector)

    def authorize(self, authorization: str | None) -> None:
        if self._token is None:
            if self._production:
                raise NotFound("Route introuvable.")  # disabled: as if it did not exist
            return
        scheme, _, credentials = (authorization or "").partition(" ")
        given = credentials.strip().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, self._token):
            raise Unauthorized(
                "Jeton de supervision manquant ou invalide.",
                headers={"WWW-Authenticate": "Bearer"},
            )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    exposition: Exposition = request.app.state.metrics
    exposition.authorize(request.headers.get("authorization"))
    await exposition.collector.refresh()
    # The format the scraper asks for (Prometheus prefers OpenMetrics), as the client
    # library's own handlers choose it. Reading the other workers' files: a few small
    # memory-mapped files, milliseconds.
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encoder(exposition.registry), headers={"Content-Type": content_type})


def install(app: FastAPI, settings: Settings, db: Database) -> None:
    """The route and what it serves (the middleware is added by the app factory, in its
    place among the others)."""
    app.state.metrics = Exposition(settings, db)
    app.include_router(router)
