"""Social feed benchmark: the feed's first page over a million posts, at 50 concurrent
clients, each request with a different seeded user's token.

What one run does (every step bounded in time; traffic goes to 127.0.0.1 only):

1. starts `hostolink serve` as the other groups do (`bench.common.Server`, rate limits off)
   and seeds `--users` verified users through the public API (`common.seed_users`);
2. writes `--posts` (1,000,000) posts with one `INSERT … SELECT generate_series`
   (`social_data.py`) spread over those users: French health-themed texts from word lists,
   30 % with a title, dates spread over the last year, counters of likes, comments and
   shares, 2 % deleted and 0.5 % hidden; each seeded user likes 5 % of the newest 20,000
   posts (`liker` rows, added to the counters); then `VACUUM (ANALYZE)`; the time is printed;
3. follows the feed's `curseur_suivant` through its first pages (one user) to collect the
   cursors of the « page N » scenario;
4. times the feed's own statement (its repository's `feed_page`, unchanged: the posts with
   their authors, `aime_par_moi` and their images in one statement) alone on one asyncpg
   connection, first page and page N, and keeps `EXPLAIN (ANALYZE, BUFFERS)` of each: where
   the time goes without HTTP and Python;
5. asks each scenario's first requests once (statuses, posts per answer), then runs each
   scenario for `--duration` seconds at `--connections` connections after a warm-up
   (`lua/social.lua` under wrk, or the asyncio client), with the CPU and `/health`
   observers of the other groups;
6. prints a table, writes `bench/results/<date>-social.json` and `.md`, rewrites the
   README's results section, and prints one final line of figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import common, openloop
from bench.common import (
    BENCH_DIR,
    HOST,
    BenchError,
    CpuMeter,
    LoadResult,
    MachineCpu,
    SeededUser,
    Server,
    choose_tool,
    connections_per_process,
    database_activity,
    health_probe,
    later,
    log,
    progress,
    py_spy_profile,
    python_load,
    seed_users,
    settle_database,
    stop_server,
    terminate_as_interrupt,
    top_frames,
    update_readme,
    validate,
    wrk_load,
)
from bench.floor.server import (
    FLOOR_NOTE,
    FloorMeasure,
    FloorServer,
    compare_answers,
    floor_ratio,
    floor_text,
    goal_text,
    measure_floor,
    start_floor,
)
from bench.social_data import LIKE_SHARE, LIKED_RECENT, author_ids, seed_posts

GROUP = "social"
LUA_SCRIPT = BENCH_DIR / "lua" / "social.lua"
FEED = "/api/publications"
PAGE = 20  # the API's default `limite`
CURSOR_PAGES = 50  # pages 2 to 51 for the « page N » scenario
PROBED_PER_SCENARIO = 100
SQL_CALLS = 500  # feed calls timed per variant, SQL alone
# The scenarios the floor (bench/floor/) does, measured beside ours (issue 23).
FLOOR_SCENARIOS = frozenset({"feed-first"})


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    goal_p99_ms: float | None
    note: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "feed-first",
        "feed, first page",
        30.0,
        f"GET {FEED} (limite {PAGE}), each seeded user's token in turn",
    ),
    Scenario(
        "feed-page-n",
        "feed, page N",
        None,
        f"GET {FEED}?curseur=… pages 2 to {CURSOR_PAGES + 1}, the users' tokens in turn",
    ),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)


# --------------------------------------------------------------------------------------------
# Requests: (token, path) pairs, the same for wrk and the asyncio client
# --------------------------------------------------------------------------------------------


def scenario_requests(
    scenario: Scenario, users: list[SeededUser], cursors: list[str]
) -> list[tuple[str, str]]:
    if scenario.name == "feed-first":
        return [(user.token, FEED) for user in users]
    paths = [f"{FEED}?curseur={cursor}" for cursor in cursors]
    count = max(len(users), len(paths))
    return [(users[i % len(users)].token, paths[i % len(paths)]) for i in range(count)]


class TokenSource:
    """The asyncio client's requests, the same as the Lua script's: the lines in turn."""

    def __init__(self, requests: list[tuple[str, str]]) -> None:
        self.requests = requests
        self.cursor = 0

    def raw(self, port: int) -> bytes:
        self.cursor = (self.cursor + 1) % len(self.requests)
        token, path = self.requests[self.cursor]
        return (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {token}\r\n\r\n"
        ).encode()


@dataclass
class Answers:
    """What a scenario's first requests answered, asked once before the load."""

    asked: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    mean_posts: float = 0.0
    liked_by_viewer: int = 0
    with_next_cursor: int = 0
    problems: list[str] = field(default_factory=list)


