"""Help desk benchmark: an agent's answers reaching the person's socket at a fixed offered
rate, side by side in the same run with the same shape on the rooms (the floor).

What one run does (configuration `redis-2`: 2 workers, Redis fan-out, rate limits off; every
step bounded in time; traffic to 127.0.0.1 only):

1. starts `hostolink serve` (`bench.common.Server`), seeds one agent through the API
   (`common.seed_users`) and gives him the `agent` role with SQL; writes `--support-
   conversations` persons with SQL, each with one conversation followed by the agent
   (`en_cours`) and one room whose members are the person and the agent (support_data.py),
   and signs the persons' tokens with the server's JWT_SECRET (rooms_data.mint_tokens);
2. opens two sockets per person, the conversation's `/ws/assistance/conversations/{id}` and
   the room's `/ws/thematiques/{id}`, and waits for `bienvenue` on each;
3. sends a few unmeasured messages of each kind, then `--support-messages` of each kind in
   chunks of `--support-chunk`, alternating rooms / help desk / rooms / help desk (a noisy
   shared machine then weighs on both alike): in a chunk, the agent posts one message every
   `--support-interval-ms`, round-robin over the persons (open loop: each POST leaves on
   schedule), as `POST /api/thematiques/{id}/messages` (rooms) or `POST
   /api/admin/assistance/conversations/{id}/messages` with `interne: false` (help desk);
4. per message: the POST's latency, the time from just before the POST until the person's
   socket task reads the `message` frame, lost deliveries; per phase: CPU of the server,
   PostgreSQL and this process over the chunks' send + drain windows, and PostgreSQL's work
   per message from its cumulative counters (read after each chunk, once the backends have
   published them).

The help desk's answer does more than a room message: it locks the conversation, inserts the
message, updates the conversation (status, read marker, first answer), writes an in-app
notification (and a push job when the person has a device), then, after the answer,
re-reads the message and both views of the conversation and publishes three frames
(`message` and `conversation` on the conversation's channel, `file` on the agents' queue).
The agents' answers are not rate limited (`within_limit` guards the person's side only).
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection

from bench import common
from bench.common import (
    HOST,
    BenchError,
    CpuMeter,
    MachineCpu,
    Server,
    log,
    progress,
    seed_users,
    stop_server,
    terminate_as_interrupt,
    update_readme,
)
from bench.rooms import _open, _raise_fd_limit, _spread, _telling
from bench.rooms_data import mint_tokens, user_id_of
from bench.support_data import Desk, seed_desk, stored_counts

GROUP = "support"
CONFIG = "redis-2"
WORKERS = 2
ROOMS, DESK = "rooms", "help desk"
SEQ_RE = re.compile(r"BENCH#(\d+)#")
SETTLE_S = 1.5  # PostgreSQL backends publish their counters about once a second
UNITS = {ROOMS: ("table message", "n_tup_ins"), DESK: ("table message_assistance", "n_tup_ins")}


# --------------------------------------------------------------------------------------------
# One phase's observations
# --------------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    count: int
    sent_ns: list[int] = field(default_factory=list)
    received_ns: list[int] = field(default_factory=list)
    post_ns: list[int] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    other_frames: Counter[str] = field(default_factory=Counter)
    closed: Counter[str] = field(default_factory=Counter)
    cpu_s: dict[str, float] = field(default_factory=dict)
    window_s: float = 0.0
    pg: dict[str, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sent_ns = [0] * self.count
        self.received_ns = [0] * self.count
        self.post_ns = [0] * self.count

    def add_pg(self, before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> None:
        for name, values in after.items():
            then = before.get(name, {})
            mine = self.pg.setdefault(name, {})
            for key, value in values.items():
                mine[key] = mine.get(key, 0) + value - then.get(key, 0)


async def _read(socket: ClientConnection, phase: Phase) -> None:
    """Time each `message` frame carrying a measured number as soon as this task reads it."""
    try:
        async for raw in socket:
            now = time.perf_counter_ns()
            frame = json.loads(raw)
            kind = str(frame.get("type", "?"))
            data = frame.get("data")
            text = data.get("contenu") if kind == "message" and isinstance(data, dict) else None
            found = SEQ_RE.search(text) if isinstance(text, str) else None
            if found is None:
                phase.other_frames[kind] += 1
                continue
            seq = int(found.group(1))
            if 0 <= seq < phase.count and not phase.received_ns[seq]:
                phase.received_ns[seq] = now
    except Exception as exc:  # recorded: a socket the server closed
        phase.closed[type(exc).__name__] += 1


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


class DeskRun:
    def __init__(self, server: Server, args: argparse.Namespace, desk: Desk, token: str) -> None:
        self.server, self.args, self.desk = server, args, desk
        self.headers = {"Authorization": f"Bearer {token}"}
        self.interval = args.support_interval_ms / 1000
        self.phases = {name: Phase(name, args.support_messages) for name in (ROOMS, DESK)}
        self.meter = CpuMeter(server)
        self.readers: list[asyncio.Task[None]] = []

    def target(self, phase: str, seq: int) -> tuple[str, dict[str, Any]]:
        index = seq % len(self.desk.persons)
        text = f"BENCH#{seq}# réponse {seq} du banc d'essai"
        if phase == ROOMS:
            return f"/api/thematiques/{self.desk.rooms[index]}/messages", {"contenu": text}
        path = f"/api/admin/assistance/conversations/{self.desk.conversations[index]}/messages"
        return path, {"contenu": text, "interne": False}

    async def connect(self, tokens: list[str]) -> tuple[list[ClientConnection], float]:
        gate = asyncio.Semaphore(self.args.support_connect_concurrency)
        base = f"ws://{HOST}:{self.server.port}"
        urls = []
        for token, conversation, room in zip(
            tokens, self.desk.conversations, self.desk.rooms, strict=True
        ):
            urls.append((DESK, f"{base}/ws/assistance/conversations/{conversation}?token={token}"))
            urls.append((ROOMS, f"{base}/ws/thematiques/{room}?token={token}"))
        began = time.perf_counter()
        opened = await asyncio.gather(
            *(_open(url, gate, 60.0) for _, url in urls), return_exceptions=True
        )
        failures = Counter(type(s).__name__ for s in opened if isinstance(s, BaseException))
        if failures:
            log(f"warning: {sum(failures.values())} sockets failed to open: {dict(failures)}")
        self.readers = [
            asyncio.create_task(_read(socket, self.phases[kind]))
            for (kind, _), socket in zip(urls, opened, strict=True)
            if isinstance(socket, ClientConnection)
        ]
        sockets = [s for s in opened if isinstance(s, ClientConnection)]
        return sockets, time.perf_counter() - began

    async def post(
        self, client: httpx.AsyncClient, phase: Phase | None, seq: int, kind: str
    ) -> None:
        path, body = self.target(kind, seq)
        began = time.perf_counter_ns()
        try:
            answer = await client.post(path, json=body)
            status = str(answer.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        if phase is not None:
            phase.post_ns[seq] = time.perf_counter_ns() - began
            phase.statuses[status] += 1

    async def warm_up(self, client: httpx.AsyncClient) -> None:
        for kind in (ROOMS, DESK):
            for index in range(self.args.support_warmup_messages):
                path, body = self.target(kind, index)
                body["contenu"] = f"échauffement {index}"
                await client.post(path, json=body)
                await asyncio.sleep(self.interval)

    async def chunk(self, client: httpx.AsyncClient, phase: Phase, seqs: range) -> None:
        """One chunk on schedule, then its stragglers (at most `--support-drain` s)."""
        before = self.meter.sample()
        own_before, began = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        tasks = []
        for n, seq in enumerate(seqs):
            delay = began + n * self.interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            phase.sent_ns[seq] = time.perf_counter_ns()
            tasks.append(asyncio.create_task(self.post(client, phase, seq, phase.name)))
        await asyncio.gather(*tasks)
        deadline = time.perf_counter() + self.args.support_drain
        while time.perf_counter() < deadline:
            if all(phase.received_ns[seq] for seq in seqs):
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - began
        after, own_after = self.meter.sample(), resource.getrusage(resource.RUSAGE_SELF)
        cores = os.cpu_count() or 1
        for group, share in CpuMeter.percent(before, after, elapsed).items():
            phase.cpu_s[group] = phase.cpu_s.get(group, 0.0) + share / 100 * elapsed * cores
        phase.cpu_s["bench"] = (
            phase.cpu_s.get("bench", 0.0)
            + (own_after.ru_utime + own_after.ru_stime)
            - (own_before.ru_utime + own_before.ru_stime)
        )
        phase.window_s += elapsed

    async def measure(self) -> dict[str, Any]:
        size = self.args.support_chunk
        machine_before = MachineCpu.sample()
        async with httpx.AsyncClient(
            base_url=self.server.base_url,
            headers=self.headers,
            timeout=common.REQUEST_TIMEOUT_S,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
        ) as client:
            await self.warm_up(client)
            await asyncio.sleep(SETTLE_S)
            counters = await common.pg_counters(self.server)
            for start in range(0, self.args.support_messages, size):
                seqs = range(start, min(start + size, self.args.support_messages))
                for name in (ROOMS, DESK):
                    await self.chunk(client, self.phases[name], seqs)
                    await asyncio.sleep(SETTLE_S)
                    now = await common.pg_counters(self.server)
                    self.phases[name].add_pg(counters, now)
                    counters = now
        return {"machine": MachineCpu.shares(machine_before, MachineCpu.sample())}


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


PG_SHOWN = (
    ("commits", "database", "xact_commit"),
    ("rows fetched", "database", "tup_fetched"),
    ("buffer hits", "database", "blks_hit"),
    ("WAL records", "wal", "wal_records"),
    ("WAL bytes", "wal", "wal_bytes"),
)


def _pg_summary(work: dict[str, dict[str, float]]) -> dict[str, float]:
    shown = {label: work.get(group, {}).get(key, 0.0) for label, group, key in PG_SHOWN}
    tables = [values for name, values in work.items() if name.startswith("table ")]
    for label, key in (
        ("rows inserted", "n_tup_ins"),
        ("rows updated", "n_tup_upd"),
        ("index scans", "idx_scan"),
        ("sequential scans", "seq_scan"),
    ):
        shown[label] = round(sum(values.get(key, 0.0) for values in tables), 2)
    shown["tables written"] = sum(
        1 for values in tables if values.get("n_tup_ins", 0) or values.get("n_tup_upd", 0)
    )
    return shown


def summarise(phase: Phase) -> dict[str, Any]:
    delivered = [r - s for r, s in zip(phase.received_ns, phase.sent_ns, strict=True) if r]
    after_answer = [
        r - s - p
        for r, s, p in zip(phase.received_ns, phase.sent_ns, phase.post_ns, strict=True)
        if r
    ]
    window = phase.window_s or 1.0
    cores = os.cpu_count() or 1
    work = common.pg_work_per({}, phase.pg, UNITS[phase.name])
    return {
        "name": phase.name,
        "messages": phase.count,
        "post_ms": _spread(phase.post_ns),
        "delivery_ms": _spread(delivered),
        "after_post_answer_ms": _spread(after_answer),
        "deliveries_lost": sum(1 for r in phase.received_ns if not r),
        "post_statuses": dict(phase.statuses),
        "other_frames": dict(phase.other_frames),
        "sockets_closed": dict(phase.closed),
        "window_s": round(phase.window_s, 1),
        "cpu_percent": {k: round(100 * v / window / cores, 1) for k, v in phase.cpu_s.items()},
        "cpu_ms_per_message": {k: round(1000 * v / phase.count, 2) for k, v in phase.cpu_s.items()},
        "pg_unit_rows": phase.pg.get(UNITS[phase.name][0], {}).get(UNITS[phase.name][1], 0),
        "pg_per_message": _pg_summary(work),
        "pg_work_per_message": work,
    }


def _ratio(a: dict[str, float], b: dict[str, float], key: str) -> str:
    if not a.get(key) or not b.get(key):
        return "-"
    return f"{b[key] / a[key]:.2f}"


def _four(figures: dict[str, float]) -> str:
    if not figures:
        return "-"
    return " / ".join(f"{figures[k]:.0f}" for k in ("p50", "p90", "p99", "max"))


def results_table(rooms: dict[str, Any], desk: dict[str, Any]) -> str:
    lines = [
        "| figure | rooms (floor) | help desk | help desk ÷ rooms |",
        "|---|---:|---:|---:|",
    ]
    for label, key in (
        ("POST p50 / p90 / p99 / max ms", "post_ms"),
        ("POST → person's socket p50 / p90 / p99 / max ms", "delivery_ms"),
        ("POST answer → person's socket p50 / p90 / p99 / max ms", "after_post_answer_ms"),
    ):
        a, b = rooms[key], desk[key]
        ratio = f"p50 {_ratio(a, b, 'p50')}, p99 {_ratio(a, b, 'p99')}"
        lines.append(f"| {label} | {_four(rooms[key])} | {_four(desk[key])} | {ratio} |")
    lines.append(
        f"| lost deliveries | {rooms['deliveries_lost']} of {rooms['messages']} "
        f"| {desk['deliveries_lost']} of {desk['messages']} | |"
    )
    lines.append(f"| POST statuses | {rooms['post_statuses']} | {desk['post_statuses']} | |")
    for label, group in (("server", "server"), ("PostgreSQL", "postgres"), ("bench", "bench")):
        a = rooms["cpu_ms_per_message"].get(group, 0.0)
        b = desk["cpu_ms_per_message"].get(group, 0.0)
        lines.append(
            f"| CPU {label}: % of machine, ms per message "
            f"| {rooms['cpu_percent'].get(group, 0):.0f} %, {a:.1f} ms "
            f"| {desk['cpu_percent'].get(group, 0):.0f} %, {b:.1f} ms "
            f"| {f'{b / a:.2f}' if a else '-'} |"
        )
    labels = list(dict.fromkeys([*rooms["pg_per_message"], *desk["pg_per_message"]]))
    for label in labels:
        a = rooms["pg_per_message"].get(label, 0.0)
        b = desk["pg_per_message"].get(label, 0.0)
        lines.append(
            f"| PostgreSQL {label} per message | {a:g} | {b:g} | {f'{b / a:.2f}' if a else '-'} |"
        )
    return "\n".join(lines) + "\n"


def facts_text(facts: dict[str, Any], rooms: dict[str, Any], desk: dict[str, Any]) -> str:
    args = facts["settings"]
    lines = [
        f"- date (UTC): {facts['date']}; revision {facts['hostolink_revision']}",
        f"- machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory']}; Python "
        f"{facts['python']}; load average before the run "
        f"{' / '.join(str(v) for v in facts['load_average_before'])}; machine CPU during the "
        f"measure {facts['machine_cpu']}",
        f"- PostgreSQL: {facts['postgresql']} ({facts['database']}); Redis {args['redis_url']}",
        f"- server: `hostolink serve`, {CONFIG} ({WORKERS} workers, Redis fan-out), rate limits "
        "off, LOG_LEVEL=WARNING, DISCUSSION_MESSAGES_PER_MINUTE=100000 (one sender); the "
        "agents' answers have no limit of their own",
        f"- {args['conversations']} persons, each with 2 sockets (conversation + room; "
        f"{facts['sockets_open']} of {2 * args['conversations']} open in "
        f"{facts['connect_s']:g} s); one agent; {args['messages']} messages per phase, one "
        f"every {args['interval_ms']:g} ms ({1000 / args['interval_ms']:g}/s offered), "
        f"round-robin over the persons, in chunks of {args['chunk']} alternating rooms / help "
        f"desk; {args['warmup']} unmeasured warm-up messages of each kind first",
        "- POST: the agent's request alone; POST → person's socket: from just before the POST "
        "to the moment the person's socket task read the `message` frame (one clock); POST "
        "answer → person's socket: the same minus the POST (the publication runs after the "
        "answer); CPU: the chunks' send + drain windows, as a share of the machine (100 % = "
        "all cores) and as CPU ms per message; PostgreSQL per message: its cumulative "
        "counters' growth divided by the rows inserted into the phase's message table, read "
        f"{SETTLE_S:g} s after each chunk",
        f"- left in the database: {facts['stored']}",
    ]
    for phase in (rooms, desk):
        extra = [f"send + drain windows {phase['window_s']:g} s"]
        if phase["other_frames"]:
            extra.append(f"other frames {phase['other_frames']}")
        if phase["sockets_closed"]:
            extra.append(f"sockets ended early {phase['sockets_closed']}")
        lines.append(f"- {phase['name']}: " + "; ".join(extra))
    for line in _telling(facts.get("server_log_problems", []))[:6]:
        lines.append(f"- server log: {line}")
    return "\n".join(lines) + "\n"


def final_line(rooms: dict[str, Any], desk: dict[str, Any]) -> str:
    return (
        f"rooms_delivery_p99_ms={rooms['delivery_ms'].get('p99', 0):.0f} "
        f"desk_delivery_p99_ms={desk['delivery_ms'].get('p99', 0):.0f} "
        f"delivery_p50_ratio={_ratio(rooms['delivery_ms'], desk['delivery_ms'], 'p50')} "
        f"post_p50_ratio={_ratio(rooms['post_ms'], desk['post_ms'], 'p50')} "
        f"lost={rooms['deliveries_lost']}+{desk['deliveries_lost']}"
    )


def markdown_report(facts: dict[str, Any], rooms: dict[str, Any], desk: dict[str, Any]) -> str:
    return (
        results_table(rooms, desk)
        + "\n"
        + facts_text(facts, rooms, desk)
        + f"\n`{final_line(rooms, desk)}`\n"
    )


def write_results(
    directory: Path, facts: dict[str, Any], rooms: dict[str, Any], desk: dict[str, Any]
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.datetime.now(dt.UTC).date().isoformat()}-{GROUP}"
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    document = {"facts": facts, "phases": [rooms, desk], "final_line": final_line(rooms, desk)}
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(
        f"# Help desk live delivery against the rooms, {facts['date']}\n\n"
        + markdown_report(facts, rooms, desk)
    )
    return json_path, md_path


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


async def _setup(server: Server, args: argparse.Namespace) -> tuple[Desk, str, list[str]]:
    url = server.app_database_url()
    if url is None:
        raise BenchError("cannot locate the application database")
    agent = (await seed_users(server, 1, concurrency=1))[0]
    agent_id = await user_id_of(url, agent.identifier)
    began = time.perf_counter()
    desk = await seed_desk(url, agent_id, args.support_conversations)
    tokens = await mint_tokens(url, desk.persons, server.jwt_secret)
    log(
        f"agent {agent_id}: {len(desk.persons)} persons, conversations and rooms written and "
        f"signed in {time.perf_counter() - began:.1f} s"
    )
    return desk, agent.token, tokens


async def _measure(server: Server, args: argparse.Namespace, facts: dict[str, Any]) -> DeskRun:
    desk, token, tokens = await _setup(server, args)
    run = DeskRun(server, args, desk, token)
    sockets, connect_s = await run.connect(tokens)
    facts.update(sockets_open=len(sockets), connect_s=round(connect_s, 1))
    log(f"{len(sockets)}/{2 * len(tokens)} sockets open in {connect_s:.1f} s")
    if not sockets:
        raise BenchError("no socket could open")
    try:
        facts.update(machine_cpu=(await run.measure())["machine"])
    finally:
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
        for task in run.readers:
            task.cancel()
        await asyncio.gather(*run.readers, return_exceptions=True)
    facts["stored"] = await stored_counts(server.app_database_url() or "", desk)
    return run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(GROUP)
    group.add_argument(
        "--support-conversations", type=int, default=200, help="persons / conversations (200)"
    )
    group.add_argument(
        "--support-messages", type=int, default=300, help="measured messages per phase (300)"
    )
    group.add_argument(
        "--support-interval-ms", type=float, default=50.0, help="ms between two messages (50)"
    )
    group.add_argument(
        "--support-chunk", type=int, default=100, help="messages per alternating chunk (100)"
    )
    group.add_argument(
        "--support-warmup-messages", type=int, default=10, help="unmeasured, of each kind (10)"
    )
    group.add_argument("--support-redis-url", default="redis://127.0.0.1:6379/0")
    group.add_argument(
        "--support-connect-concurrency", type=int, default=10, help="handshakes at a time (10)"
    )
    group.add_argument(
        "--support-drain", type=float, default=10.0, help="seconds for a chunk's stragglers (10)"
    )


def _validate(args: argparse.Namespace) -> None:
    if not 1 <= args.support_conversations <= 2000:
        raise BenchError("--support-conversations must be in [1, 2000]")
    if not 1 <= args.support_messages <= 10_000:
        raise BenchError("--support-messages must be in [1, 10000]")
    if not 1 <= args.support_interval_ms <= 10_000:
        raise BenchError("--support-interval-ms must be in [1, 10000]")
    if not 1 <= args.support_chunk <= args.support_messages:
        raise BenchError("--support-chunk must be in [1, --support-messages]")
    if not 0 < args.support_drain <= 120:
        raise BenchError("--support-drain must be in (0, 120]")
    common.check_loopback_url(args.support_redis_url)


def _run_once(args: argparse.Namespace, facts: dict[str, Any]) -> DeskRun:
    config_args = argparse.Namespace(**{**vars(args), "workers": WORKERS})
    extra = {"DISCUSSION_MESSAGES_PER_MINUTE": "100000", "REDIS_URL": args.support_redis_url}
    server = Server(config_args, extra)
    log_facts: dict[str, Any] = {"configuration": CONFIG}
    try:
        server.start()
        facts.update(common.machine_facts(server, config_args, "python websockets + httpx"))
        run = asyncio.run(_measure(server, args, facts))
    finally:
        stop_server(server, log_facts)
    facts["server_log_problems"] = log_facts.get("server_log_problems", [])
    return run


def run(args: argparse.Namespace) -> int:
    """0 when the run went through (figures are reported, nothing is enforced), 1 on a
    failure to run."""
    facts: dict[str, Any] = {}
    try:
        with terminate_as_interrupt():
            _validate(args)
            _raise_fd_limit(2 * args.support_conversations + 500)
            with progress(f"support: {CONFIG}") as step:
                desk_run = _run_once(args, facts)
                rooms, desk = (summarise(desk_run.phases[name]) for name in (ROOMS, DESK))
                step.note = (
                    f"delivery p99 {rooms['delivery_ms'].get('p99')} ms (rooms) vs "
                    f"{desk['delivery_ms'].get('p99')} ms (help desk)"
                )
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    facts["settings"] = {
        "conversations": args.support_conversations,
        "messages": args.support_messages,
        "interval_ms": args.support_interval_ms,
        "chunk": args.support_chunk,
        "warmup": args.support_warmup_messages,
        "redis_url": args.support_redis_url,
    }
    report = markdown_report(facts, rooms, desk)
    print(report)
    if not args.no_write:
        json_path, md_path = write_results(args.results_dir, facts, rooms, desk)
        log(f"written {json_path} and {md_path}")
        if update_readme(GROUP, report):
            log("bench/README.md results section updated")
    print(final_line(rooms, desk), flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return common.run_alone(GROUP, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
