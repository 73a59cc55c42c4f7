"""Process metrics, in Prometheus' data model (`prometheus_client`, default registry).

Only the objects live here; exposing them (a `/metrics` route, multiprocess mode for
several workers) is the job of whoever serves them. Names follow Prometheus conventions:
`hostolink_` prefix, `_total` on counters (added by the client library), base units.

- `hostolink_redis_errors_total{component}`: Redis calls that failed (connection refused or
  lost, timeout, error reply). `component` is `ratelimit` (shared counters) or `hub` (room
  fan-out).
- `hostolink_ratelimit_fallback_total`: rate-limit checks answered by the process's own
  counters because Redis was unavailable or being left alone after a failure.
- `hostolink_redis_up{component}`: 1 while the component reaches Redis, 0 while it does not;
  absent until it first tried.

`RedisAvailability` keeps the gauge and the logs in step: one warning when a component
loses Redis and one info line when it gets it back, never one line per request.
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge

COMPONENTS = ("ratelimit", "hub")

REDIS_ERRORS = Counter(
    "hostolink_redis_errors",
    "Redis calls that failed (refused, lost, timed out or answered an error).",
    ["component"],
)
RATELIMIT_FALLBACK = Counter(
    "hostolink_ratelimit_fallback",
    "Rate-limit checks counted by this process alone because Redis was unavailable.",
)
# `liveall`: in multiprocess mode, one series per live worker (each has its own link).
REDIS_UP = Gauge(
    "hostolink_redis_up",
    "1 while the component reaches Redis, 0 while it does not.",
    ["component"],
    multiprocess_mode="liveall",
)

for _component in COMPONENTS:  # counters start at 0 rather than appear at the first error
    REDIS_ERRORS.labels(component=_component)


class RedisAvailability:
    """Whether one component currently reaches Redis, as a gauge and a log line per change."""

    def __init__(self, component: str, logger: logging.Logger) -> None:
        self.component = component
        self._logger = logger
        self._up: bool | None = None  # unknown until the first call

    @property
    def up(self) -> bool | None:
        return self._up

    def failed(self, error: BaseException) -> None:
        """A call failed: counted; the first failure after a success (or ever) is logged."""
        REDIS_ERRORS.labels(component=self.component).inc()
        if self._up is False:
            return
        self._up = False
        REDIS_UP.labels(component=self.component).set(0)
        self._logger.warning(
            "redis unavailable for %s (%s: %s): degraded until it answers again",
            self.component,
            type(error).__name__,
            error,
        )

    def succeeded(self) -> None:
        """A call succeeded: logged only when it ends an outage."""
        if self._up is True:
            return
        recovering = self._up is False
        self._up = True
        REDIS_UP.labels(component=self.component).set(1)
        if recovering:
            self._logger.info("redis available again for %s", self.component)
