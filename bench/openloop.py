"""Latency at a fixed offered rate (open loop), the way wrk2 measures it.

A closed-loop load (wrk, `python_load`) sends the next request on a connection only when
the previous one is answered: when the server stalls, the client stops sending, and the
stall is counted once instead of for every request that should have been sent meanwhile
(« coordinated omission »). Its p99 at 50 connections mostly says how long 50 requests
queue behind each other: a throughput figure in disguise.

`fixed_rate` schedules request i at `start + i / rate`, whatever happens to the previous
ones, sends each on an idle keep-alive connection of a pool (opening more, up to
`connections`, when every one is busy; when none is free and the cap is reached the request
waits, and that wait counts in its latency), and measures each latency from the request's
*intended* send time to the end of its answer. The client runs in its own process
(`python -m bench.openloop --requests FILE`, with uvloop when installed) so that its CPU is
measured apart from the server's, and it reports how late it was itself in sending: a client
that cannot keep up (it shares the cores with the server) says so in `client_kept_up`.

`python -m bench.openloop http://127.0.0.1:8000/health --rate 500 --seconds 5` tries it
against any loopback URL.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import math
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from bench.common import (
    HOST,
    LOOPBACK_NAMES,
    REQUEST_TIMEOUT_S,
    ROOT,
    BenchError,
    LoadResult,
    RequestStream,
    Step,
    _percentile,
    log,
)

GOAL_P99_MS = 50.0  # issue 23: every scenario, p99 < 50 ms at half the measured capacity
RESULT_MARK = "OPENLOOP_RESULT "
PREOPENED = 8  # connections opened before the first request (at most `connections`)
# The client kept up when it sent (nearly) every scheduled request, on time, with CPU to spare.
MIN_SENT_SHARE = 0.99
MAX_LATE_P99_MS = 5.0
MAX_CLIENT_CORE = 0.9


@dataclass
class OpenLoopResult:
    offered_rps: float  # the schedule's rate
    achieved_rps: float  # requests sent ÷ the schedule's length
    answered_rps: float
    seconds: float
    scheduled: int
    sent: int
    answered: int
    not_sent: int  # still waiting for a connection when the client gave up
    statuses: dict[str, int]
    non2xx: int
    errors: dict[str, int]  # socket errors, timeouts
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    mean_ms: float
    send_late_p99_ms: float  # how late the client itself was at sending (its timer, its CPU)
    send_late_max_ms: float
    waited_for_connection: int  # requests that found every connection busy at the cap
    connections_opened: int
    connections: int  # the cap
    client_cpu_core: float  # the client process's CPU seconds per second (1.0 = one core)
    client_kept_up: bool
    notes: list[str] = field(default_factory=list)


def judge(figures: dict[str, Any]) -> bool:
    """The goal: p99 < 50 ms from the intended send times, every request sent and answered
    without a socket error or a 5xx."""
    if "failed" in figures:
        return False
    server_errors = sum(n for status, n in figures["statuses"].items() if int(status) >= 500)
    return (
        float(figures["p99_ms"]) < GOAL_P99_MS
        and figures["not_sent"] == 0
        and not figures["errors"]
        and server_errors == 0
        and figures["answered"] > 0
    )


# --------------------------------------------------------------------------------------------
# The schedule (no network: `Schedule` only says which requests are due)
# --------------------------------------------------------------------------------------------


class Schedule:
    """Request i is due at `start_ns + i * 1e9 / rate`."""

    def __init__(self, rate: float, count: int, start_ns: int) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.rate = rate
        self.count = count
        self.start_ns = start_ns
        self.next = 0

    def intended_ns(self, index: int) -> int:
        return self.start_ns + round(index * 1e9 / self.rate)

    def due(self, now_ns: int) -> range:
        """The requests due by `now_ns` not yet taken (and takes them)."""
        if self.next >= self.count:
            return range(0)
        elapsed = now_ns - self.start_ns
        last = -1 if elapsed < 0 else min(self.count - 1, math.floor(elapsed * self.rate / 1e9))
        taken = range(self.next, last + 1)
        self.next = max(self.next, last + 1)
        return taken

    def done(self) -> bool:
        return self.next >= self.count

    def wait_s(self, now_ns: int) -> float:
        """Seconds until the next request is due (0 when one is due already)."""
        if self.done():
            return 0.0
        return max(0.0, (self.intended_ns(self.next) - now_ns) / 1e9)


# --------------------------------------------------------------------------------------------
# The client: one asyncio protocol per keep-alive connection, one request at a time on each
# --------------------------------------------------------------------------------------------


class _Response:
    """An HTTP/1.1 answer read from a byte buffer: Content-Length or chunked body."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.status = 0
        self.keep_alive = True
        self.remaining: int | None = None  # body bytes still expected (Content-Length)
        self.chunked = False
        self.head_done = False

    def feed(self, data: bytes) -> bool:
        """Add bytes; True once the whole answer is in."""
        self.buffer += data
        if not self.head_done:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return False
            head = bytes(self.buffer[:end]).lower()
            del self.buffer[: end + 4]
            self.head_done = True
            self.status = int(head[9:12])
            self.keep_alive = b"\r\nconnection: close" not in head
            self.chunked = b"\r\ntransfer-encoding: chunked" in head
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                self.remaining = int(head[at + 17 : stop if stop >= 0 else None])
            elif not self.chunked:
                self.remaining = 0
        if self.chunked:
            return self._chunks_done()
        assert self.remaining is not None
        return len(self.buffer) >= self.remaining

    def _chunks_done(self) -> bool:
        while True:
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                return False
            size = int(bytes(self.buffer[:line_end]).split(b";")[0], 16)
            if size == 0:
                return self.buffer.find(b"\r\n\r\n", line_end) >= 0  # trailers, if any
            if len(self.buffer) < line_end + 2 + size + 2:
                return False
            del self.buffer[: line_end + 2 + size + 2]


