"""Directory benchmark: near me, text search and the detail page of the health directory, over
the real data (`hostolink seed`) plus synthetic establishments, at 50 concurrent clients.

What one run does (every step bounded in time; traffic goes to 127.0.0.1 only):

1. starts `hostolink serve` as the other groups do (`bench.common.Server`, rate limits off):
   it migrates and seeds, the open-data establishments included, then waits for `/ready`;
2. counts the establishments the seed wrote, then adds `--synthetic` (50,000) of its own
   with SQL (COPY, `directory_data.py`): realistic names from word lists (« Pharmacie
   Sainte Marie d'Angré », « Centre de santé urbain de Niangon »…), a category, a place
   (`localisation`), a position in Côte d'Ivoire's bounding box, 40 % of them within 30 km
   of Abidjan, one phone number per 3 and a `provenance_etablissement` row each (source
   `administrateur`, licence `bench`); then `VACUUM (ANALYZE)`;
3. times the two statements the API runs for near me and for search, alone on one
   connection (asyncpg, the app's own SQL captured from its repository), and keeps
   `EXPLAIN (ANALYZE, BUFFERS)` of one of each: where the time goes without HTTP and Python;
4. asks each scenario's first requests once to record what they answer (results per
   answer, searches corrected, any error in words), then runs each scenario for `--duration`
   seconds at `--connections` connections after a warm-up (`lua/directory.lua` under wrk,
   or the asyncio client), with the CPU and `/health` observers of the other groups;
5. prints a table, writes `bench/results/<date>-directory.json` and `.md`, rewrites the
   README's results section, and prints one final line of figures.

The data and the requests come from a fixed random seed: every run asks the same things of
the same synthetic directory (the real data may change with the seed files).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import math
import os
import random
import re
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench import common, openloop
from bench.common import (
    BENCH_DIR,
    HOST,
    BenchError,
    CpuMeter,
    LoadResult,
    MachineCpu,
    Server,
    choose_tool,
    connections_per_process,
    database_activity,
    health_probe,
    later,
    log,
    progress,
    python_load,
    settle_database,
    stop_server,
    terminate_as_interrupt,
    update_readme,
    validate,
    wrk_load,
)
from bench.directory_data import (
    ABIDJAN,
    ABIDJAN_RADIUS_KM,
    count_establishments,
    live_ids,
    near_points,
    seed_synthetic,
    synthetic_establishments,
)
from bench.floor.server import (
    FLOOR_NOTE,
    FloorMeasure,
    FloorServer,
    compare_paths,
    floor_ratio,
    floor_text,
    goal_text,
    measure_floor,
    start_floor,
)

GROUP = "directory"
LUA_SCRIPT = BENCH_DIR / "lua" / "directory.lua"
RANDOM_SEED = 6  # issue 6: the same synthetic directory and requests on every run
NEAR_POINTS = 1_000
DETAIL_IDS = 1_000
RADIUS_M = 5_000
LIMIT = 20
PROBED_PER_SCENARIO = 100
SQL_NEAR_SAMPLES = 200  # points timed per near-me statement
SQL_SEARCH_ROUNDS = 5  # passes over the search queries
# The scenarios the floor (bench/floor/) does, measured beside ours (issue 23).
FLOOR_SCENARIOS = frozenset(
    {"near-me", "near-me-pharmacie", "near-me-new", "search", "detail", "detail-new"}
)
# A scenario's position moves by this many degrees per pass over its points (and per thread
# and run on the longitude): 1e-7° is 1 cm, so the answers stay those of the points.
POSITION_STEP = 1e-7


# --------------------------------------------------------------------------------------------
# Scenarios and goals (issue 6: near-me p99 < 15 ms, search p99 < 30 ms on 2 cores)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    kind: str  # near, search or detail
    goal_p99_ms: float | None
    note: str
    # Every request's position is new (no answer cache can serve it): the work itself.
    new_positions: bool = False
    # Every live establishment in turn, each load from where the last one stopped: an id
    # comes back only after all the others (far more than a process keeps answers).
    new_ids: bool = False


SEARCHES: tuple[str, ...] = (
    "chu cocody",
    "pharmacie de la riviera",
    "hopital bouake",
    "pharmacie yopougon",
    "clinique sainte marie",
    "hopitl bouake",
    "centre sante abobo",
    "pharmacie angre",
    "pharmacie saint jean",
    "pharmcie marcory",
    "cliniqe riviera",
    "laboratoire cocody",
    "csu koumassi",
    "hôpital général de Daloa",
    "chr korhogo",
    "pharmacie san pedro",
    "dentiste plateau",
    "cabinet medical yopougon niangon",
    "pharmacie de garde treichville",
    "CHU Treichville",
    "pharmacie st michel",
    "hopital yamoussoukro",
    "pharmacie koumasi",
    "pharmacie deux plateaux",
    "clinique saint gabriel angre",
    "labo abobo",
    "centre de sante rural",
    "sainte famille",
    "polyclinique",
    "pharmacie",
    "pharmacie adjame liberte",
    "maternite",
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "near-me",
        "near me",
        "near",
        15.0,
        f"{NEAR_POINTS:,} points (half in Abidjan), rayon={RADIUS_M}, limite={LIMIT}",
    ),
    Scenario(
        "near-me-pharmacie",
        "near me, pharmacies",
        "near",
        15.0,
        "the same points, categorie=pharmacie",
    ),
    Scenario(
        "near-me-new",
        "near me, new positions",
        "near",
        15.0,
        "the same points, each request's position never asked before (moved by 1 cm per "
        "pass, per thread and per run): no cache can answer",
        new_positions=True,
    ),
    Scenario(
        "search",
        "search",
        "search",
        30.0,
        f"{len(SEARCHES)} queries in turn (typos, accents, abbreviations), limite={LIMIT}",
    ),
    Scenario("detail", "detail", "detail", None, f"{DETAIL_IDS:,} random live establishments"),
    Scenario(
        "detail-new",
        "detail, ids not repeated",
        "detail",
        None,
        "every live establishment in turn (shuffled), each load from where the last one "
        "stopped: no id asked twice within the minute, no cache can answer",
        new_ids=True,
    ),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)


# --------------------------------------------------------------------------------------------
# The requests of each scenario
# --------------------------------------------------------------------------------------------


def scenario_paths(
    scenario: Scenario,
    points: list[tuple[float, float]],
    ids: list[int],
    every_id: list[int] | None = None,
) -> list[str]:
    if scenario.kind == "near":
        category = "&categorie=pharmacie" if scenario.name == "near-me-pharmacie" else ""
        return [
            f"/api/etablissements/proches?lat={lat}&lon={lon}&rayon={RADIUS_M}&limite={LIMIT}"
            + category
            for lat, lon in points
        ]
    if scenario.kind == "search":
        return [
            "/api/etablissements/recherche?" + urlencode({"q": query, "limite": LIMIT})
            for query in SEARCHES
        ]
    if scenario.new_ids and every_id:
        ids = every_id
    return [f"/api/etablissements/{identifier}" for identifier in ids]


class PathSource:
    """The asyncio client's requests, the same as the Lua script's: the paths in turn."""

    def __init__(self, paths: list[str], first: int = 0) -> None:
        self.paths = paths
        self.cursor = first

    def raw(self, port: int) -> bytes:
        self.cursor = (self.cursor + 1) % len(self.paths)
        return f"GET {self.paths[self.cursor]} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()


_POSITION = re.compile(r"^(.*?lat=)(-?[0-9.]+)(&lon=)(-?[0-9.]+)(.*)$")
_RUNS = itertools.count(1)


def new_run() -> int:
    """A number of its own for each load of a new-positions scenario (probe, warm-up,
    measure, floor, open loop): its positions are moved by it, so no two loads ask alike."""
    return next(_RUNS)


def moved(path: str, passes: int, run: int, thread: int = 0) -> str:
    """`path` with its latitude moved by `passes` steps and its longitude by the run and the
    thread, as `lua/directory.lua` moves it when given a run number."""
    head, lat, middle, lon, tail = _POSITION.fullmatch(path).groups()  # type: ignore[union-attr]
    new_lat = float(lat) + passes * POSITION_STEP
    new_lon = float(lon) + (run * 256 + thread) * POSITION_STEP
    return f"{head}{new_lat:.7f}{middle}{new_lon:.7f}{tail}"


class NewPositions(PathSource):
    """The paths in turn, each pass over them moved by one more step: no position asked
    twice (the Lua script's `run` mode, for the asyncio client)."""

    def __init__(self, paths: list[str], run: int) -> None:
        super().__init__(paths)
        self.run = run
        self.passes = 0

    def raw(self, port: int) -> bytes:
        self.cursor = (self.cursor + 1) % len(self.paths)
        self.passes += self.cursor == 0
        path = moved(self.paths[self.cursor], self.passes, self.run)
        return f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()


class Progress:
    """Where a new-ids scenario's next load starts in its list: every load moves it on by
    the requests it made, so the loads follow each other without asking an id again."""

    def __init__(self) -> None:
        self.first = 0

    def take(self, count: int) -> int:
        first, self.first = self.first, self.first + count
        return first


class NextIds(PathSource):
    """The paths in turn from where the scenario's last load stopped, moving it on."""

    def __init__(self, paths: list[str], progress: Progress) -> None:
        super().__init__(paths)
        self.progress = progress

    def raw(self, port: int) -> bytes:
        path = self.paths[self.progress.take(1) % len(self.paths)]
        return f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()


def stream_of(scenario: Scenario, paths: list[str], progress: Progress) -> PathSource:
    if scenario.new_positions:
        return NewPositions(paths, new_run())
    if scenario.new_ids:
        return NextIds(paths, progress)
    return PathSource(paths)


def asked_paths(scenario: Scenario, paths: list[str], progress: Progress) -> list[str]:
    """The paths probed and compared with the floor: new ones for a new-positions or
    new-ids scenario."""
    if scenario.new_positions:
        run = new_run()
        return [moved(path, 0, run) for path in paths[:PROBED_PER_SCENARIO]]
    if scenario.new_ids:
        first = progress.take(PROBED_PER_SCENARIO)
        return (paths[first:] + paths[:first])[:PROBED_PER_SCENARIO]
    return paths


@dataclass
class Answers:
    """What a scenario's first requests answered, asked once before the load."""

    asked: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    mean_results: float = 0.0
    empty: int = 0
    corrected: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def probe_answers(base_url: str, scenario: Scenario, paths: list[str]) -> Answers:
    """Each search query once, the first 100 paths of the other scenarios."""
    asked = paths if scenario.kind == "search" else paths[:PROBED_PER_SCENARIO]
    statuses: Counter[str] = Counter()
    found: list[int] = []
    answers = Answers(asked=len(asked))
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for index, path in enumerate(asked):
            answer = await client.get(path)
            statuses[str(answer.status_code)] += 1
            if answer.status_code != 200:
                answers.problems.append(f"{path} → {answer.status_code} {answer.text[:200]}")
                continue
            body = answer.json()
            data = body.get("data")
            results = len(data) if isinstance(data, list) else 1
            found.append(results)
            answers.empty += results == 0
            if scenario.kind == "search":
                answers.corrected += bool(body.get("corrigee"))
                first = data[0]["nom"] if data else None
                answers.samples.append(
                    {
                        "q": SEARCHES[index],
                        "requete": body.get("requete"),
                        "corrigee": body.get("corrigee"),
                        "results": results,
                        "first": first,
                    }
                )
    answers.statuses = dict(statuses)
    answers.mean_results = round(sum(found) / len(found), 1) if found else 0.0
    for problem in answers.problems[:3]:
        log(f"warning: {problem}")
    return answers


# --------------------------------------------------------------------------------------------
# SQL alone: the directory's own statements, timed on one asyncpg connection
# --------------------------------------------------------------------------------------------


class _Row(dict[str, Any]):
    """An asyncpg record read by attribute, as the service reads SQLAlchemy rows."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _Result:
    def __init__(self, values: list[Any]) -> None:
        self.values = values

    def all(self) -> list[Any]:
        return self.values

    def first(self) -> Any:
        return self.values[0] if self.values else None


class SqlOnlySession:
    """In place of the request's `AsyncSession`: runs each statement the directory's code
    builds (its repository, unchanged) on one asyncpg connection and times the round trip
    alone. What is left out is what the API adds: HTTP, FastAPI, the ORM's row handling,
    pydantic, the BEGIN/COMMIT of the request's transaction and the pool."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self.spent_ns = 0
        self.statements: list[tuple[str, list[Any]]] = []
        # The API's dialect: the same SQL text and `$n` parameters as under SQLAlchemy.
        self.dialect = make_url("postgresql+asyncpg://").get_dialect()()

    async def _fetch(self, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
        compiled = statement.compile(
            dialect=self.dialect, compile_kwargs={"render_postcompile": True}
        )
        values = compiled.construct_params(params or {})
        args = [values[name] for name in compiled.positiontup or ()]
        self.statements.append((compiled.string, args))
        began = time.perf_counter_ns()
        records: list[Any] = await self.connection.fetch(compiled.string, *args)
        self.spent_ns += time.perf_counter_ns() - began
        return records

    async def execute(
        self, statement: Any, params: dict[str, Any] | None = None, **_: Any
    ) -> _Result:
        records = await self._fetch(statement, params)
        return _Result([_Row(record.items()) for record in records])

    async def scalars(
        self, statement: Any, params: dict[str, Any] | None = None, **_: Any
    ) -> _Result:
        records = await self._fetch(statement, params)
        return _Result([r[0] if len(r) == 1 else _Row(r.items()) for r in records])


def _spread(values_ns: list[int], rows: list[int], statements: list[int]) -> dict[str, float]:
    ordered = sorted(values_ns)
    if not ordered:
        return {}

    def at(percent: float) -> float:
        index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
        return round(ordered[index] / 1e6, 3)

    return {
        "calls": len(ordered),
        "p50_ms": at(50),
        "p99_ms": at(99),
        "mean_ms": round(sum(ordered) / len(ordered) / 1e6, 3),
        "max_ms": round(ordered[-1] / 1e6, 3),
        "mean_rows": round(sum(rows) / len(rows), 1),
        "statements_per_call": round(sum(statements) / len(statements), 2),
    }


def _plan_shape(node: dict[str, Any], depth: int = 0) -> list[str]:
    """The plan's nodes, depth first: type, table or index (enough to see the index used)."""
    what = node.get("Node Type", "?")
    if node.get("Index Name"):
        what += f" using {node['Index Name']}"
    elif node.get("Relation Name"):
        what += f" on {node['Relation Name']}"
    shape = [f"{'  ' * depth}{what} (rows {node.get('Actual Rows', '?')})"]
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


async def _time_near(
    connection: asyncpg.Connection,
    directory: Any,
    points: list[tuple[float, float]],
    filters: Any,
    moment: Any,
) -> dict[str, Any]:
    spent, rows, statements = [], [], []
    plan: dict[str, Any] = {}
    for lat, lon in points[:SQL_NEAR_SAMPLES]:
        session: Any = SqlOnlySession(connection)
        answer = await directory.near(
            session,
            lat=lat,
            lon=lon,
            radius_m=RADIUS_M,
            filters=filters,
            limit=LIMIT,
            moment=moment,
        )
        spent.append(session.spent_ns)
        rows.append(len(answer))
        statements.append(len(session.statements))
        if not plan:  # the first point is in Abidjan
            plan = await explain(connection, *session.statements[0])
    return {**_spread(spent, rows, statements), "explain (Abidjan)": plan}


async def _time_search(
    connection: asyncpg.Connection, directory: Any, filters: Any, moment: Any
) -> dict[str, Any]:
    spent, rows, statements = [], [], []
    plans: dict[str, Any] = {}
    per_query: dict[str, list[int]] = {}
    for _ in range(SQL_SEARCH_ROUNDS):
        for query in SEARCHES:
            session: Any = SqlOnlySession(connection)
            answer, _understood = await directory.search(
                session, text=query, filters=filters, limit=LIMIT, moment=moment
            )
            spent.append(session.spent_ns)
            rows.append(len(answer))
            statements.append(len(session.statements))
            per_query.setdefault(query, []).append(session.spent_ns)
            if query in {"pharmacie yopougon", "hopitl bouake"} and query not in plans:
                plans[query] = await explain(connection, *session.statements[-1])
    medians = {query: sorted(times)[len(times) // 2] for query, times in per_query.items()}
    slowest = sorted(medians, key=lambda query: -medians[query])[:5]
    return {
        **_spread(spent, rows, statements),
        "explain": plans,
        "slowest_median_ms": {query: round(medians[query] / 1e6, 2) for query in slowest},
    }


async def sql_latency(url: str, points: list[tuple[float, float]]) -> dict[str, Any]:
    """Each near-me and search call of the service as the API makes it, SQL time only:
    the sum of its statements' round trips (near me fetches more rows when the first ones
    cannot prove the order; search runs a second statement when every word together finds
    nothing). One connection, nothing else running."""
    from hostolink.health.repository import Filters  # noqa: PLC0415
    from hostolink.health.service import Directory, abidjan_moment  # noqa: PLC0415

    connection = await asyncpg.connect(url, timeout=15)
    try:
        session: Any = SqlOnlySession(connection)
        directory = Directory()
        vocabulary = await directory.vocabulary(session)
        vocabulary.loaded_at = math.inf  # never reloaded during the measure
        moment = abidjan_moment()
        return {
            "vocabulary": {
                "ms": round(session.spent_ns / 1e6, 2),
                "words": len(vocabulary.words),
            },
            "near-me": await _time_near(connection, directory, points, Filters(), moment),
            "near-me-pharmacie": await _time_near(
                connection, directory, points, Filters(categories=("pharmacie",)), moment
            ),
            "search": await _time_search(connection, directory, Filters(), moment),
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
        self.progress: dict[str, Progress] = {}  # the new-ids scenarios' places in their lists

    async def _load(
        self,
        scenario: Scenario,
        paths: list[str],
        path_file: Path,
        duration: float,
        port: int = 0,
    ) -> Any:
        port = port or self.server.port
        progress = self.progress.setdefault(scenario.name, Progress())
        if self.use_wrk:
            threads = max(1, min(self.args.threads, self.args.connections))
            mode: list[str] = []
            if scenario.new_positions:  # the script moves each position by the run's number
                mode = ["moved", str(new_run())]
            elif scenario.new_ids:  # the threads share the list from where the last load stopped
                mode = ["from", str(progress.first % len(paths)), str(threads)]
            result = await wrk_load(
                port=port,
                script=LUA_SCRIPT,
                script_args=[str(path_file), *mode],
                label=scenario.name,
                connections=self.args.connections,
                threads=threads,
                duration=duration,
            )
            if scenario.new_ids:
                progress.take(result.requests)
            return result
        return await python_load(
            port, stream_of(scenario, paths, progress), self.args.connections, duration
        )

    def asked(self, scenario: Scenario, paths: list[str]) -> list[str]:
        return asked_paths(scenario, paths, self.progress.setdefault(scenario.name, Progress()))

    async def _floor(self, scenario: Scenario, paths: list[str], path_file: Path) -> Any:
        """The floor under the same load, after ours; None for a scenario it does not do."""
        if self.floor is None or scenario.name not in FLOOR_SCENARIOS:
            return None
        floor_url = self.floor.base_url
        return await measure_floor(
            self.floor,
            lambda port, seconds: self._load(scenario, paths, path_file, seconds, port),
            warmup=self.args.warmup,
            duration=self.args.duration,
            check=lambda: compare_paths(
                self.server.base_url, floor_url, self.asked(scenario, paths)[:3]
            ),
        )

    async def run(self, scenario: Scenario, paths: list[str]) -> ScenarioResult:
        path_file = self.server.tmp / f"{scenario.name}.paths"
        path_file.write_text("\n".join(paths) + "\n")
        await settle_database(self.server)
        answers = await probe_answers(self.server.base_url, scenario, self.asked(scenario, paths))
        if self.args.warmup > 0:
            await self._load(scenario, paths, path_file, self.args.warmup)
        stop = asyncio.Event()
        probe = asyncio.create_task(health_probe(self.server.base_url, stop))
        activity = asyncio.create_task(database_activity(self.server, self.args.duration / 2))
        spread = asyncio.create_task(
            later(self.args.duration / 2, connections_per_process, self.server)
        )
        before, children_before = self.meter.sample(), _children_cpu_s()
        machine_before = MachineCpu.sample()
        began = time.perf_counter()
        try:
            load: LoadResult = await self._load(scenario, paths, path_file, self.args.duration)
        finally:
            elapsed = time.perf_counter() - began
            after, children_after = self.meter.sample(), _children_cpu_s()
            machine = MachineCpu.shares(machine_before, MachineCpu.sample())
            stop.set()
            probe_ms = await probe
            connections = await activity
            per_worker = await spread
        cpu = CpuMeter.percent(before, after, elapsed)
        cores = os.cpu_count() or 1
        if self.use_wrk:  # wrk is a child process: its CPU time is ours once it has exited
            generator = (children_after - children_before) / elapsed / cores
            cpu["load generator"] = round(100 * generator, 1)
        per_request = {
            group: round(1000 * cpu.get(group, 0) / 100 * elapsed * cores / load.requests, 2)
            if load.requests
            else 0.0
            for group in ("server", "postgres")
        }
        total_ms = sum(per_request.values())
        clean = load.non2xx == 0 and not load.errors
        goal = scenario.goal_p99_ms
        floor = await self._floor(scenario, paths, path_file)
        return ScenarioResult(
            name=scenario.name,
            label=scenario.label,
            note=scenario.note,
            requests_in_turn=len(paths),
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
            floor=floor,
            ratio_to_floor=floor_ratio(load.rps, floor),
        )


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
        "| results per answer (empty) | CPU server / PG / wrk | machine busy "
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
            f"| {answers.mean_results:g} ({answers.empty}/{answers.asked}) "
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
        "SQL alone (the service's statements on one asyncpg connection, nothing else running; "
        "per call, the sum of its statements):",
        "",
        "| call | calls | p50 ms | p99 ms | mean ms | statements / call | rows / call "
        "| EXPLAIN ANALYZE execution ms |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name in ("near-me", "near-me-pharmacie", "search"):
        figures = sql.get(name)
        if not figures:
            continue
        plans = figures.get("explain") or {"Abidjan point": figures.get("explain (Abidjan)", {})}
        executed = ", ".join(
            f"{label}: {plan.get('execution_ms', 0):.2f}" for label, plan in plans.items()
        )
        lines.append(
            f"| {name} | {figures['calls']} | {figures['p50_ms']:.2f} | {figures['p99_ms']:.2f} "
            f"| {figures['mean_ms']:.2f} | {figures['statements_per_call']:g} "
            f"| {figures['mean_rows']:g} | {executed} |"
        )
    slowest = sql.get("search", {}).get("slowest_median_ms", {})
    if slowest:
        shown = ", ".join(f"« {query} » {ms:.1f} ms" for query, ms in slowest.items())
        lines.append(f"\nSlowest searches, SQL alone (median of {SQL_SEARCH_ROUNDS}): {shown}.")
    vocabulary = sql.get("vocabulary", {})
    lines.append(
        f"\nSearch vocabulary (`ts_stat` over every live establishment, reloaded by each "
        f"worker every 60 s): {vocabulary.get('words', 0):,} words in "
        f"{vocabulary.get('ms', 0):.1f} ms."
    )
    return "\n".join(lines) + "\n"


def plans_text(sql: dict[str, Any]) -> str:
    if not sql:
        return ""
    found = []
    for name in ("near-me", "near-me-pharmacie"):
        plan = sql.get(name, {}).get("explain (Abidjan)")
        if plan:
            found.append((f"{name}, a point in Abidjan", plan))
    for query, plan in sql.get("search", {}).get("explain", {}).items():
        found.append((f"search « {query} » (last statement)", plan))
    text = ""
    for label, plan in found:
        text += (
            f"\n<details><summary>plan: {label} — execution {plan['execution_ms']:.2f} ms, "
            f"planning {plan['planning_ms']:.2f} ms, {plan['shared_buffers_hit']} buffers "
            "hit</summary>\n\n```\n" + "\n".join(plan["shape"]) + "\n```\n</details>\n"
        )
    return text


def searches_text(results: list[ScenarioResult]) -> str:
    search = next((r for r in results if r.name == "search"), None)
    if search is None or not search.answers.samples:
        return ""
    shown = "; ".join(
        f"« {s['q']} » → {s['results']}"
        + (f" (read as « {s['requete']} »)" if s["corrigee"] else "")
        for s in search.answers.samples
    )
    return f"- search queries and their results (limite {LIMIT}): {shown}\n"


def facts_text(facts: dict[str, Any]) -> str:
    real, seeded = facts["real_establishments"], facts["synthetic"]
    sources = ", ".join(f"{k} {v:,}" for k, v in real.get("by_source", {}).items()) or "none"
    after = facts["establishments_after"]
    return (
        f"- establishments in the database: {after['live']:,} live "
        f"({real['live']:,} from `hostolink seed` — by source: {sources} — and "
        f"{seeded['establishments']:,} synthetic); {after['phones']:,} establishment phone "
        "numbers\n"
        f"- synthetic rows: {', '.join(f'{k} {v:,}' for k, v in seeded['zones'].items())} "
        f"(Abidjan: within {ABIDJAN_RADIUS_KM:g} km of {ABIDJAN[0]}, {ABIDJAN[1]}); "
        f"{seeded['places']} places; copied in {seeded['copy_s']} s, "
        f"{seeded['with_vacuum_s']} s with VACUUM (ANALYZE); random seed {RANDOM_SEED}\n"
        f"- date (UTC): {facts['date']}; revision {facts['hostolink_revision']}\n"
        f"- machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory']}, "
        f"Linux {facts['kernel']}; Python {facts['python']}; load average before the run "
        f"{' / '.join(str(v) for v in facts['load_average_before'])}\n"
        f"- PostgreSQL: {facts['postgresql']} ({facts['database']})\n"
        f"- server: `hostolink serve`, {facts['workers']} worker processes, rate limits off, "
        "LOG_LEVEL=WARNING\n"
        f"- load: {facts['load_generator']} ({facts.get('wrk') or 'asyncio client'}), "
        f"{facts['connections']} connections, {facts['duration_s']:g} s per scenario after "
        f"{facts['warmup_s']:g} s of warm-up, loopback; each scenario's requests in turn\n"
        "- CPU: share of the whole machine (100 % = all cores) used by the server's processes, "
        "by PostgreSQL and by wrk during the measured seconds — on an outside PostgreSQL "
        "server, the application database's backends only (parallel query workers are not "
        "counted there; machine busy includes everything, other work on the machine too); "
        "CPU ms / req: the server's and PostgreSQL's CPU time per answer, and the rate the "
        "cores could sustain at that cost\n"
        f"- closed loop: each of the {facts['connections']} connections sends its next request "
        f"when the answer comes, so the mean latency is about {facts['connections']} / req/s "
        f"(Little's law): a p99 under 15 ms needs well over "
        f"{facts['connections'] / 0.015:,.0f} req/s, under 30 ms over "
        f"{facts['connections'] / 0.030:,.0f}\n"
        f"- {FLOOR_NOTE}\n"
        "- results per answer: mean over the first 100 requests of the scenario asked once "
        "before the load (search: each query once), and how many answered nothing\n"
        + "".join(f"- server log: {line}\n" for line in facts.get("server_log_problems", [])[:4])
    )


def final_line(results: list[ScenarioResult], facts: dict[str, Any]) -> str:
    figures = " ".join(
        f"{r.name}_rps={r.load.rps:.0f} {r.name}_p99_ms={r.load.p99_ms:.1f}" for r in results
    )
    errors = sum(r.load.non2xx + sum(r.load.errors.values()) for r in results)
    return f"{figures} errors={errors} establishments={facts['establishments_after']['live']}"


def markdown_report(
    facts: dict[str, Any], results: list[ScenarioResult], sql: dict[str, Any]
) -> str:
    return (
        results_table(results)
        + openloop.markdown([(result.label, result.load) for result in results])
        + sql_table(sql)
        + "\n"
        + facts_text(facts)
        + searches_text(results)
        + plans_text(sql)
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
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(
        f"# Directory benchmark, {facts['date']}\n\n{markdown_report(facts, results, sql)}"
    )
    return json_path, md_path


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The directory group's own options (the shared ones are `bench.common`'s)."""
    group = parser.add_argument_group(GROUP)
    group.add_argument(
        "--synthetic",
        type=int,
        default=50_000,
        help="synthetic establishments added to the seeded ones (50000)",
    )
    group.add_argument(
        "--directory-scenarios",
        default=",".join(SCENARIO_NAMES),
        help=f"comma-separated subset of: {', '.join(SCENARIO_NAMES)}",
    )
    group.add_argument("--no-sql", action="store_true", help="skip the SQL-alone timings")


def _selected(spec: str) -> list[Scenario]:
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIO_NAMES]
    if unknown:
        raise BenchError(f"unknown scenario(s) {unknown}; known: {', '.join(SCENARIO_NAMES)}")
    return [scenario for scenario in SCENARIOS if scenario.name in names]


async def prepare(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """Count the seeded establishments, add the synthetic ones, time the SQL alone."""
    url = server.app_database_url()
    if url is None:
        raise BenchError("cannot locate the application database")
    real = await count_establishments(url)
    if real["live"] == 0:
        log(
            "no establishment from `hostolink seed` (the open-data seed wrote none): synthetic only"
        )
    else:
        log(f"{real['live']:,} live establishments from `hostolink seed` ({real['by_source']})")
    rng = random.Random(RANDOM_SEED)
    rows = synthetic_establishments(args.synthetic, rng)
    seeded: dict[str, Any] = {"establishments": 0}
    if rows:
        seeded = await seed_synthetic(url, rows, rng)
    seeded.setdefault("zones", {})
    log(
        f"{seeded['establishments']:,} synthetic establishments added "
        f"in {seeded.get('with_vacuum_s', 0)} s (VACUUM ANALYZE included)"
    )
    after = await count_establishments(url)
    points = near_points(random.Random(RANDOM_SEED + 1), NEAR_POINTS)
    ids = await live_ids(url)
    if not ids:
        raise BenchError("no live establishment to ask for: neither seeded nor synthetic")
    picked = random.Random(RANDOM_SEED + 2).sample(ids, min(DETAIL_IDS, len(ids)))
    every_id = list(ids)
    random.Random(RANDOM_SEED + 3).shuffle(every_id)
    sql: dict[str, Any] = {}
    if not args.no_sql:
        log("timing the SQL alone (near me, search)")
        sql = await sql_latency(url, points)
    return {
        "real": real,
        "synthetic": seeded,
        "after": after,
        "points": points,
        "ids": picked,
        "every_id": every_id,
        "sql": sql,
    }


async def _run_scenarios(
    runner: Runner, scenarios: list[Scenario], data: dict[str, Any]
) -> list[ScenarioResult]:
    results = []
    for scenario in scenarios:
        with progress(f"directory: {scenario.label}") as step:
            paths = scenario_paths(scenario, data["points"], data["ids"], data["every_id"])
            log(
                f"{scenario.label}: {runner.args.duration:g} s at {runner.args.connections} "
                f"connections, {len(paths):,} requests in turn"
            )
            result = await runner.run(scenario, paths)
            common.report_load(step, result.load)
            source = stream_of(
                scenario, paths, runner.progress.setdefault(scenario.name, Progress())
            )
            await openloop.fixed_rate_after(
                result.load, runner.server.port, source, runner.args, step
            )
        results.append(result)
    return results


def run(args: argparse.Namespace) -> int:
    """Run the directory scenarios; 0 when they ran (goals are reported, not enforced), 1 on
    a failure to run."""
    server: Server | None = None
    floor: FloorServer | None = None
    facts: dict[str, Any] = {}
    results: list[ScenarioResult] = []
    sql: dict[str, Any] = {}
    try:
        with terminate_as_interrupt():
            validate(args)
            if not 0 <= args.synthetic <= 500_000:
                raise BenchError("--synthetic must be in [0, 500000]")
            scenarios = _selected(args.directory_scenarios)
            use_wrk = choose_tool(args.tool)
            server = Server(args)
            server.start()
            data = asyncio.run(prepare(server, args))
            sql = data["sql"]
            facts = common.machine_facts(server, args, "wrk" if use_wrk else "python-asyncio")
            facts.update(
                real_establishments=data["real"],
                synthetic=data["synthetic"],
                establishments_after=data["after"],
            )
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
    return common.run_alone("directory", add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
