"""Requests counted by route template: a pure ASGI middleware (no task per request).

The router writes the route it matched into the request's scope (`scope["route"]`, and for
a mounted application the mount's prefix into `root_path`); this middleware reads it after
the call, so the label is `/api/operations/{reference}`, never the raw path, whatever the
path holds. A path no route serves is counted as `unmatched`: a scanner probing thousands
of paths adds one series, not thousands. Methods outside HTTP's usual few are `other`, for
the same reason.

Its overhead, measured with and without it on the cheapest route: bench/README.md
(`python -m bench metrics`).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hostolink.kit.metrics import HTTP_DURATION, HTTP_REQUESTS

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope, outer_root_path: str = "") -> str:
    """The template of the route that served `scope` (after the call), or `unmatched`."""
    root_path = str(scope.get("root_path", ""))
    prefix = root_path[len(outer_root_path) :] if root_path.startswith(outer_root_path) else ""
    route = scope.get("route")
    if route is None or isinstance(route, Mount):
        # A mounted application without routes of its own (static files): the mount has
        # already added its path to root_path.
        return prefix + "/{path}" if prefix else UNMATCHED
    template = getattr(route, "path_format", None)
    return prefix + template if isinstance(template, str) else UNMATCHED


class MetricsMiddleware:
    """`hostolink_http_requests_total` and `hostolink_http_request_duration_seconds`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Label children by key: `.labels()` costs a lock and a tuple per call; these are
        # few (methods × routes × statuses actually seen).
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering
        outer_root_path = str(scope.get("root_path", ""))

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            self._record(method, route_template(scope, outer_root_path), status, started)

    def _record(self, method: str, route: str, status: int, started: float) -> None:
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = HTTP_REQUESTS.labels(method=method, route=route, status=str(status))
            self._counters[(method, route, status)] = counter
        histogram = self._histograms.get((method, route))
        if histogram is None:
            histogram = HTTP_DURATION.labels(method=method, route=route)
            self._histograms[(method, route)] = histogram
        counter.inc()
        histogram.observe(time.perf_counter() - started)