class _Connection(asyncio.Protocol):
    def __init__(self, client: _Client) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None
        self.response: _Response | None = None
        self.intended_ns = 0
        self.open = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.open = True

    def send(self, payload: bytes, intended_ns: int) -> None:
        assert self.transport is not None
        self.response = _Response()
        self.intended_ns = intended_ns
        self.client.in_flight[self] = time.perf_counter_ns()
        self.transport.write(payload)

    def data_received(self, data: bytes) -> None:
        response = self.response
        if response is None:
            return
        try:
            complete = response.feed(data)
        except (ValueError, IndexError):
            self._fail("parse")
            return
        if complete:
            self.response = None
            self.client.answered(self, response, self.intended_ns)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if self.response is not None:
            self._fail("read")
        self.client.lost(self)

    def _fail(self, kind: str) -> None:
        self.response = None
        self.client.failed(self, kind)
        if self.transport is not None:
            self.transport.close()


class _Client:
    def __init__(self, port: int, connections: int) -> None:
        self.port = port
        self.cap = connections
        self.idle: collections.deque[_Connection] = collections.deque()
        self.all: set[_Connection] = set()
        self.opening = 0
        self.opened = 0
        self.in_flight: dict[_Connection, int] = {}
        self.freed = asyncio.Event()
        self.latencies: list[int] = []
        self.statuses: collections.Counter[int] = collections.Counter()
        self.errors: collections.Counter[str] = collections.Counter()

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        self.opening += 1
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(self), HOST, self.port),
                REQUEST_TIMEOUT_S,
            )
        except (OSError, TimeoutError):
            self.errors["connect"] += 1
            return
        finally:
            self.opening -= 1
        self.opened += 1
        self.all.add(connection)
        self._release(connection)

    def _release(self, connection: _Connection) -> None:
        self.idle.append(connection)  # first in, first out: every connection takes its turn
        self.freed.set()

    def answered(self, connection: _Connection, response: _Response, intended_ns: int) -> None:
        self.in_flight.pop(connection, None)
        self.latencies.append(time.perf_counter_ns() - intended_ns)
        self.statuses[response.status] += 1
        if response.keep_alive:
            self._release(connection)
        elif connection.transport is not None:
            connection.transport.close()

    def failed(self, connection: _Connection, kind: str) -> None:
        self.in_flight.pop(connection, None)
        self.errors[kind] += 1

    def lost(self, connection: _Connection) -> None:
        self.all.discard(connection)
        with contextlib.suppress(ValueError):
            self.idle.remove(connection)
        self.freed.set()  # room for a new connection under the cap

    async def take(self, give_up_ns: int) -> tuple[_Connection | None, bool]:
        """An idle connection (opening one when all are busy and the cap allows), and True
        when the request had to wait because every connection was busy at the cap; None
        when still none is free at `give_up_ns`."""
        waited = False
        while True:
            while self.idle:
                connection = self.idle.popleft()
                if connection.open:
                    return connection, waited
            if len(self.all) + self.opening < self.cap:
                await self.connect()
                continue
            if time.perf_counter_ns() > give_up_ns:
                return None, waited
            waited = True
            self.freed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.freed.wait(), 0.1)
            self.expire(time.perf_counter_ns())

    def expire(self, now_ns: int) -> None:
        """Answers later than the timeout: counted as timeouts, their connections closed."""
        limit = int(REQUEST_TIMEOUT_S * 1e9)
        for connection, sent_ns in list(self.in_flight.items()):
            if now_ns - sent_ns > limit:
                self.in_flight.pop(connection, None)
                connection.response = None
                self.errors["timeout"] += 1
                if connection.transport is not None:
                    connection.transport.close()

    def close(self) -> None:
        for connection in list(self.all):
            if connection.transport is not None:
                connection.transport.close()


