"""The floor beside the bench's server: started once per group on the same database, checked
against our answer, measured under the same load as our scenario (issue 23)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.common import (
    HOST,
    ROOT,
    BenchError,
    CpuMeter,
    LoadResult,
    Server,
    free_port,
    log,
)

# The goals: our req/s ÷ the floor's, measured in the same run, and the API's CPU
# per request where the issue sets one.
RATIO_GOALS: dict[str, float] = {
    "check-user-existing": 0.6,
    "me": 0.6,
    "near-me": 0.5,
    "near-me-pharmacie": 0.5,
    "near-me-new": 0.5,
    "detail": 0.5,
    "detail-new": 0.5,
    "search": 0.5,
    "feed-first": 0.5,
}
API_CPU_GOALS_MS: dict[str, float] = {
    "near-me": 1.0,
    "near-me-pharmacie": 1.0,
    "near-me-new": 1.0,
    "detail": 1.0,
    "detail-new": 1.0,
    "feed-first": 1.0,
}


class FloorServer:
    """`python -m bench.floor` in its own process group, with the bench server's workers,
    database and JWT secret. Duck-typed for `CpuMeter`: its processes are the floor's, its
    PostgreSQL is the bench server's."""

    def __init__(self, server: Server, *, startup_timeout: float = 60.0) -> None:
        self.main = server
        self.workers = server.workers
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.log_path = server.tmp / "floor.log"
        self.database_name = server.database_name
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None

    def postmaster_pid(self) -> int | None:
        return self.main.postmaster_pid()

    def start(self) -> None:
        url = self.main.app_database_url()
        if url is None:
            raise BenchError("the floor needs the bench database's address")
        env = dict(os.environ)
        env.update(
            {
                "FLOOR_DATABASE_URL": url,
                "JWT_SECRET": self.main.env()["JWT_SECRET"],
                "HOSTOLINK_DB_CONNECTIONS": self.main.env().get("HOSTOLINK_DB_CONNECTIONS", ""),
                "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])]),
                "PYTHONUNBUFFERED": "1",
            }
        )
        argv = [sys.executable, "-m", "bench.floor", "--port", str(self.port)]
        argv += ["--workers", str(self.workers)]
        log(f"starting the floor ({self.workers} workers) on {self.base_url}")
        with self.log_path.open("wb") as sink:
            self.process = subprocess.Popen(  # noqa: S603 - our own module
                argv,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=ROOT,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Ready when twenty new connections in a row are answered: every worker is up."""
        deadline = time.monotonic() + self.startup_timeout
        answered = 0
        while time.monotonic() < deadline and answered < 20:
            assert self.process is not None
            if self.process.poll() is not None:
                raise BenchError(f"the floor exited:\n{self.log_tail()}")
            try:
                with httpx.Client(base_url=self.base_url, timeout=5) as client:
                    client.get("/ready").raise_for_status()
                answered += 1
            except httpx.HTTPError:
                answered = 0
                time.sleep(0.3)
        if answered < 20:
            raise BenchError(f"the floor did not start:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no floor log)"

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            log("stopping the floor")
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log("the floor did not stop in 15 s: killing its process group")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


def start_floor(server: Server) -> FloorServer:
    floor = FloorServer(server)
    try:
        floor.start()
    except BaseException:
        floor.stop()
        raise
    return floor


@dataclass
class FloorMeasure:
    """The floor under our scenario's load, and whether it answers as we do."""

    rps: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)
    same_answer: bool | None = None
    difference: str = ""


def _differences(ours: Any, floor: Any, where: str = "") -> list[str]:
    if isinstance(ours, dict) and isinstance(floor, dict):
        found = []
        for key in sorted(set(ours) | set(floor)):
            if key not in floor or key not in ours:
                found.append(f"{where}.{key}: {'floor' if key not in floor else 'ours'} lacks it")
            else:
                found += _differences(ours[key], floor[key], f"{where}.{key}")
        return found
    if isinstance(ours, list) and isinstance(floor, list) and len(ours) == len(floor):
        return [
            d
            for i, (a, b) in enumerate(zip(ours, floor, strict=True))
            for d in _differences(a, b, f"{where}[{i}]")
        ]
    return [] if ours == floor else [f"{where}: ours {ours!r:.80} floor {floor!r:.80}"]