async def probe_answers(base_url: str, requests: list[tuple[str, str]]) -> Answers:
    asked = requests[:PROBED_PER_SCENARIO]
    statuses: Counter[str] = Counter()
    counts: list[int] = []
    answers = Answers(asked=len(asked))
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for token, path in asked:
            answer = await client.get(path, headers={"Authorization": f"Bearer {token}"})
            statuses[str(answer.status_code)] += 1
            if answer.status_code != 200:
                answers.problems.append(f"{path} → {answer.status_code} {answer.text[:200]}")
                continue
            data = answer.json()["data"]
            counts.append(len(data["publications"]))
            answers.liked_by_viewer += sum(bool(p["aime_par_moi"]) for p in data["publications"])
            answers.with_next_cursor += data["curseur_suivant"] is not None
    answers.statuses = dict(statuses)
    answers.mean_posts = round(sum(counts) / len(counts), 1) if counts else 0.0
    for problem in answers.problems[:3]:
        log(f"warning: {problem}")
    return answers


async def collect_cursors(base_url: str, token: str, pages: int) -> list[str]:
    """`curseur_suivant` of the first `pages` pages, followed from the first page."""
    cursors: list[str] = []
    following: str | None = None
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for _ in range(pages):
            params = {"curseur": following} if following else {}
            answer = await client.get(
                FEED, params=params, headers={"Authorization": f"Bearer {token}"}
            )
            if answer.status_code != 200:
                raise BenchError(f"feed page {len(cursors) + 1}: HTTP {answer.status_code}")
            following = answer.json()["data"]["curseur_suivant"]
            if following is None:
                break
            cursors.append(following)
    if not cursors:
        raise BenchError("the feed has no second page: were the posts written?")
    return cursors


# --------------------------------------------------------------------------------------------
# SQL alone: the feed's own statements, timed on one asyncpg connection
# --------------------------------------------------------------------------------------------


def _plan_shape(node: dict[str, Any], depth: int = 0) -> list[str]:
    """The plan's nodes, depth first: type, index or table, sub-plan, rows per loop."""
    what = node.get("Node Type", "?")
    if node.get("Index Name"):
        what += f" using {node['Index Name']}"
    elif node.get("Relation Name"):
        what += f" on {node['Relation Name']}"
    if node.get("Index Cond"):
        what += f" [{node['Index Cond']}]"
    if node.get("Subplan Name"):
        what += f" — {node['Subplan Name']}"
    loops = node.get("Actual Loops", 1)
    shape = [f"{'  ' * depth}{what} (rows {node.get('Actual Rows', '?')} × {loops} loops)"]
    for child in node.get("Plans", []):
        shape += _plan_shape(child, depth + 1)
    return shape


async def explain(connection: asyncpg.Connection, sql: str, args: list[Any]) -> dict[str, Any]:
    raw = await connection.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", *args)
    plan = json.loads(raw)[0]
    root = plan["Plan"]
    return {
        "planning_ms": plan.get("Planning Time"),
        "execution_ms": plan.get("Execution Time"),
        "shared_buffers_hit": root.get("Shared Hit Blocks"),
        "shared_buffers_read": root.get("Shared Read Blocks"),
        "shape": _plan_shape(root)[:14],
    }


def _spread(values_ns: list[int], statements: int) -> dict[str, float]:
    ordered = sorted(values_ns)

    def at(percent: float) -> float:
        index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
        return round(ordered[index] / 1e6, 3)

    return {
        "calls": len(ordered),
        "p50_ms": at(50),
        "p99_ms": at(99),
        "mean_ms": round(sum(ordered) / len(ordered) / 1e6, 3),
        "max_ms": round(ordered[-1] / 1e6, 3),
        "statements_per_call": statements,
    }


