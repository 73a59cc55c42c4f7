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

The other families, incremented where the event happens (the catalogue, with what each
panel and alert reads, is docs/supervision/README.md):

- HTTP (hostolink.metrics.http): `hostolink_http_requests_total{method, route, status}` and
  `hostolink_http_request_duration_seconds{method, route}`. `route` is the route's template
  (`/api/operations/{reference}`), `unmatched` for a path no route serves: never a raw path.
- Database pools (db.py): `hostolink_db_pool_connections_in_use{pool}` and
  `hostolink_db_pool_size{pool}`, per process.
- Money rails: `hostolink_operation_settlement_seconds{provider, direction, status}` (from
  initiation to the final status, observed when it is reached) and
  `hostolink_provider_errors_total{provider, kind}` (`timeout`, `transport`, `5xx`, `4xx`
  and `protocol` per HTTP attempt; `invalid_callback` for a notification refused;
  `configuration` for an operation the provider refused because of our settings).
- Authentication: `hostolink_otp_messages_total{channel, outcome}`,
  `hostolink_otp_checks_total{result}`, `hostolink_logins_total{secret, result}`,
  `hostolink_lockouts_total`.
- Live rooms: `hostolink_room_sockets_open`, `hostolink_room_frames_delivered_total`,
  `hostolink_room_frames_dropped_total`.
What is read from the database at scrape time (queue, operations, reconciliation, ledger
check) is hostolink.metrics.collector's.

Several API processes: in prometheus_client's multiprocess mode each process writes its
values to files of PROMETHEUS_MULTIPROC_DIR (hostolink.metrics.multiprocess) and a scrape
adds them up. Gauges say how: `liveall` keeps one series per live process (a `pid` label),
`livesum` adds the live processes up; a dead process's gauges go, its counters stay.
"""

from __future__ import annotations

import logging
import os

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# No `…_created` series beside each counter and histogram: they double what a scrape carries
# for a timestamp no panel reads (multiprocess mode never writes them anyway).
disable_created_metrics()  # type: ignore[no-untyped-call]

# In multiprocess mode every metric below opens its file in this directory: one named but
# missing (a variable set by hand) must not stop a command that only wanted the database.
if _multiprocess_directory := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(_multiprocess_directory, exist_ok=True)

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

# ------------------------------------------------------------------------------- HTTP

HTTP_REQUESTS = Counter(
    "hostolink_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "hostolink_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    # The cheap routes answer in a few milliseconds: finer at the bottom than the default.
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# ------------------------------------------------------------------ database pools

DB_POOL_IN_USE = Gauge(
    "hostolink_db_pool_connections_in_use",
    "Connections of the pool checked out right now, per process.",
    ["pool"],
    multiprocess_mode="liveall",
)
DB_POOL_SIZE = Gauge(
    "hostolink_db_pool_size",
    "Connections the pool may hold (it never overflows), per process.",
    ["pool"],
    multiprocess_mode="liveall",
)

# ------------------------------------------------------------------------ money rails

SETTLEMENT = Histogram(
    "hostolink_operation_settlement_seconds",
    "Time from a deposit's or withdrawal's initiation to its final status.",
    ["provider", "direction", "status"],
    # From a confirmation within seconds to a deposit expiring after an hour or more.
    buckets=(2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400),
)
PROVIDER_ERRORS = Counter(
    "hostolink_provider_errors",
    "Failed calls to a payment provider (each HTTP attempt) and refused notifications.",
    ["provider", "kind"],
)

# --------------------------------------------------------------------- authentication

OTP_MESSAGES = Counter(
    "hostolink_otp_messages",
    "One-time codes handed to the SMS or e-mail sender: sent, or failed to send.",
    ["channel", "outcome"],
)
OTP_CHECKS = Counter(
    "hostolink_otp_checks",
    "One-time codes typed: valid, wrong, or expired (none valid, used, or too many tries).",
    ["result"],
)
LOGINS = Counter(
    "hostolink_logins",
    "Password and PIN checks: success or failure (a wrong secret).",
    ["secret", "result"],
)
LOCKOUTS = Counter(
    "hostolink_lockouts",
    "Identifiers locked after repeated wrong secrets.",
)

for _channel in ("sms", "email"):
    for _outcome in ("sent", "failed"):
        OTP_MESSAGES.labels(channel=_channel, outcome=_outcome)
for _result in ("valid", "wrong", "expired"):
    OTP_CHECKS.labels(result=_result)
for _secret in ("password", "pin"):
    for _result in ("success", "failure"):
        LOGINS.labels(secret=_secret, result=_result)

# ------------------------------------------------------------------------ live rooms

ROOM_SOCKETS = Gauge(
    "hostolink_room_sockets_open",
    "Room WebSockets open (all processes added up).",
    multiprocess_mode="livesum",
)
ROOM_FRAMES_DELIVERED = Counter(
    "hostolink_room_frames_delivered",
    "Room frames handed to a local socket (one per socket a frame reaches).",
)
ROOM_FRAMES_DROPPED = Counter(
    "hostolink_room_frames_dropped",
    "Room frames dropped for a socket that stopped reading (it catches up from history).",
)


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