async def _run(
    port: int, requests: Sequence[bytes], rate: float, seconds: float, connections: int
) -> OpenLoopResult:
    client = _Client(port, connections)
    await asyncio.gather(*(client.connect() for _ in range(min(PREOPENED, connections))))
    cpu_before = time.process_time()
    schedule = Schedule(rate, len(requests), time.perf_counter_ns() + 5_000_000)
    late: list[int] = []
    waited = 0
    give_up_ns = schedule.intended_ns(len(requests)) + int(REQUEST_TIMEOUT_S * 1e9)
    not_sent = 0
    free_since_ns = 0  # when the sender last got a connection it had to wait for (or open)
    while not schedule.done():
        pause = schedule.wait_s(time.perf_counter_ns())
        if pause > 0:
            await asyncio.sleep(pause)
        woke_ns = time.perf_counter_ns()
        for index in schedule.due(woke_ns):
            intended = schedule.intended_ns(index)
            # The client's own lateness: its timer and its CPU, not a wait for a connection
            # (that one is the server's, and counts in the latency from `intended`).
            late.append(max(0, woke_ns - max(intended, free_since_ns)))
            opened = client.opened
            connection, had_to_wait = await client.take(give_up_ns)
            if connection is None:
                not_sent += 1
                continue
            if had_to_wait or client.opened != opened:  # it waited for the server
                waited += 1
                free_since_ns = woke_ns = time.perf_counter_ns()
            connection.send(requests[index], intended)
        client.expire(time.perf_counter_ns())
    sending_s = (time.perf_counter_ns() - schedule.start_ns) / 1e9
    while client.in_flight and time.perf_counter_ns() < give_up_ns:
        await asyncio.sleep(0.01)
        client.expire(time.perf_counter_ns())
    client.expire(time.perf_counter_ns() + int(REQUEST_TIMEOUT_S * 1e9) + 1)
    cpu_s = time.process_time() - cpu_before
    elapsed = (time.perf_counter_ns() - schedule.start_ns) / 1e9
    client.close()
    await asyncio.sleep(0)
    return _result(
        client,
        rate=rate,
        seconds=seconds,
        scheduled=len(requests),
        not_sent=not_sent,
        late=late,
        waited=waited,
        sending_s=sending_s,
        cpu_core=cpu_s / elapsed if elapsed else 0.0,
        connections=connections,
    )