async def compare_answers(
    ours_url: str,
    floor_url: str,
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[bool, str]:
    """One request to each: the same status and the same JSON (field order aside)?"""
    answers = []
    for base in (ours_url, floor_url):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            answers.append(await client.request(method, path, json=body, headers=headers))
    ours, floor = answers
    if ours.status_code != floor.status_code:
        return False, f"status: ours {ours.status_code}, floor {floor.status_code}"
    try:
        found = _differences(ours.json(), floor.json())
    except ValueError:
        return False, "an answer is not JSON"
    return not found, "; ".join(found[:3])


async def compare_paths(ours_url: str, floor_url: str, paths: list[str]) -> tuple[bool, str]:
    """`compare_answers` over a few GET paths: the first difference, if any."""
    for path in paths:
        same, difference = await compare_answers(ours_url, floor_url, "GET", path)
        if not same:
            return False, f"{path}: {difference}"
    return True, ""


async def measure_floor(
    floor: FloorServer,
    load: Callable[[int, float], Awaitable[LoadResult]],
    *,
    warmup: float,
    duration: float,
    check: Callable[[], Awaitable[tuple[bool, str]]] | None = None,
) -> FloorMeasure:
    """`load(port, seconds)`: the scenario's own load (same script, connections, duration),
    aimed at the floor; the floor's CPU and PostgreSQL's measured as the group measures ours."""
    same, difference = await check() if check is not None else (None, "")
    if same is False:
        log(f"warning: the floor does not answer as we do: {difference}")
    if warmup > 0:
        await load(floor.port, warmup)
    meter = CpuMeter(floor)  # type: ignore[arg-type] - duck-typed
    before = meter.sample()
    began = time.perf_counter()
    result = await load(floor.port, duration)
    elapsed = time.perf_counter() - began
    cpu = CpuMeter.percent(before, meter.sample(), elapsed)
    cores = os.cpu_count() or 1
    per_request = {
        group: round(1000 * cpu.get(group, 0) / 100 * elapsed * cores / result.requests, 2)
        if result.requests
        else 0.0
        for group in ("server", "postgres")
    }
    log(
        f"  floor: {result.rps:,.1f} req/s, p99 {result.p99_ms:.1f} ms, CPU ms/req "
        f"{per_request['server']:.2f} + {per_request['postgres']:.2f} (server + PG)"
    )
    return FloorMeasure(
        rps=result.rps,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        non2xx=result.non2xx,
        socket_errors=sum(result.errors.values()),
        cpu_ms_per_request=per_request,
        same_answer=same,
        difference=difference,
    )


def floor_ratio(rps: float, floor: FloorMeasure | None) -> float | None:
    return round(rps / floor.rps, 2) if floor is not None and floor.rps else None


def floor_text(measure: FloorMeasure | None) -> str:
    """The floor's req/s, marked `≠` when its answer differed from ours (see the log)."""
    if measure is None:
        return "-"
    return f"{measure.rps:,.0f}" + (" ≠" if measure.same_answer is False else "")


def goal_text(name: str, value: float | None, api_cpu_ms: float | None = None) -> str:
    """`0.42 (≥ 0.6: NO)`: the ratio and its goal; with the API CPU goal where one is set."""
    if value is None:
        return "-"
    goal = RATIO_GOALS.get(name)
    text = f"{value:.2f}"
    if goal is None:
        return text
    met = value >= goal
    cpu_goal = API_CPU_GOALS_MS.get(name)
    if cpu_goal is not None and api_cpu_ms is not None:
        met = met and api_cpu_ms <= cpu_goal
        return f"{text} (≥ {goal:g}, ≤ {cpu_goal:g} ms API: {'yes' if met else 'NO'})"
    return f"{text} (≥ {goal:g}: {'yes' if met else 'NO'})"


FLOOR_NOTE = (
    "floor: `bench/floor/`, a minimal ASGI + asyncpg app (same uvicorn, same workers, same "
    "database, the product's own SQL, stdlib json) under the same load right after ours; "
    "÷ floor = our req/s divided by the floor's (the issue 23 goal in brackets); CPU ms / req: "
    "server + PostgreSQL per answered request, ours / the floor's; before the measure the "
    "same request goes to both and their JSON answers are compared (≠: they differ, see the "
    "log); the floor is measured after ours, so a change of the machine's other load between "
    "the two moves the ratio: compare the CPU per request too"
)
