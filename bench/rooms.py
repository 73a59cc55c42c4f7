"""Rooms benchmark: one thematic room, 1,000 WebSocket listeners, a message sent every
`--rooms-interval-ms`: how long until every listener has it (issue 7: p99 < 200 ms).

What one run does, per configuration (every step bounded in time; traffic to 127.0.0.1 only):

1. starts `hostolink serve` as the other groups do (`bench.common.Server`, rate limits off,
   `DISCUSSION_MESSAGES_PER_MINUTE` raised for the sender), with `REDIS_URL` for the
   `redis-N` configurations (fan-out through Redis pub/sub between N worker processes, the
   deployment) and without it for `local-1` (one process, in-memory fan-out);
2. seeds one sender through the API (`common.seed_users`) who joins the room over REST,
   writes the room and `--rooms-clients` listeners (users + memberships) with SQL and signs
   their access tokens with the server's JWT_SECRET (`rooms_data.py`);
3. opens every listener's socket `/ws/thematiques/{id}?token=…` (`websockets`, at most
   `--rooms-connect-concurrency` handshakes at a time; the kernel spreads them over the
   workers) and waits for each `bienvenue`;
4. posts `--rooms-warmup-messages` unmeasured messages, then `--rooms-messages` through
   `POST /api/thematiques/{id}/messages`, one every `--rooms-interval-ms` (open loop: each
   POST leaves on schedule, whatever the previous one's answer), the text naming the
   message's number; the send time is taken just before each POST, each delivery's time when
   the listener's task reads the frame (one clock: this process's `perf_counter_ns`);
5. waits for the stragglers (at most `--rooms-drain` s), then reports per message the time
   until the LAST listener had it (the goal's figure), every delivery's latency, the POST's
   own latency, lost deliveries, and the CPU of the server, PostgreSQL and this process
   (the listeners share the machine's cores with the server).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench import common
from bench.common import (
    HOST,
    BenchError,
    CpuMeter,
    MachineCpu,
    Server,
    connections_per_process,
    log,
    progress,
    seed_users,
    stop_server,
    terminate_as_interrupt,
    update_readme,
)
from bench.rooms_data import (
    create_room,
    mint_tokens,
    seed_listeners,
    stored_messages,
    user_id_of,
)

GROUP = "rooms"
GOAL_P99_MS = 200.0
CONFIGS = {"redis-2": (2, True), "local-1": (1, False), "redis-1": (1, True)}
SEQ_RE = re.compile(r"BENCH#(\d+)#")
MESSAGE_MARK = '"type":"message"'


# --------------------------------------------------------------------------------------------
# Listeners
# --------------------------------------------------------------------------------------------


@dataclass
class Listener:
    index: int
    received_ns: list[int]
    frames: Counter[str] = field(default_factory=Counter)
    closed: str = ""


async def _open(url: str, gate: asyncio.Semaphore, wait_s: float) -> ClientConnection:
    async with gate:
        socket = await connect(url, ping_interval=None, open_timeout=wait_s, max_size=2**20)
        first = json.loads(await asyncio.wait_for(socket.recv(), wait_s))
        if first.get("type") != "bienvenue":
            await socket.close()
            raise BenchError(f"first frame is not bienvenue: {first}")
        return socket


async def _read(socket: ClientConnection, listener: Listener, base: int) -> None:
    """Time each `message` frame as soon as this task reads it; count the other frames."""
    try:
        async for raw in socket:
            now = time.perf_counter_ns()
            text = raw if isinstance(raw, str) else raw.decode()
            if MESSAGE_MARK in text:
                found = SEQ_RE.search(text)
                if found:
                    seq = int(found.group(1)) - base
                    if 0 <= seq < len(listener.received_ns) and not listener.received_ns[seq]:
                        listener.received_ns[seq] = now
                    listener.frames["message"] += 1
                    continue
            kind = str(json.loads(text).get("type", "?"))
            listener.frames[kind] += 1
    except Exception as exc:  # recorded: a socket the server closed
        listener.closed = type(exc).__name__


# --------------------------------------------------------------------------------------------
# One configuration
# --------------------------------------------------------------------------------------------


@dataclass
class ConfigResult:
    name: str
    workers: int
    redis: bool
    clients: int
    connected: int
    connect_s: float
    sockets_per_worker: list[int]
    messages: int
    interval_ms: float
    deflate: str
    all_delivered_ms: dict[str, float]
    delivery_ms: dict[str, float]
    first_delivery_ms: dict[str, float]
    post_ms: dict[str, float]
    after_post_answer_ms: dict[str, float]
    fan_out_ms: dict[str, float]
    post_statuses: dict[str, int]
    deliveries_expected: int
    deliveries_lost: int
    messages_incomplete: int
    stored_messages: int
    other_frames: dict[str, int]
    sockets_closed: dict[str, int]
    cpu_percent: dict[str, float]
    server_cores: list[float]
    machine_cpu: dict[str, float]
    send_window_s: float
    meets_goal: bool


def _spread(values_ns: list[int]) -> dict[str, float]:
    ordered = sorted(values_ns)
    if not ordered:
        return {}

    def at(percent: float) -> float:
        index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
        return round(ordered[index] / 1e6, 1)

    return {
        "count": len(ordered),
        "p50": at(50),
        "p90": at(90),
        "p99": at(99),
        "max": round(ordered[-1] / 1e6, 1),
        "mean": round(sum(ordered) / len(ordered) / 1e6, 1),
    }


class RoomRun:
    """The sockets, the sender and the observers of one configuration."""

    def __init__(self, server: Server, args: argparse.Namespace, room_id: int) -> None:
        self.server, self.args, self.room_id = server, args, room_id
        self.count: int = args.rooms_messages
        self.warmup: int = args.rooms_warmup_messages
        self.sent_ns = [0] * self.count
        self.post_ns: list[int] = []
        self.post_statuses: Counter[str] = Counter()

    async def connect_all(self, tokens: list[str]) -> tuple[list[ClientConnection], float]:
        gate = asyncio.Semaphore(self.args.rooms_connect_concurrency)
        base = f"ws://{HOST}:{self.server.port}/ws/thematiques/{self.room_id}?token="
        began = time.perf_counter()
        opened = await asyncio.gather(
            *(_open(base + token, gate, 60.0) for token in tokens), return_exceptions=True
        )
        sockets = [s for s in opened if isinstance(s, ClientConnection)]
        failures = Counter(type(s).__name__ for s in opened if isinstance(s, BaseException))
        if failures:
            log(f"warning: {sum(failures.values())} sockets failed to open: {dict(failures)}")
        return sockets, time.perf_counter() - began

    async def _post(self, client: httpx.AsyncClient, text: str) -> int:
        began = time.perf_counter_ns()
        try:
            answer = await client.post(
                f"/api/thematiques/{self.room_id}/messages", json={"contenu": text}
            )
            self.post_statuses[str(answer.status_code)] += 1
        except httpx.HTTPError as exc:
            self.post_statuses[type(exc).__name__] += 1
        return time.perf_counter_ns() - began

    async def send_all(self, token: str) -> float:
        """Warm-up messages, then the measured ones on schedule; the send window's seconds."""
        headers = {"Authorization": f"Bearer {token}"}
        interval = self.args.rooms_interval_ms / 1000
        async with httpx.AsyncClient(
            base_url=self.server.base_url, headers=headers, timeout=common.REQUEST_TIMEOUT_S
        ) as client:
            for index in range(self.warmup):
                await self._post(client, f"warm-up {index}")
                await asyncio.sleep(interval)
            self.post_statuses.clear()
            began = time.perf_counter()
            tasks = []
            for seq in range(self.count):
                delay = began + seq * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.sent_ns[seq] = time.perf_counter_ns()
                text = f"BENCH#{seq + self.warmup}# message {seq} du banc d'essai"
                tasks.append(asyncio.create_task(self._post(client, text)))
            self.post_ns = list(await asyncio.gather(*tasks))
            return time.perf_counter() - began

    async def drain(self, listeners: list[Listener]) -> None:
        deadline = time.perf_counter() + self.args.rooms_drain
        while time.perf_counter() < deadline:
            if all(all(listener.received_ns) for listener in listeners):
                return
            await asyncio.sleep(0.1)