def _ms(value_ns: float) -> float:
    return round(value_ns / 1e6, 2)


def _result(
    client: _Client,
    *,
    rate: float,
    seconds: float,
    scheduled: int,
    not_sent: int,
    late: list[int],
    waited: int,
    sending_s: float,
    cpu_core: float,
    connections: int,
) -> OpenLoopResult:
    latencies = sorted(client.latencies)
    late.sort()
    sent = scheduled - not_sent
    span = max(seconds, scheduled / rate)
    answered = len(latencies)
    late_p99 = _percentile(late, 99)
    notes = []
    if sent < MIN_SENT_SHARE * scheduled:
        notes.append(f"client sent only {sent:,} of {scheduled:,} scheduled requests")
    if late_p99 / 1e6 > MAX_LATE_P99_MS:
        notes.append(
            f"client late in sending: p99 {late_p99 / 1e6:.1f} ms (> {MAX_LATE_P99_MS:g} ms)"
        )
    if cpu_core > MAX_CLIENT_CORE:
        notes.append(f"client used {cpu_core:.2f} of a core (> {MAX_CLIENT_CORE:g})")
    if sending_s > span * 1.05 + 0.1:
        notes.append(f"sending took {sending_s:.1f} s for a {span:.1f} s schedule")
    if answered < 100:
        notes.append(f"only {answered} answers: the p99 is about the slowest one")
    if waited:
        notes.append(f"{waited:,} requests waited for a connection (all {connections} busy)")
    return OpenLoopResult(
        offered_rps=round(rate, 1),
        achieved_rps=round(sent / max(span, sending_s), 1),
        answered_rps=round(answered / max(span, sending_s), 1),
        seconds=round(span, 2),
        scheduled=scheduled,
        sent=sent,
        answered=answered,
        not_sent=not_sent,
        statuses={str(k): v for k, v in sorted(client.statuses.items())},
        non2xx=sum(n for status, n in client.statuses.items() if not 200 <= status < 300),
        errors=dict(client.errors),
        p50_ms=_ms(_percentile(latencies, 50)),
        p90_ms=_ms(_percentile(latencies, 90)),
        p99_ms=_ms(_percentile(latencies, 99)),
        p999_ms=_ms(_percentile(latencies, 99.9)),
        max_ms=_ms(latencies[-1]) if latencies else 0.0,
        mean_ms=_ms(sum(latencies) / answered) if answered else 0.0,
        send_late_p99_ms=_ms(late_p99),
        send_late_max_ms=_ms(late[-1]) if late else 0.0,
        waited_for_connection=waited,
        connections_opened=client.opened,
        connections=connections,
        client_cpu_core=round(cpu_core, 2),
        # A slow schedule from waits for a connection is the server's doing, not the client's.
        client_kept_up=not any(note.startswith("client") for note in notes),
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# From a bench group: the requests built here, sent from a child process
# --------------------------------------------------------------------------------------------


async def fixed_rate(
    port: int,
    stream: RequestStream,
    *,
    rate: float,
    seconds: float,
    connections: int = 64,
) -> OpenLoopResult:
    """`seconds` of requests from `stream` at `rate` a second, sent by a child process
    (`python -m bench.openloop --requests FILE`) so that the client's CPU is its own."""
    if rate <= 0 or seconds <= 0:
        raise BenchError("the open-loop rate and duration must be positive")
    count = max(1, round(rate * seconds))
    requests = [stream.raw(port) for _ in range(count)]
    with tempfile.TemporaryDirectory(prefix="hostolink-openloop-") as folder:
        request_file = Path(folder) / "requests.pickle"
        request_file.write_bytes(pickle.dumps(requests, protocol=pickle.HIGHEST_PROTOCOL))
        argv = [sys.executable, "-m", "bench.openloop", "--requests", str(request_file)]
        argv += ["--port", str(port), "--rate", repr(rate), "--seconds", repr(seconds)]
        argv += ["--connections", str(connections)]
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": _pythonpath()},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(
                process.communicate(), seconds + 2 * REQUEST_TIMEOUT_S + 30
            )
        except TimeoutError:
            raise BenchError("the open-loop client did not finish in time") from None
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    line = next(
        (ln for ln in out.decode(errors="replace").splitlines() if ln.startswith(RESULT_MARK)),
        None,
    )
    if process.returncode != 0 or line is None:
        raise BenchError(f"the open-loop client failed:\n{err.decode(errors='replace')[-2000:]}")
    return OpenLoopResult(**json.loads(line.removeprefix(RESULT_MARK)))


