"""Load benchmark of the owner's onboarding routes, against a server started on a fresh database.

What one run does (every step bounded in time; traffic goes to 127.0.0.1 only):

1. starts `hostolink serve` on a free loopback port, with a temporary data folder (embedded
   PostgreSQL) or a throwaway database on the `--database-url` server, rate limits off (the
   whole load comes from one address), and waits for `GET /ready`;
2. seeds verified users through the public API: register-user → define-password → the OTP
   read with `hostolink outbox` → verify-otp, which gives each user an access token;
3. runs each scenario for `--duration` seconds at `--connections` concurrent connections
   with `wrk` (Debian package `wrk`; the asyncio client below when it is missing), while
   sampling the CPU time of the server, of PostgreSQL and of the load generator, and the
   latency of `GET /health` (an event loop blocked by hashing or a slow query shows there);
4. prints a table with the ratio to the previous NestJS back end, writes
   `bench/results/<date>-onboarding.json` and `.md`, and rewrites the results section of
   `bench/README.md`;
5. stops the server (SIGTERM, then SIGKILL after a grace period) and removes what it made,
   also on error and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

from bench import common, openloop
from bench.common import (
    BENCH_DIR,
    HOST,
    BenchError,
    CpuMeter,
    LoadResult,
    SeededUser,
    Server,
    choose_tool,
    connections_per_process,
    database_activity,
    health_probe,
    later,
    log,
    progress,
    python_load,
    seed_users,
    settle_database,
    stop_server,
    terminate_as_interrupt,
    update_readme,
    validate,
    wrk_load,
)
from bench.floor.server import (
    FLOOR_NOTE,
    RATIO_GOALS,
    FloorMeasure,
    FloorServer,
    compare_answers,
    floor_ratio,
    floor_text,
    goal_text,
    measure_floor,
    start_floor,
)

LUA_SCRIPT = BENCH_DIR / "lua" / "onboarding.lua"
STRIDE = 1_000_000  # unique phone numbers reserved per load thread / per run phase
PHONE_SPACE = 100_000_000  # 8 digits after the 2-digit Ivorian prefix


# --------------------------------------------------------------------------------------------
# Scenarios and the previous back end's figures (issue 2, same kind of 2-core machine)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    method: str
    path: str
    expected_status: int
    baseline_rps: float
    target_ratio: float
    note: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "check-user-existing",
        "check-user (existing)",
        "POST",
        "/api/check-user",
        200,
        1450.0,
        2.0,
        "identifier of a seeded user, rotating",
    ),
    Scenario(
        "check-user-unknown",
        "check-user (unknown)",
        "POST",
        "/api/check-user",
        200,
        1450.0,
        2.0,
        "a new never-registered phone number on every request",
    ),
    Scenario(
        "register-user",
        "register-user",
        "POST",
        "/api/register-user",
        201,
        270.0,
        2.0,
        "a new phone number on every request (user + compte created)",
    ),
    Scenario(
        "login",
        "login",
        "POST",
        "/api/auth/login",
        200,
        34.0,
        1.0,
        "seeded verified users, correct password (argon2id verify + tokens)",
    ),
    Scenario(
        "me",
        "GET /api/user/me",
        "GET",
        "/api/user/me",
        200,
        200.0,
        10.0,
        "bearer tokens of the seeded users, rotating",
    ),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)
BASELINE_NOTE = (
    "previous NestJS back end, same kind of 2-core machine: check-user ~1,450 req/s "
    "(p99 72 ms), register-user 270 req/s, /api/user/me 200 req/s, login 34 req/s (bcrypt cost 10)"
)


@dataclass
class ScenarioResult:
    name: str
    label: str
    route: str
    note: str
    load: LoadResult
    baseline_rps: float
    target_ratio: float
    ratio: float
    meets_target: bool
    cpu_percent: dict[str, float] = field(default_factory=dict)
    health_probe_ms: dict[str, float] = field(default_factory=dict)
    server_process_cores: list[float] = field(default_factory=list)
    db_connections_mid_load: dict[str, int] = field(default_factory=dict)
    client_connections_per_process: list[int] = field(default_factory=list)
    cpu_ms_per_request: float = 0.0
    cpu_bound_ceiling_rps: int = 0
    floor: FloorMeasure | None = None  # the floor under the same load (issue 23)
    ratio_to_floor: float | None = None


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The onboarding group's own options (the shared ones are `bench.common`'s)."""
    group = parser.add_argument_group("onboarding")
    group.add_argument(
        "--scenarios",
        default=",".join(SCENARIO_NAMES),
        help=f"comma-separated subset of: {', '.join(SCENARIO_NAMES)}",
    )