async def _measure(
    server: Server, args: argparse.Namespace, setup: dict[str, Any]
) -> dict[str, Any]:
    run = RoomRun(server, args, setup["room_id"])
    sockets, connect_s = await run.connect_all(setup["tokens"])
    log(f"{len(sockets)}/{len(setup['tokens'])} sockets open in {connect_s:.1f} s")
    if not sockets:
        raise BenchError("no socket could open")
    handshake = sockets[0].response
    extensions = (
        handshake.headers.get("Sec-WebSocket-Extensions", "") if handshake else ""
    ) or "none"
    per_worker = connections_per_process(server)
    listeners = [Listener(i, [0] * run.count) for i in range(len(sockets))]
    readers = [
        asyncio.create_task(_read(socket, listener, run.warmup))
        for socket, listener in zip(sockets, listeners, strict=True)
    ]
    meter = CpuMeter(server)
    before, machine_before = meter.sample(), MachineCpu.sample()
    own_before, began = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    try:
        window = await run.send_all(setup["sender_token"])
        await run.drain(listeners)
    finally:
        elapsed = time.perf_counter() - began
        after, machine_after = meter.sample(), MachineCpu.sample()
        own_after = resource.getrusage(resource.RUSAGE_SELF)
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    cpu = CpuMeter.percent(before, after, elapsed)
    own = (own_after.ru_utime + own_after.ru_stime) - (own_before.ru_utime + own_before.ru_stime)
    cpu["bench (listeners + sender)"] = round(100 * own / elapsed / (os.cpu_count() or 1), 1)
    return {
        "run": run,
        "listeners": listeners,
        "connect_s": connect_s,
        "per_worker": per_worker,
        "deflate": extensions,
        "cpu": cpu,
        "server_cores": CpuMeter.server_processes(before, after, elapsed),
        "machine": MachineCpu.shares(machine_before, machine_after),
        "window": window,
    }