def _pythonpath() -> str:
    """The child imports this `bench` (the worktree's) before any other."""
    current = os.environ.get("PYTHONPATH", "")
    return os.pathsep.join(p for p in (str(ROOT), current) if p)


async def fixed_rate_after(
    load: LoadResult,
    port: int,
    stream: RequestStream,
    args: argparse.Namespace,
    step: Step | None = None,
) -> None:
    """After a scenario's closed-loop measure: the same requests at `--fixed-rate` (half)
    of the capacity it measured, for `--duration` seconds; the figures go to
    `load.fixed_rate` (and so to the scenario's results JSON)."""
    fraction = float(getattr(args, "fixed_rate", 0.5))
    if fraction <= 0 or load.rps <= 0:
        return
    rate = load.rps * fraction
    # The closed loop leaves up to one request per connection in the server when it stops
    # (seconds of argon2 for login on a busy machine): let them end first, or the first
    # scheduled requests queue behind them.
    await asyncio.sleep(min(REQUEST_TIMEOUT_S, max(0.5, load.max_ms / 1000)))
    try:
        result = await fixed_rate(port, stream, rate=rate, seconds=args.duration)
    except BenchError as exc:  # the closed-loop figures stand; this measure says it failed
        log(f"  open loop at {rate:,.1f} req/s failed: {exc}")
        load.fixed_rate = {"failed": str(exc)[-500:], "offered_rps": round(rate, 1)}
        return
    load.fixed_rate = asdict(result)
    kept = "client kept up" if result.client_kept_up else "CLIENT BEHIND"
    log(
        f"  open loop at {result.offered_rps:,.1f} req/s ({fraction:g} × capacity): sent "
        f"{result.achieved_rps:,.1f}/s, p50 {result.p50_ms:.1f} / p99 {result.p99_ms:.1f} / "
        f"p99.9 {result.p999_ms:.1f} / max {result.max_ms:.1f} ms, statuses {result.statuses}, "
        f"errors {result.errors}; client late p99 {result.send_late_p99_ms:.1f} ms, "
        f"{result.client_cpu_core:.2f} core; {kept}"
        + (f" ({'; '.join(result.notes)})" if result.notes else "")
    )
    if step is not None:
        shown = f"at {result.offered_rps:,.0f} req/s fixed: p99 {result.p99_ms:.0f} ms"
        step.note = f"{step.note}; {shown}" if step.note else shown


# --------------------------------------------------------------------------------------------
# Reporting: one line per scenario
# --------------------------------------------------------------------------------------------