async def _time_feed(
    connection: asyncpg.Connection, viewers: list[int], cursors: list[Any]
) -> dict[str, Any]:
    """The feed's one statement (`repository.feed_page`: the posts with their author,
    « liked by me » and images; `limite` + 1 rows), as the route runs it on its driver
    connection, for each viewer in turn, after each cursor in turn (None: the first page)."""
    from hostolink.social import repository  # noqa: PLC0415

    spent: list[int] = []
    plan: dict[str, Any] = {}
    for index in range(SQL_CALLS):
        viewer, cursor = viewers[index % len(viewers)], cursors[index % len(cursors)]
        began = time.perf_counter_ns()
        await repository.feed_page(
            connection, viewer_id=viewer, author_id=None, cursor=cursor, limit=PAGE + 1
        )
        spent.append(time.perf_counter_ns() - began)
        if not plan:
            sql = repository.FEED_SQL[(False, cursor is not None)]
            plan = await explain(connection, sql, [viewer, PAGE + 1, *(cursor or ())])
            plan["sql"] = " ".join(sql.split())
    return {**_spread(spent, 1), "explain": plan}


async def sql_latency(url: str, viewers: list[int], cursors: list[str]) -> dict[str, Any]:
    from hostolink.social.service import decode_cursor  # noqa: PLC0415

    connection = await asyncpg.connect(url, timeout=15)
    try:
        return {
            "feed-first": await _time_feed(connection, viewers, [None]),
            "feed-page-n": await _time_feed(
                connection, viewers, [decode_cursor(cursor) for cursor in cursors]
            ),
        }
    finally:
        await connection.close()


