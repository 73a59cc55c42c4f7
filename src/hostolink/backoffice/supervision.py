"""The back-office supervision page (`/admin/supervision`): the Grafana dashboard's charts for
an installation without Grafana — health at a glance, the job queue, deposits and withdrawals,
reconciliation, the last 24 hours of operations and the counters since the processes started
(supervision_figures.py). The page carries its figures; `/admin/supervision/donnees` serves
the same JSON, behind the same session and permission, for the page to refresh itself."""

from __future__ import annotations

from typing import Any

from sqladmin import BaseView, expose
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hostolink.auth import permissions as p
from hostolink.backoffice.pages import _person, _render
from hostolink.backoffice.supervision_figures import SERIES_CACHE_SECONDS, Supervision
from hostolink.db import database_of
from hostolink.kit.deps import settings_of
from hostolink.metrics.collector import DatabaseCollector
from hostolink.metrics.endpoint import Exposition, process_metrics

IDENTITY = "supervision"
REFRESH_SECONDS = 30


def supervision_of(app: Any) -> Supervision:
    """The application's Supervision, made on first use. It reads through the collector
    `/metrics` uses, sharing its cache; with the route switched off (HOSTOLINK_METRICS=false),
    through a collector of its own, with the same bounds."""
    state = app.state
    found: Supervision | None = getattr(state, "supervision", None)
    if found is not None:
        return found
    settings, db = settings_of(app), database_of(app)
    exposition: Exposition | None = getattr(state, "metrics", None)
    if exposition is not None:
        collector, processes = exposition.collector, exposition.processes
    else:
        collector = DatabaseCollector(
            db,
            reconciliation_delay=settings.reconciliation_delay_seconds,
            cache_seconds=settings.metrics_cache_seconds,
        )
        processes = process_metrics()
    found = Supervision(
        settings=settings,
        db=db,
        collector=collector,
        processes=processes,
        limiter=state.rate_limits.limiter,
    )
    state.supervision = found
    return found


class SupervisionPage(BaseView):
    name = "Supervision"
    identity = IDENTITY
    icon = "fa-solid fa-heart-pulse"
    category = "Exploitation"

    async def _figures(self) -> dict[str, Any]:
        held = _person().permissions
        desk = p.TASKS_READ in held  # the job desk shows stuck operations to operations:lire
        return await supervision_of(self._admin_ref.app).figures(
            jobs_link=desk, stuck_link=desk and p.OPERATIONS_READ in held
        )

    @expose("/supervision", identity=IDENTITY)
    async def page(self, request: Request) -> Response:
        figures = await self._figures()
        return await _render(
            self,
            request,
            "backoffice/supervision.html",
            figures=figures,
            refresh_seconds=REFRESH_SECONDS,
            series_cache_seconds=int(SERIES_CACHE_SECONDS),
        )

    # Its own route name: the menu links to the route named after the view's identity. The
    # permission is the view's all the same (sqladmin checks `is_accessible` on every route).
    @expose("/supervision/donnees", identity=f"{IDENTITY}-donnees")
    async def data(self, request: Request) -> Response:
        return JSONResponse(await self._figures(), headers={"Cache-Control": "no-store"})