def markdown(rows: Sequence[tuple[str, LoadResult]]) -> str:
    """The open-loop table of a group: one line per scenario that has a fixed-rate measure."""
    measured = [(label, load.fixed_rate) for label, load in rows if load.fixed_rate]
    if not measured:
        return ""
    lines = [
        "",
        "Latency at a fixed offered rate (open loop, half the closed-loop capacity above, "
        "latency from each request's intended send time; client in its own process):",
        "",
        "| scenario | offered req/s | sent req/s | answers | p50 ms | p90 ms | p99 ms | p99.9 ms "
        "| max ms | goal p99 | met | non-2xx / errors / not sent | client late p99 ms | client CPU "
        "| client kept up |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|---:|---:|---:|:-:|",
    ]
    for label, f in measured:
        if "failed" in f:
            lines.append(f"| {label} | {f['offered_rps']:,.1f} | failed: {f['failed'][:200]} |")
            continue
        errors = sum(f["errors"].values())
        lines.append(
            f"| {label} | {f['offered_rps']:,.1f} | {f['achieved_rps']:,.1f} | {f['answered']:,} "
            f"| {f['p50_ms']:.1f} | {f['p90_ms']:.1f} | {f['p99_ms']:.1f} | {f['p999_ms']:.1f} "
            f"| {f['max_ms']:.1f} | < {GOAL_P99_MS:g} ms | {'yes' if judge(f) else 'NO'} "
            f"| {f['non2xx']} / {errors} / {f['not_sent']} | {f['send_late_p99_ms']:.1f} "
            f"| {100 * f['client_cpu_core']:.0f} % of a core "
            f"| {'yes' if f['client_kept_up'] else 'NO: ' + '; '.join(f['notes'])} |"
        )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Command line: the child process, or a try against any loopback URL
# --------------------------------------------------------------------------------------------


def _install_uvloop() -> str:
    try:
        import uvloop  # noqa: PLC0415 - optional
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def _url_requests(args: argparse.Namespace, count: int) -> tuple[int, list[bytes]]:
    parts = urlsplit(args.url)
    host = parts.hostname or ""
    if parts.scheme != "http" or not (host in LOOPBACK_NAMES or host.startswith("127.")):
        raise BenchError("only http:// URLs on this machine's loopback (127.0.0.1)")
    port = parts.port or 80
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = args.data.encode() if args.data is not None else b""
    method = args.method or ("POST" if body else "GET")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}:{port}", *args.header]
    if body:
        if not any(h.lower().startswith("content-type:") for h in args.header):
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    return port, [raw] * count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.openloop",
        description="Latency at a fixed offered rate (open loop, wrk2-style) on loopback.",
    )
    parser.add_argument("url", nargs="?", help="http://127.0.0.1:PORT/path (a try by hand)")
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--seconds", type=float, default=5.0, help="schedule length (5)")
    parser.add_argument("--connections", type=int, default=64, help="connection cap (64)")
    parser.add_argument("--method", default=None, help="GET, or POST with --data")
    parser.add_argument("--data", default=None, help="request body (JSON)")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--requests", type=Path, help=argparse.SUPPRESS)  # from fixed_rate
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 0 < args.rate <= 100_000 or not 0 < args.seconds <= 600:
        parser.error("--rate must be in (0, 100000] and --seconds in (0, 600]")
    if not 1 <= args.connections <= 1000:
        parser.error("--connections must be in [1, 1000]")
    count = max(1, round(args.rate * args.seconds))
    try:
        if args.requests is not None:
            requests: list[bytes] = pickle.loads(args.requests.read_bytes())  # noqa: S301 - ours
            port = int(args.port)
        elif args.url:
            port, requests = _url_requests(args, count)
        else:
            parser.error("a URL, please")
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    loop_kind = _install_uvloop()
    result = asyncio.run(_run(port, requests, args.rate, args.seconds, args.connections))
    if args.requests is None:
        print(f"client event loop: {loop_kind}", file=sys.stderr)
        print(json.dumps(asdict(result), indent=2))
    else:
        print(RESULT_MARK + json.dumps(asdict(result)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