def _summarise(
    name: str, args: argparse.Namespace, measured: dict[str, Any], stored: int
) -> ConfigResult:
    run: RoomRun = measured["run"]
    listeners: list[Listener] = measured["listeners"]
    last, first, deliveries = [], [], []
    after_answer: list[int] = []
    fan_out: list[int] = []
    incomplete = lost = 0
    for seq, sent in enumerate(run.sent_ns):
        arrived = [
            listener.received_ns[seq] - sent for listener in listeners if listener.received_ns[seq]
        ]
        deliveries += arrived
        lost += len(listeners) - len(arrived)
        if arrived and len(arrived) == len(listeners):
            last.append(max(arrived))
            after_answer.append(max(arrived) - run.post_ns[seq])
            fan_out.append(max(arrived) - min(arrived))
        else:
            incomplete += 1
        if arrived:
            first.append(min(arrived))
    others: Counter[str] = Counter()
    for listener in listeners:
        others.update({k: v for k, v in listener.frames.items() if k != "message"})
    all_delivered = _spread(last)
    workers, redis = CONFIGS[name]
    return ConfigResult(
        name=name,
        workers=workers,
        redis=redis,
        clients=args.rooms_clients,
        connected=len(listeners),
        connect_s=round(measured["connect_s"], 1),
        sockets_per_worker=measured["per_worker"],
        messages=run.count,
        interval_ms=args.rooms_interval_ms,
        deflate=measured["deflate"],
        all_delivered_ms=all_delivered,
        delivery_ms=_spread(deliveries),
        first_delivery_ms=_spread(first),
        post_ms=_spread(run.post_ns),
        after_post_answer_ms=_spread(after_answer),
        fan_out_ms=_spread(fan_out),
        post_statuses=dict(run.post_statuses),
        deliveries_expected=run.count * len(listeners),
        deliveries_lost=lost,
        messages_incomplete=incomplete,
        stored_messages=stored,
        other_frames=dict(others),
        sockets_closed=dict(Counter(x.closed for x in listeners if x.closed)),
        cpu_percent=measured["cpu"],
        server_cores=measured["server_cores"],
        machine_cpu=measured["machine"],
        send_window_s=round(measured["window"], 1),
        meets_goal=len(listeners) == args.rooms_clients
        and incomplete == 0
        and all_delivered.get("p99", 1e9) < GOAL_P99_MS,
    )