# --------------------------------------------------------------------------------------------
# Load generators: the asyncio client's request stream (wrk runs lua/onboarding.lua)
# --------------------------------------------------------------------------------------------


class RequestSource:
    """The asyncio client's request stream, the same as the Lua script's."""

    def __init__(self, scenario: Scenario, users: list[SeededUser], first: int) -> None:
        self.scenario = scenario
        self.users = users
        self.cursor = 0
        self.counter = first

    def _user(self) -> SeededUser:
        self.cursor = (self.cursor + 1) % len(self.users)
        return self.users[self.cursor]

    def _phone(self, prefix: str) -> str:
        self.counter += 1
        return f"+225{prefix}{self.counter % PHONE_SPACE:08d}"

    def body(self) -> dict[str, str] | None:
        name = self.scenario.name
        if name == "check-user-existing":
            return {"identifier": self._user().identifier}
        if name == "check-user-unknown":
            return {"identifier": self._phone("01")}
        if name == "register-user":
            return {"identifier": self._phone("05")}
        if name == "login":
            user = self._user()
            return {"identifier": user.identifier, "password": user.password}
        return None

    def raw(self, port: int) -> bytes:
        lines = [f"{self.scenario.method} {self.scenario.path} HTTP/1.1", f"Host: {HOST}:{port}"]
        payload = b""
        body = self.body()
        if body is not None:
            payload = json.dumps(body).encode()
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        if self.scenario.name == "me":
            lines.append(f"Authorization: Bearer {self._user().token}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


# --------------------------------------------------------------------------------------------
# One scenario
# --------------------------------------------------------------------------------------------


class Runner:
    def __init__(
        self,
        server: Server,
        users: list[SeededUser],
        args: argparse.Namespace,
        use_wrk: bool,
        floor: FloorServer | None = None,
    ) -> None:
        self.server = server
        self.floor = floor
        self.users = users
        self.args = args
        self.use_wrk = use_wrk
        self.meter = CpuMeter(server)
        self.phase = 0
        self.data_file = server.tmp / "users.tsv"
        self.data_file.write_text(
            "".join(f"{u.identifier}\t{u.password}\t{u.token}\n" for u in users)
        )

    def _next_first(self) -> int:
        """A fresh block of phone numbers for each load phase (warm-up included)."""
        block = STRIDE * max(1, int(self.args.threads))
        first = self.phase * block
        self.phase += 1
        if first + block > PHONE_SPACE:
            raise BenchError("out of unique phone numbers: fewer phases or threads")
        return first

    async def _load(
        self, scenario: Scenario, duration: float, port: int | None = None
    ) -> LoadResult:
        first = self._next_first()
        port = port or self.server.port
        if self.use_wrk:
            return await wrk_load(
                port=port,
                script=LUA_SCRIPT,
                script_args=[scenario.name, str(self.data_file), str(first), str(STRIDE)],
                label=scenario.name,
                connections=self.args.connections,
                threads=self.args.threads,
                duration=duration,
            )
        source = RequestSource(scenario, self.users, first)
        return await python_load(port, source, self.args.connections, duration)

    async def _floor(self, scenario: Scenario) -> FloorMeasure | None:
        """The floor under the same load, after ours; None for a scenario it does not do."""
        if self.floor is None or scenario.name not in RATIO_GOALS:
            return None
        user = self.users[1 % len(self.users)]
        me = scenario.name == "me"
        floor_url = self.floor.base_url
        return await measure_floor(
            self.floor,
            lambda port, seconds: self._load(scenario, seconds, port),
            warmup=self.args.warmup,
            duration=self.args.duration,
            check=lambda: compare_answers(
                self.server.base_url,
                floor_url,
                scenario.method,
                scenario.path,
                body=None if me else {"identifier": user.identifier},
                headers={"Authorization": f"Bearer {user.token}"} if me else None,
            ),
        )

    async def smoke(self, scenario: Scenario) -> None:
        """One request first, so that a missing route is reported in words."""
        source = RequestSource(scenario, self.users, self._next_first())
        headers = {"Authorization": f"Bearer {self.users[1 % len(self.users)].token}"}
        async with httpx.AsyncClient(base_url=self.server.base_url, timeout=30) as client:
            answer = await client.request(
                scenario.method,
                scenario.path,
                json=source.body(),
                headers=headers if scenario.name == "me" else None,
            )
        if answer.status_code != scenario.expected_status:
            log(
                f"warning: {scenario.method} {scenario.path} answered {answer.status_code} "
                f"(expected {scenario.expected_status}): {answer.text[:200]}"
            )

    async def run(self, scenario: Scenario) -> ScenarioResult:
        await settle_database(self.server)
        await self.smoke(scenario)
        if self.args.warmup > 0:
            await self._load(scenario, self.args.warmup)
        stop = asyncio.Event()
        probe = asyncio.create_task(health_probe(self.server.base_url, stop))
        activity = asyncio.create_task(database_activity(self.server, self.args.duration / 2))
        spread = asyncio.create_task(
            later(self.args.duration / 2, connections_per_process, self.server)
        )
        before = self.meter.sample()
        began = time.perf_counter()
        try:
            load = await self._load(scenario, self.args.duration)
        finally:
            elapsed = time.perf_counter() - began
            after = self.meter.sample()
            stop.set()
            probe_ms = await probe
            connections = await activity
            per_worker = await spread
        cpu = CpuMeter.percent(before, after, elapsed)
        cores = os.cpu_count() or 1
        spent_s = sum(cpu.values()) / 100 * elapsed * cores  # server + PostgreSQL
        per_process = CpuMeter.server_processes(before, after, elapsed)
        if not self.use_wrk:
            cpu["load generator"] = -1.0  # in this process: not measured apart
        cpu_ms = 1000 * spent_s / load.requests if load.requests else 0.0
        ratio = load.rps / scenario.baseline_rps
        clean = load.non2xx == 0 and not load.errors
        floor = await self._floor(scenario)
        return ScenarioResult(
            name=scenario.name,
            label=scenario.label,
            route=f"{scenario.method} {scenario.path}",
            note=scenario.note,
            load=load,
            baseline_rps=scenario.baseline_rps,
            target_ratio=scenario.target_ratio,
            ratio=round(ratio, 2),
            meets_target=clean and ratio >= scenario.target_ratio,
            cpu_percent=cpu,
            health_probe_ms=probe_ms,
            server_process_cores=per_process,
            db_connections_mid_load=connections,
            client_connections_per_process=per_worker,
            cpu_ms_per_request=round(cpu_ms, 2),
            cpu_bound_ceiling_rps=round(1000 * cores / cpu_ms) if cpu_ms else 0,
            floor=floor,
            ratio_to_floor=floor_ratio(load.rps, floor),
        )


# --------------------------------------------------------------------------------------------
# Facts about the machine and the run
# --------------------------------------------------------------------------------------------


def argon2_parameters() -> dict[str, int]:
    """The parameters the server reads: its settings' defaults, or the environment's."""
    defaults = {"ARGON2_TIME_COST": 2, "ARGON2_MEMORY_KIB": 19 * 1024, "ARGON2_PARALLELISM": 1}
    # Imported here: the bench still runs (with --hostolink) when the package is not installed.
    with contextlib.suppress(Exception):
        fields = importlib.import_module("hostolink.config").Settings.model_fields
        defaults = {
            "ARGON2_TIME_COST": int(fields["argon2_time_cost"].default),
            "ARGON2_MEMORY_KIB": int(fields["argon2_memory_kib"].default),
            "ARGON2_PARALLELISM": int(fields["argon2_parallelism"].default),
        }
    return {name: int(os.environ.get(name, value)) for name, value in defaults.items()}


def argon2_cost_ms(params: dict[str, int]) -> float:
    """One argon2id verification on one core, here, before the load (median of 5)."""
    hasher = PasswordHasher(
        time_cost=params["ARGON2_TIME_COST"],
        memory_cost=params["ARGON2_MEMORY_KIB"],
        parallelism=params["ARGON2_PARALLELISM"],
    )
    digest = hasher.hash("Bench-password-1")
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        hasher.verify(digest, "Bench-password-1")
        timings.append(time.perf_counter() - began)
    return round(sorted(timings)[2] * 1000, 1)


def bcrypt10_cost_ms() -> float | None:
    """The previous back end's hash (bcrypt cost 10), timed the same way when the `bcrypt`
    package happens to be importable (it is no dependency of Hostolink)."""
    try:
        bcrypt = importlib.import_module("bcrypt")
    except ImportError:
        return None
    digest = bcrypt.hashpw(b"Bench-password-1", bcrypt.gensalt(10))
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        bcrypt.checkpw(b"Bench-password-1", digest)
        timings.append(time.perf_counter() - began)
    return round(sorted(timings)[2] * 1000, 1)


def machine_facts(server: Server, args: argparse.Namespace, tool: str) -> dict[str, Any]:
    params = argon2_parameters()
    return {
        **common.machine_facts(server, args, tool),
        "argon2id": {
            "time_cost": params["ARGON2_TIME_COST"],
            "memory_kib": params["ARGON2_MEMORY_KIB"],
            "parallelism": params["ARGON2_PARALLELISM"],
            "verify_ms_one_core": argon2_cost_ms(params),
        },
        "bcrypt10_verify_ms_one_core": bcrypt10_cost_ms(),
    }


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def _errors_text(load: LoadResult) -> str:
    socket_errors = sum(load.errors.values())
    return f"{load.non2xx} / {socket_errors}"


def results_table(results: list[ScenarioResult]) -> str:
    header = (
        "| scenario | req/s | floor req/s | ÷ floor (goal) | CPU ms / req ours / floor "
        "| p50 ms | p99 ms | non-2xx / socket errors | NestJS req/s "
        "| ratio | target | met | CPU server / PG | cores (conns) per worker "
        "| CPU ms / req (ceiling req/s) | /health p50 / max ms | PG connections mid-load |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|---:|---:|---:|---:|---|\n"
    )
    rows = []
    for result in results:
        load = result.load
        cpu = result.cpu_percent
        probe = result.health_probe_ms
        connections = result.db_connections_mid_load
        floor = result.floor
        floor_cpu = sum(floor.cpu_ms_per_request.values()) if floor else 0.0
        rows.append(
            f"| {result.label} | {load.rps:,.0f} | {floor_text(floor)} "
            f"| {goal_text(result.name, result.ratio_to_floor)} "
            f"| {result.cpu_ms_per_request:.2f} / {f'{floor_cpu:.2f}' if floor else '-'} "
            f"| {load.p50_ms:.1f} | {load.p99_ms:.1f} "
            f"| {_errors_text(load)} | {result.baseline_rps:,.0f} | {result.ratio:.2f}× "
            f"| ≥{result.target_ratio:g}× | {'yes' if result.meets_target else 'NO'} "
            f"| {cpu.get('server', 0):.0f} % / {cpu.get('postgres', 0):.0f} % "
            f"| {' + '.join(f'{c:.2f}' for c in result.server_process_cores) or '-'} "
            f"({' + '.join(str(n) for n in result.client_connections_per_process) or '-'}) "
            f"| {result.cpu_ms_per_request:.2f} ({result.cpu_bound_ceiling_rps:,}) "
            f"| {probe.get('p50', 0):.1f} / {probe.get('max', 0):.1f} "
            f"| {', '.join(f'{n} {state}' for state, n in connections.items())} |"
        )
    return header + "\n".join(rows) + "\n"


def facts_text(facts: dict[str, Any]) -> str:
    argon = facts["argon2id"]
    verify = argon["verify_ms_one_core"]
    return (
        f"- date (UTC): {facts['date']}; revision {facts['hostolink_revision']}\n"
        f"- machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory']}, "
        f"Linux {facts['kernel']}; Python {facts['python']}; load average before the run "
        f"{' / '.join(str(v) for v in facts['load_average_before'])}\n"
        f"- PostgreSQL: {facts['postgresql']} ({facts['database']})\n"
        f"- server: `hostolink serve`, {facts['workers']} worker processes, rate limits off, "
        f"LOG_LEVEL=WARNING; {facts['seeded_users']} seeded verified users\n"
        f"- load: {facts['load_generator']} ({facts.get('wrk') or 'asyncio client'}), "
        f"{facts['connections']} connections, {facts['duration_s']:g} s per scenario after "
        f"{facts['warmup_s']:g} s of warm-up, loopback\n"
        f"- password hashing: argon2id t={argon['time_cost']}, m={argon['memory_kib']} KiB, "
        f"p={argon['parallelism']} ({verify} ms per verification on one core here"
        + (
            f"; bcrypt cost 10: {facts['bcrypt10_verify_ms_one_core']} ms"
            if facts.get("bcrypt10_verify_ms_one_core")
            else ""
        )
        + ")\n"
        f"- baseline: {BASELINE_NOTE}\n"
        + "".join(f"- server log: {line}\n" for line in facts.get("server_log_problems", [])[:4])
        + f"- {FLOOR_NOTE}\n"
        + "- CPU: share of the whole machine (100 % = all cores) used by the server's processes "
        "and by PostgreSQL during the measured seconds, and the cores used by each busy server "
        "process (with the load's connections it held half-way through); CPU ms / req: the "
        "server's and PostgreSQL's CPU time per answered request, and the rate the cores "
        "could sustain at that cost (a figure less sensitive to other work on the machine); "
        "/health: a probe 5 "
        "times a second during the load; PG connections: the app database's connections by "
        "state half-way through\n"
    )


def markdown_report(facts: dict[str, Any], results: list[ScenarioResult]) -> str:
    fixed_rate = openloop.markdown([(result.label, result.load) for result in results])
    return results_table(results) + fixed_rate + "\n" + facts_text(facts)


def write_results(
    directory: Path, facts: dict[str, Any], results: list[ScenarioResult]
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.datetime.now(dt.UTC).date().isoformat()}-onboarding"
    json_path = directory / f"{stem}.json"
    md_path = directory / f"{stem}.md"
    document = {"facts": facts, "scenarios": [asdict(result) for result in results]}
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(
        f"# Onboarding benchmark, {facts['date']}\n\n" + markdown_report(facts, results)
    )
    return json_path, md_path


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def _selected(spec: str) -> list[Scenario]:
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIO_NAMES]
    if unknown:
        raise BenchError(f"unknown scenario(s) {unknown}; known: {', '.join(SCENARIO_NAMES)}")
    return [scenario for scenario in SCENARIOS if scenario.name in names]