# --------------------------------------------------------------------------------------------
# One scenario under load
# --------------------------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    name: str
    label: str
    note: str
    requests_in_turn: int
    load: LoadResult
    goal_p99_ms: float | None
    meets_goal: bool | None
    answers: Answers
    cpu_percent: dict[str, float] = field(default_factory=dict)
    health_probe_ms: dict[str, float] = field(default_factory=dict)
    server_process_cores: list[float] = field(default_factory=list)
    db_connections_mid_load: dict[str, int] = field(default_factory=dict)
    client_connections_per_process: list[int] = field(default_factory=list)
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)
    cpu_bound_ceiling_rps: int = 0
    machine_cpu: dict[str, float] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    floor: FloorMeasure | None = None  # the floor under the same load (issue 23)
    ratio_to_floor: float | None = None


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Runner:
    def __init__(
        self,
        server: Server,
        args: argparse.Namespace,
        use_wrk: bool,
        floor: FloorServer | None = None,
    ) -> None:
        self.server = server
        self.floor = floor
        self.args = args
        self.use_wrk = use_wrk
        self.meter = CpuMeter(server)

    async def _load(
        self,
        name: str,
        requests: list[tuple[str, str]],
        data_file: Path,
        duration: float,
        port: int = 0,
    ) -> LoadResult:
        port = port or self.server.port
        if self.use_wrk:
            return await wrk_load(
                port=port,
                script=LUA_SCRIPT,
                script_args=[str(data_file)],
                label=name,
                connections=self.args.connections,
                threads=self.args.threads,
                duration=duration,
            )
        source = TokenSource(requests)
        return await python_load(port, source, self.args.connections, duration)

    async def _floor(
        self, scenario: Scenario, requests: list[tuple[str, str]], data_file: Path
    ) -> FloorMeasure | None:
        """The floor under the same load, after ours: the first page only."""
        if self.floor is None or scenario.name not in FLOOR_SCENARIOS:
            return None
        floor_url = self.floor.base_url
        token, path = requests[0]
        return await measure_floor(
            self.floor,
            lambda port, seconds: self._load(scenario.name, requests, data_file, seconds, port),
            warmup=self.args.warmup,
            duration=self.args.duration,
            check=lambda: compare_answers(
                self.server.base_url,
                floor_url,
                "GET",
                path,
                headers={"Authorization": f"Bearer {token}"},
            ),
        )

    async def run(self, scenario: Scenario, requests: list[tuple[str, str]]) -> ScenarioResult:
        data_file = self.server.tmp / f"{scenario.name}.requests"
        data_file.write_text("".join(f"{token}\t{path}\n" for token, path in requests))
        await settle_database(self.server)
        answers = await probe_answers(self.server.base_url, requests)
        if self.args.warmup > 0:
            await self._load(scenario.name, requests, data_file, self.args.warmup)
        stop = asyncio.Event()
        probe = asyncio.create_task(health_probe(self.server.base_url, stop))
        activity = asyncio.create_task(database_activity(self.server, self.args.duration / 2))
        spread = asyncio.create_task(
            later(self.args.duration / 2, connections_per_process, self.server)
        )
        profile = self._profile() if scenario.name == "feed-first" else None
        before, children_before = self.meter.sample(), _children_cpu_s()
        machine_before = MachineCpu.sample()
        began = time.perf_counter()
        try:
            load = await self._load(scenario.name, requests, data_file, self.args.duration)
        finally:
            elapsed = time.perf_counter() - began
            after, children_after = self.meter.sample(), _children_cpu_s()
            machine = MachineCpu.shares(machine_before, MachineCpu.sample())
            stop.set()
            probe_ms = await probe
            connections = await activity
            per_worker = await spread
            profiled = await profile if profile is not None else {}
        cpu = CpuMeter.percent(before, after, elapsed)
        cores = os.cpu_count() or 1
        if self.use_wrk:  # wrk is a child process: its CPU time is ours once it has exited
            cpu["load generator"] = round(
                100 * (children_after - children_before) / elapsed / cores, 1
            )
        per_request = {
            group: round(1000 * cpu.get(group, 0) / 100 * elapsed * cores / load.requests, 2)
            if load.requests
            else 0.0
            for group in ("server", "postgres")
        }
        total_ms = sum(per_request.values())
        clean = load.non2xx == 0 and not load.errors
        goal = scenario.goal_p99_ms
        floor = await self._floor(scenario, requests, data_file)
        return ScenarioResult(
            name=scenario.name,
            label=scenario.label,
            note=scenario.note,
            requests_in_turn=len(requests),
            load=load,
            goal_p99_ms=goal,
            meets_goal=None if goal is None else clean and load.p99_ms < goal,
            answers=answers,
            cpu_percent=cpu,
            health_probe_ms=probe_ms,
            server_process_cores=CpuMeter.server_processes(before, after, elapsed),
            db_connections_mid_load=connections,
            client_connections_per_process=per_worker,
            cpu_ms_per_request=per_request,
            cpu_bound_ceiling_rps=round(1000 * cores / total_ms) if total_ms else 0,
            machine_cpu=machine,
            profile=profiled,
            floor=floor,
            ratio_to_floor=floor_ratio(load.rps, floor),
        )

    def _profile(self) -> asyncio.Task[dict[str, Any]] | None:
        """py-spy on the busiest API worker during the first page's load, when the transfers
        group's `--py-spy S` is given (`python -m bench social --py-spy 5`)."""
        seconds = getattr(self.args, "py_spy", 0)
        if not seconds:
            return None
        return asyncio.create_task(self._profiled(seconds))

    async def _profiled(self, seconds: float) -> dict[str, Any]:
        output = self.server.tmp / "py-spy.txt"
        delay = min(1.5, self.args.duration - seconds - 0.5)
        profile = await py_spy_profile(self.meter, delay=delay, seconds=seconds, output=output)
        if profile:  # below the framework's frames that every request goes through
            wider = top_frames(output.read_text(errors="replace"), limit=60)["inclusive"]
            profile["inclusive"] = [f for f in wider if f["percent"] < 60][:20]
        return profile


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def _busy(machine: dict[str, float]) -> str:
    if not machine:
        return "-"
    return f"{100 - machine.get('idle', 0) - machine.get('iowait', 0):.0f} %"