async def _setup(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    url = server.app_database_url()
    if url is None:
        raise BenchError("cannot locate the application database")
    sender = (await seed_users(server, 1, concurrency=1))[0]
    sender_id = await user_id_of(url, sender.identifier)
    room_id = await create_room(url, f"Banc d'essai {dt.datetime.now(dt.UTC):%H%M%S}", sender_id)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        joined = await client.post(
            f"/api/thematiques/{room_id}/membres",
            headers={"Authorization": f"Bearer {sender.token}"},
        )
    if joined.status_code not in (200, 201):
        raise BenchError(f"the sender could not join: {joined.status_code} {joined.text[:300]}")
    began = time.perf_counter()
    ids = await seed_listeners(url, room_id, args.rooms_clients)
    tokens = await mint_tokens(url, ids, server.jwt_secret)
    log(
        f"room {room_id}: {len(ids)} listeners written and signed "
        f"in {time.perf_counter() - began:.1f} s"
    )
    return {"room_id": room_id, "sender_token": sender.token, "tokens": tokens, "url": url}


def run_config(name: str, args: argparse.Namespace, facts: dict[str, Any]) -> ConfigResult:
    workers, redis = CONFIGS[name]
    config_args = argparse.Namespace(**{**vars(args), "workers": workers})
    extra = {"DISCUSSION_MESSAGES_PER_MINUTE": str(args.rooms_sender_per_minute)}
    if redis:
        extra["REDIS_URL"] = args.rooms_redis_url
    elif os.environ.get("REDIS_URL"):
        raise BenchError(f"{name} runs without Redis: unset REDIS_URL first")
    server = Server(config_args, extra)
    config_facts: dict[str, Any] = {"configuration": name}  # non-empty: log recorded
    try:
        server.start()
        setup = asyncio.run(_setup(server, args))
        if not facts:
            facts.update(common.machine_facts(server, config_args, "python websockets + httpx"))
        log(f"{name}: {args.rooms_clients} sockets, {args.rooms_messages} messages")
        measured = asyncio.run(_measure(server, args, setup))
        stored = asyncio.run(stored_messages(setup["url"], setup["room_id"]))
        result = _summarise(name, args, measured, stored)
    finally:
        stop_server(server, config_facts)
    facts.setdefault("server_log_problems", {})[name] = config_facts.get("server_log_problems", [])
    return result


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def _ms(figures: dict[str, float]) -> str:
    if not figures:
        return "-"
    return f"{figures['p50']:.0f} / {figures['p99']:.0f} / {figures['max']:.0f}"


def _busy(machine: dict[str, float]) -> str:
    if not machine:
        return "-"
    return f"{100 - machine.get('idle', 0) - machine.get('iowait', 0):.0f} %"


def results_table(results: list[ConfigResult]) -> str:
    header = (
        "| configuration | sockets open (per worker) | messages | every open socket had it: "
        "p50 / p99 / max ms | goal p99 | met | each delivery: p50 / p99 / max ms "
        "| first listener: p50 / p99 / max ms | POST: p50 / p99 / max ms "
        "| POST answer → last listener: p50 / p99 / max ms "
        "| first → last listener: p50 / p99 / max ms "
        "| lost deliveries | CPU server / PG / bench | server cores per worker "
        "| machine busy |\n"
        "|---|---:|---:|---:|---:|:-:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for r in results:
        cpu = r.cpu_percent
        spread = " + ".join(str(n) for n in r.sockets_per_worker) or "?"
        rows.append(
            f"| {r.name} ({r.workers} worker{'s' if r.workers > 1 else ''}, "
            f"{'Redis' if r.redis else 'in-process'}) | {r.connected}/{r.clients} ({spread}) "
            f"| {r.messages} every {r.interval_ms:g} ms | {_ms(r.all_delivered_ms)} "
            f"| < {GOAL_P99_MS:g} ms | {'yes' if r.meets_goal else 'NO'} "
            f"| {_ms(r.delivery_ms)} | {_ms(r.first_delivery_ms)} | {_ms(r.post_ms)} "
            f"| {_ms(r.after_post_answer_ms)} | {_ms(r.fan_out_ms)} "
            f"| {r.deliveries_lost:,} of {r.deliveries_expected:,} "
            f"({r.messages_incomplete} messages incomplete) "
            f"| {cpu.get('server', 0):.0f} % / {cpu.get('postgres', 0):.0f} % / "
            f"{cpu.get('bench (listeners + sender)', 0):.0f} % "
            f"| {', '.join(f'{c:.2f}' for c in r.server_cores)} | {_busy(r.machine_cpu)} |"
        )
    return header + "\n".join(rows) + "\n"


def facts_text(facts: dict[str, Any], results: list[ConfigResult], args: Any) -> str:
    lines = [
        f"- date (UTC): {facts['date']}; revision {facts['hostolink_revision']}",
        f"- machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory']}, "
        f"Linux {facts['kernel']}; Python {facts['python']}; load average before the run "
        f"{' / '.join(str(v) for v in facts['load_average_before'])}",
        f"- PostgreSQL: {facts['postgresql']} ({facts['database']}); Redis "
        f"{args.rooms_redis_url} for the redis-N configurations",
        "- server: `hostolink serve`, rate limits off, LOG_LEVEL=WARNING, "
        f"DISCUSSION_MESSAGES_PER_MINUTE={args.rooms_sender_per_minute} (one sender)",
        f"- listeners: {args.rooms_clients} sockets from this one Python process (websockets "
        f"{_websockets_version()}, asyncio), permessage-deflate: "
        + ", ".join(sorted({r.deflate for r in results}))
        + f"; {args.rooms_warmup_messages} unmeasured warm-up messages first",
        "- every open socket had it: per message, from just before its POST to the moment "
        "the last listener's task read it (the goal's figure; over the sockets that opened, "
        "the goal counts as met only if all of them did); each delivery: every (message, "
        "listener) pair; first listener: the fastest pair per message; POST: the sender's "
        "request alone (insert + commit; the publication runs after the answer); POST "
        "answer → last listener: publication + fan-out + the listeners' reading; first → "
        "last listener: the fan-out's spread over the sockets",
        "- CPU: share of the whole machine (100 % = all cores) during the send window and "
        "drain: the server's processes, PostgreSQL (the app database's backends) and this "
        "bench process (listeners + sender), which shares the cores with the server",
    ]
    for r in results:
        extra = []
        if r.other_frames:
            extra.append(f"other frames {r.other_frames}")
        if r.sockets_closed:
            extra.append(f"sockets ended early {r.sockets_closed}")
        lines.append(
            f"- {r.name}: sockets opened in {r.connect_s:g} s; {r.stored_messages} messages "
            f"stored in the room (warm-up included); POST statuses {r.post_statuses}; send "
            f"window {r.send_window_s:g} s; machine CPU {r.machine_cpu}"
            + (f"; {'; '.join(extra)}" if extra else "")
        )
    for name, problems in facts.get("server_log_problems", {}).items():
        for line in _telling(problems)[:4]:
            lines.append(f"- server log ({name}): {line}")
    return "\n".join(lines) + "\n"


def _telling(problems: list[str]) -> list[str]:
    """The log lines that say what happened (errors, warnings), not traceback frames."""
    marks = ("ERROR", "WARNING", "Error:", "Exception:")
    return [line for line in problems if any(mark in line for mark in marks)] or problems


def _websockets_version() -> str:
    return metadata.version("websockets")


def final_line(results: list[ConfigResult]) -> str:
    return " ".join(
        f"{r.name}_all_p99_ms={r.all_delivered_ms.get('p99', 0):.0f} "
        f"{r.name}_lost={r.deliveries_lost} "
        f"{r.name}_sockets={r.connected}/{r.clients}"
        for r in results
    )


def markdown_report(facts: dict[str, Any], results: list[ConfigResult], args: Any) -> str:
    return (
        results_table(results)
        + "\n"
        + facts_text(facts, results, args)
        + f"\n`{final_line(results)}`\n"
    )


def write_results(
    directory: Path, facts: dict[str, Any], results: list[ConfigResult], args: Any
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.datetime.now(dt.UTC).date().isoformat()}-{GROUP}"
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    document = {
        "facts": facts,
        "configurations": [asdict(result) for result in results],
        "final_line": final_line(results),
    }
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(
        f"# Rooms (WebSocket) benchmark, {facts['date']}\n\n"
        + markdown_report(facts, results, args)
    )
    return json_path, md_path


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The rooms group's own options (the shared ones are `bench.common`'s; `--workers` is
    set by each configuration)."""
    group = parser.add_argument_group(GROUP)
    group.add_argument("--rooms-clients", type=int, default=1000, help="listeners (1000)")
    group.add_argument("--rooms-messages", type=int, default=200, help="measured messages (200)")
    group.add_argument(
        "--rooms-interval-ms", type=float, default=75.0, help="ms between two messages (75)"
    )
    group.add_argument(
        "--rooms-warmup-messages", type=int, default=10, help="unmeasured messages first (10)"
    )
    group.add_argument(
        "--rooms-configs",
        default="redis-2,local-1",
        help=f"comma-separated configurations, among: {', '.join(CONFIGS)}",
    )
    group.add_argument("--rooms-redis-url", default="redis://127.0.0.1:6379/0")
    group.add_argument(
        "--rooms-connect-concurrency", type=int, default=50, help="handshakes at a time (50)"
    )
    group.add_argument(
        "--rooms-sender-per-minute",
        type=int,
        default=100_000,
        help="DISCUSSION_MESSAGES_PER_MINUTE given to the server (100000)",
    )
    group.add_argument(
        "--rooms-drain", type=float, default=15.0, help="seconds to wait for stragglers (15)"
    )


def _validate(args: argparse.Namespace) -> list[str]:
    names = [name.strip() for name in args.rooms_configs.split(",") if name.strip()]
    unknown = [name for name in names if name not in CONFIGS]
    if unknown or not names:
        raise BenchError(f"unknown configuration(s) {unknown}; known: {', '.join(CONFIGS)}")
    if not 1 <= args.rooms_clients <= 5000:
        raise BenchError("--rooms-clients must be in [1, 5000]")
    if not 1 <= args.rooms_messages <= 10_000:
        raise BenchError("--rooms-messages must be in [1, 10000]")
    if not 1 <= args.rooms_interval_ms <= 10_000:
        raise BenchError("--rooms-interval-ms must be in [1, 10000]")
    if not 0 < args.rooms_drain <= 120:
        raise BenchError("--rooms-drain must be in (0, 120]")
    common.check_loopback_url(args.rooms_redis_url)
    return names


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < needed:
            log(f"warning: only {target} file descriptors allowed (want {needed})")


def run(args: argparse.Namespace) -> int:
    """Run the room configurations; 0 when they ran (the goal is reported, not enforced), 1
    on a failure to run."""
    facts: dict[str, Any] = {}
    results: list[ConfigResult] = []
    try:
        with terminate_as_interrupt():
            names = _validate(args)
            _raise_fd_limit(args.rooms_clients + 500)
            for name in names:
                with progress(f"rooms: {name}") as step:
                    results.append(run_config(name, args, facts))
                    r = results[-1]
                    log(
                        f"  {name}: all listeners p50 {r.all_delivered_ms.get('p50')} ms, p99 "
                        f"{r.all_delivered_ms.get('p99')} ms, lost {r.deliveries_lost}"
                    )
                    step.note = f"p99 {r.all_delivered_ms.get('p99')} ms, {r.connected} sockets"
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    if not results:
        return 1
    report = markdown_report(facts, results, args)
    print(report)
    if not args.no_write:
        json_path, md_path = write_results(args.results_dir, facts, results, args)
        log(f"written {json_path} and {md_path}")
        if update_readme(GROUP, report):
            log("bench/README.md results section updated")
    print(final_line(results), flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return common.run_alone("rooms", add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