async def _run_scenarios(runner: Runner, scenarios: list[Scenario]) -> list[ScenarioResult]:
    results = []
    for scenario in scenarios:
        with progress(f"onboarding: {scenario.label}") as step:
            log(
                f"{scenario.label}: {runner.args.duration:g} s at "
                f"{runner.args.connections} connections"
            )
            result = await runner.run(scenario)
            common.report_load(step, result.load)
            source = RequestSource(scenario, runner.users, runner._next_first())
            await openloop.fixed_rate_after(
                result.load, runner.server.port, source, runner.args, step
            )
        results.append(result)
    return results


def run(args: argparse.Namespace) -> int:
    """Run the onboarding scenarios; 0 when every scenario ran (targets are reported, not
    enforced: these are figures, not a test), 1 on a failure to run."""
    server: Server | None = None
    floor: FloorServer | None = None
    facts: dict[str, Any] = {}
    results: list[ScenarioResult] = []
    try:
        with terminate_as_interrupt():
            validate(args)
            scenarios = _selected(args.scenarios)
            use_wrk = choose_tool(args.tool)
            server = Server(args)
            server.start()
            users = asyncio.run(seed_users(server, args.users))
            facts = machine_facts(server, args, "wrk" if use_wrk else "python-asyncio")
            facts["seeded_users"] = len(users)
            if any(scenario.name in RATIO_GOALS for scenario in scenarios):
                floor = start_floor(server)
            runner = Runner(server, users, args, use_wrk, floor)
            results = asyncio.run(_run_scenarios(runner, scenarios))
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
    report = markdown_report(facts, results)
    print(report)
    if not args.no_write:
        json_path, md_path = write_results(args.results_dir, facts, results)
        log(f"written {json_path} and {md_path}")
        if update_readme("onboarding", markdown_report(facts, results)):
            log("bench/README.md results section updated")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return common.run_alone("onboarding", add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