def results_table(results: list[ScenarioResult]) -> str:
    header = (
        "| scenario | req/s | floor req/s | ÷ floor (goal) | CPU ms / req floor server + PG "
        "| p50 ms | p99 ms | goal p99 | met | non-2xx / socket errors "
        "| posts per answer (liked by the viewer) | CPU server / PG / wrk | machine busy "
        "| CPU ms / req server + PG (ceiling req/s) | /health p50 / max ms "
        "| PG connections mid-load |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|:-:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    rows = []
    for result in results:
        load, cpu, probe = result.load, result.cpu_percent, result.health_probe_ms
        answers, per_request = result.answers, result.cpu_ms_per_request
        goal = f"< {result.goal_p99_ms:g} ms" if result.goal_p99_ms else "-"
        met = "-" if result.meets_goal is None else ("yes" if result.meets_goal else "NO")
        floor = result.floor
        floor_cpu = (
            f"{floor.cpu_ms_per_request['server']:.2f} + {floor.cpu_ms_per_request['postgres']:.2f}"
            if floor
            else "-"
        )
        rows.append(
            f"| {result.label} | {load.rps:,.0f} | {floor_text(floor)} "
            f"| {goal_text(result.name, result.ratio_to_floor, per_request.get('server'))} "
            f"| {floor_cpu} | {load.p50_ms:.1f} | {load.p99_ms:.1f} "
            f"| {goal} | {met} | {load.non2xx} / {sum(load.errors.values())} "
            f"| {answers.mean_posts:g} ({answers.liked_by_viewer}/{answers.asked} answers) "
            f"| {cpu.get('server', 0):.0f} % / {cpu.get('postgres', 0):.0f} % / "
            + (f"{cpu['load generator']:.0f} % " if "load generator" in cpu else "- ")
            + f"| {_busy(result.machine_cpu)} "
            + f"| {per_request.get('server', 0):.2f} + {per_request.get('postgres', 0):.2f} "
            f"({result.cpu_bound_ceiling_rps:,}) "
            f"| {probe.get('p50', 0):.1f} / {probe.get('max', 0):.1f} "
            f"| {', '.join(f'{n} {s}' for s, n in result.db_connections_mid_load.items())} |"
        )
    return header + "\n".join(rows) + "\n"


def sql_table(sql: dict[str, Any]) -> str:
    if not sql:
        return ""
    lines = [
        "",
        "SQL alone (the feed repository's statement, `feed_page`, on one asyncpg connection, "
        "nothing else running; viewers in turn):",
        "",
        "| call | calls | p50 ms | p99 ms | mean ms | statements / call "
        "| EXPLAIN ANALYZE execution / planning ms | buffers hit / read |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, figures in sql.items():
        plan = figures.get("explain", {})
        lines.append(
            f"| {name} | {figures['calls']} | {figures['p50_ms']:.2f} | {figures['p99_ms']:.2f} "
            f"| {figures['mean_ms']:.2f} | {figures['statements_per_call']} "
            f"| {plan.get('execution_ms', 0):.2f} / {plan.get('planning_ms', 0):.2f} "
            f"| {plan.get('shared_buffers_hit')} / {plan.get('shared_buffers_read')} |"
        )
    return "\n".join(lines) + "\n"


def plans_text(sql: dict[str, Any]) -> str:
    text = ""
    for name, figures in sql.items():
        plan = figures.get("explain")
        if not plan:
            continue
        text += (
            f"\n<details><summary>plan: {name} — execution {plan['execution_ms']:.2f} ms, "
            f"planning {plan['planning_ms']:.2f} ms, {plan['shared_buffers_hit']} buffers "
            "hit</summary>\n\n```\n" + "\n".join(plan["shape"]) + "\n```\n</details>\n"
        )
    return text


def profile_text(results: list[ScenarioResult]) -> str:
    profiled = next((r for r in results if r.profile), None)
    if profiled is None:
        return ""
    profile = profiled.profile
    packages = ", ".join(f"{p['frame']} {p['percent']} %" for p in profile["own_by_package"])
    own_lines = [f"| {f['percent']} | `{f['frame']}` |" for f in profile["own"]]
    lines = [
        f"\npy-spy on API worker {profile['pid']} during « {profiled.label} », "
        f"{profile['seconds']:g} s at 100 Hz, event loop's thread: {profile['samples']} samples "
        f"running, {profile.get('samples_in_syscalls', 0)} inside a system call (left out). "
        f"Own time by package: {packages}.\n",
        "| own % | incl. % | Python function (top 20 by inclusive time under 60 %) |",
        "|---:|---:|---|",
    ]
    own = {frame["frame"]: frame["percent"] for frame in profile["own"]}
    for frame in profile["inclusive"]:
        lines.append(f"| {own.get(frame['frame'], '')} | {frame['percent']} | `{frame['frame']}` |")
    lines += ["", "| own % | Python function (top 15 by own time) |", "|---:|---|", *own_lines]
    return "\n".join(lines) + "\n"


def facts_text(facts: dict[str, Any]) -> str:
    posts = facts["posts"]
    return (
        f"- posts: {posts['posts']:,} ({posts['published']:,} published) by "
        f"{posts['authors']} seeded users, {posts['oldest']} to {posts['newest']}, "
        f"{posts['mean_contenu_chars']} characters of text on average; {posts['likes_rows']:,} "
        f"`liker` rows (each seeded user likes {LIKE_SHARE:.0%} of the newest "
        f"{LIKED_RECENT:,}); `publication` {posts['table_size_with_indexes']} with its indexes; "
        f"written in {posts['posts_s']} s (+ {posts['likes_s']} s of likes), "
        f"{posts['with_vacuum_s']} s with VACUUM (ANALYZE)\n"
        f"- date (UTC): {facts['date']}; revision {facts['hostolink_revision']}\n"
        f"- machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory']}, "
        f"Linux {facts['kernel']}; Python {facts['python']}; load average before the run "
        f"{' / '.join(str(v) for v in facts['load_average_before'])}\n"
        f"- PostgreSQL: {facts['postgresql']} ({facts['database']})\n"
        f"- server: `hostolink serve`, {facts['workers']} worker processes, rate limits off, "
        "LOG_LEVEL=WARNING\n"
        f"- load: {facts['load_generator']} ({facts.get('wrk') or 'asyncio client'}), "
        f"{facts['connections']} connections, {facts['duration_s']:g} s per scenario after "
        f"{facts['warmup_s']:g} s of warm-up, loopback; {facts['seeded_users']} users' tokens "
        "in turn\n"
        f"- {FLOOR_NOTE}\n"
        "- CPU: share of the whole machine (100 % = all cores) used by the server's processes, "
        "by PostgreSQL and by wrk during the measured seconds — on an outside PostgreSQL "
        "server, the application database's backends only; CPU ms / req: the server's and "
        "PostgreSQL's CPU time per answer, and the rate the cores could sustain at that cost\n"
        f"- closed loop: each of the {facts['connections']} connections sends its next request "
        f"when the answer comes, so the mean latency is about {facts['connections']} / req/s "
        f"(Little's law): a p99 under 30 ms needs well over "
        f"{facts['connections'] / 0.030:,.0f} req/s\n"
        + "".join(f"- server log: {line}\n" for line in facts.get("server_log_problems", [])[:4])
    )


def final_line(results: list[ScenarioResult], facts: dict[str, Any]) -> str:
    figures = " ".join(
        f"{r.name}_rps={r.load.rps:.0f} {r.name}_p99_ms={r.load.p99_ms:.1f}" for r in results
    )
    errors = sum(r.load.non2xx + sum(r.load.errors.values()) for r in results)
    return f"{figures} errors={errors} posts={facts.get('posts', {}).get('posts', 0)}"


def markdown_report(
    facts: dict[str, Any], results: list[ScenarioResult], sql: dict[str, Any]
) -> str:
    statement = next((f["explain"].get("sql") for f in sql.values() if f.get("explain")), None)
    return (
        results_table(results)
        + openloop.markdown([(result.label, result.load) for result in results])
        + sql_table(sql)
        + "\n"
        + facts_text(facts)
        + (f"- the feed's statement (first page): `{statement}`\n" if statement else "")
        + plans_text(sql)
        + profile_text(results)
        + f"\n`{final_line(results, facts)}`\n"
    )


def write_results(
    directory: Path, facts: dict[str, Any], results: list[ScenarioResult], sql: dict[str, Any]
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.datetime.now(dt.UTC).date().isoformat()}-{GROUP}"
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    document = {
        "facts": facts,
        "scenarios": [asdict(result) for result in results],
        "sql_alone": sql,
        "final_line": final_line(results, facts),
    }
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    md_path.write_text(
        f"# Social feed benchmark, {facts['date']}\n\n{markdown_report(facts, results, sql)}"
    )
    return json_path, md_path


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The social group's own options (the shared ones are `bench.common`'s)."""
    group = parser.add_argument_group(GROUP)
    group.add_argument(
        "--posts", type=int, default=1_000_000, help="posts written with SQL (1000000)"
    )
    group.add_argument(
        "--social-scenarios",
        default=",".join(SCENARIO_NAMES),
        help=f"comma-separated subset of: {', '.join(SCENARIO_NAMES)}",
    )
    group.add_argument("--no-feed-sql", action="store_true", help="skip the SQL-alone timings")


def _selected(spec: str) -> list[Scenario]:
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIO_NAMES]
    if unknown:
        raise BenchError(f"unknown scenario(s) {unknown}; known: {', '.join(SCENARIO_NAMES)}")
    return [scenario for scenario in SCENARIOS if scenario.name in names]


async def prepare(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """Seed the users and the posts, collect the cursors, time the SQL alone."""
    url = server.app_database_url()
    if url is None:
        raise BenchError("cannot locate the application database")
    users = await seed_users(server, args.users)
    authors = await author_ids(url, [user.identifier for user in users])
    if len(authors) != len(users):
        raise BenchError(f"{len(authors)} of {len(users)} seeded users found in utilisateur")
    log(f"writing {args.posts:,} posts with SQL over {len(authors)} users")
    posts = await seed_posts(url, authors, args.posts)
    log(
        f"{posts['inserted']:,} posts in {posts['posts_s']} s, {posts['likes_rows']:,} likes "
        f"in {posts['likes_s']} s; {posts['with_vacuum_s']} s with VACUUM (ANALYZE) "
        f"({posts['table_size_with_indexes']})"
    )
    cursors = await collect_cursors(server.base_url, users[0].token, CURSOR_PAGES + 1)
    sql: dict[str, Any] = {}
    if not args.no_feed_sql:
        log("timing the SQL alone (feed first page, page N)")
        sql = await sql_latency(url, authors, cursors)
    return {"users": users, "posts": posts, "cursors": cursors, "sql": sql}


async def _run_scenarios(
    runner: Runner, scenarios: list[Scenario], data: dict[str, Any]
) -> list[ScenarioResult]:
    results = []
    for scenario in scenarios:
        with progress(f"social: {scenario.label}") as step:
            requests = scenario_requests(scenario, data["users"], data["cursors"])
            log(
                f"{scenario.label}: {runner.args.duration:g} s at {runner.args.connections} "
                f"connections, {len(requests):,} requests in turn"
            )
            result = await runner.run(scenario, requests)
            common.report_load(step, result.load)
            source = TokenSource(requests)
            await openloop.fixed_rate_after(
                result.load, runner.server.port, source, runner.args, step
            )
        results.append(result)
    return results


def run(args: argparse.Namespace) -> int:
    """Run the social scenarios; 0 when they ran (the goal is reported, not enforced), 1 on
    a failure to run."""
    server: Server | None = None
    floor: FloorServer | None = None
    facts: dict[str, Any] = {}
    results: list[ScenarioResult] = []
    sql: dict[str, Any] = {}
    try:
        with terminate_as_interrupt():
            validate(args)
            if not 1_000 <= args.posts <= 5_000_000:
                raise BenchError("--posts must be in [1000, 5000000]")
            scenarios = _selected(args.social_scenarios)
            use_wrk = choose_tool(args.tool)
            server = Server(args)
            server.start()
            data = asyncio.run(prepare(server, args))
            sql = data["sql"]
            facts = common.machine_facts(server, args, "wrk" if use_wrk else "python-asyncio")
            facts.update(seeded_users=len(data["users"]), posts=data["posts"])
            if any(scenario.name in FLOOR_SCENARIOS for scenario in scenarios):
                floor = start_floor(server)
            runner = Runner(server, args, use_wrk, floor)
            results = asyncio.run(_run_scenarios(runner, scenarios, data))
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if floor is not None:
            floor.stop()
        stop_server(server, facts)
    report = markdown_report(facts, results, sql)
    print(report)
    if not args.no_write:
        json_path, md_path = write_results(args.results_dir, facts, results, sql)
        log(f"written {json_path} and {md_path}")
        if update_readme(GROUP, report):
            log("bench/README.md results section updated")
    print(final_line(results, facts), flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return common.run_alone("social", add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
