"""`python -m bench startup`: how long the embedded default takes to start, and how much
memory its processes hold.

1. **Cold start**, `--startup-runs` times (3): `hostolink serve` on a fresh
   `HOSTOLINK_DATA_DIR` in a temporary folder, no DATABASE_URL — the embedded PostgreSQL is
   initialised from nothing (initdb, `max_connections` raised with one restart), then the
   migrations and the seed run, then the workers start. The time is from the launch of the
   command to the first `200` of `GET /ready` (polled every 50 ms). Milestones on the way,
   from the same polling: PostgreSQL first `ready` in `postmaster.pid`, the command's
   « Hostolink écoute sur … » line (migrations and seed done, workers starting), and every
   worker's « Application startup complete » (uvicorn's log; the first worker answers
   `/ready` before the last one has started).
2. **Warm start**: the server stopped (time to stop recorded), then the same command on the
   same data folder: the cluster and the schema exist, the migrations and seed have nothing
   to do.
3. **Memory**, on the last warm start: VmRSS (and PSS, which shares the pages a process
   shares with others out between them) of each process of the server, from
   `/proc/<pid>/status` and `/proc/<pid>/smaps_rollup`: the API workers, the `hostolink
   serve` supervisor and the embedded PostgreSQL's processes apart. Sampled idle (two seconds
   after every worker started), every 0.5 s during a `GET /api/user/me` load (the
   onboarding group's scenario, `--memory-load-seconds` at `--connections`), and two seconds
   after the load.

Loopback only; every server is stopped, its embedded PostgreSQL too, and its folder removed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import common, onboarding
from bench.common import (
    BenchError,
    Server,
    choose_tool,
    log,
    progress,
    seed_users,
    terminate_as_interrupt,
    update_readme,
    validate,
)

GROUP = "startup"
POLL_S = 0.05
LISTENING_LINE = "écoute sur"
WORKER_STARTED = "Application startup complete"
ALL_WORKERS_WAIT_S = 60.0


@dataclass
class Launch:
    run: int
    kind: str  # "cold" or "warm"
    ready_s: float  # launch → first 200 on /ready
    postgres_ready_s: float | None = None  # launch → postmaster.pid first says `ready`
    listening_s: float | None = None  # launch → « Hostolink écoute sur » (migrations + seed done)
    all_workers_s: float | None = None  # launch → every worker's « Application startup complete »
    stop_s: float | None = None  # SIGTERM → server and embedded PostgreSQL gone
    data_mib: float | None = None  # size of the data folder once ready


@dataclass
class ProcessMemory:
    pid: int
    role: str
    rss_mib: float
    pss_mib: float | None


@dataclass
class MemoryFigures:
    idle: list[ProcessMemory] = field(default_factory=list)
    peak: list[ProcessMemory] = field(default_factory=list)  # per process, its highest sample
    after: list[ProcessMemory] = field(default_factory=list)
    samples: int = 0
    load: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(GROUP)
    group.add_argument(
        "--startup-runs",
        type=int,
        default=3,
        help="cold starts (each on a fresh data folder) and warm starts (same folder) (3)",
    )
    group.add_argument(
        "--memory-load-seconds",
        type=float,
        default=None,
        help="seconds of GET /api/user/me load while memory is sampled (--duration)",
    )
    group.add_argument(
        "--memory-users", type=int, default=20, help="users seeded for the memory load (20)"
    )


# --------------------------------------------------------------------------------------------
# Timing one launch
# --------------------------------------------------------------------------------------------


def _postgres_ready(server: Server) -> bool:
    """`postmaster.pid`'s status line (the 8th) says `ready` once connections are accepted."""
    try:
        lines = (server.data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


def _log_text(server: Server) -> str:
    try:
        return server.log_path.read_text(errors="replace")
    except OSError:
        return ""


def launch(server: Server, argv: list[str], run: int, kind: str) -> Launch:
    """Start `argv` and time it; the server is left running."""
    server.log_path = server.tmp / f"server-{run}-{kind}.log"
    marks: dict[str, float] = {}
    began = time.monotonic()
    with server.log_path.open("wb") as sink:
        server.process = subprocess.Popen(  # noqa: S603 - our own command
            argv,
            env=server.env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=server.tmp,
        )
    deadline = began + server.startup_timeout
    with httpx.Client(base_url=server.base_url, timeout=2) as client:
        while "ready" not in marks or "workers" not in marks:
            now = time.monotonic()
            waited = "ready" in marks and now - began > marks["ready"] + ALL_WORKERS_WAIT_S
            if now > deadline or waited:
                break
            if server.process.poll() is not None:
                raise BenchError(
                    f"the server exited with {server.process.returncode}:\n{server.log_tail()}"
                )
            if "postgres" not in marks and _postgres_ready(server):
                marks["postgres"] = now - began
            text = _log_text(server)
            if "listening" not in marks and LISTENING_LINE in text:
                marks["listening"] = now - began
            if "workers" not in marks and text.count(WORKER_STARTED) >= server.workers:
                marks["workers"] = now - began
            if "ready" not in marks:
                with contextlib.suppress(httpx.HTTPError):
                    if client.get("/ready").status_code == 200:
                        marks["ready"] = time.monotonic() - began
            time.sleep(POLL_S)
    if "ready" not in marks:
        raise BenchError(
            f"/ready not 200 after {server.startup_timeout:.0f} s ({kind} start):\n"
            + server.log_tail()
        )
    return Launch(
        run=run,
        kind=kind,
        ready_s=round(marks["ready"], 2),
        postgres_ready_s=_rounded(marks.get("postgres")),
        listening_s=_rounded(marks.get("listening")),
        all_workers_s=_rounded(marks.get("workers")),
        data_mib=round(_folder_size(server.data_dir) / 2**20, 1),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _folder_size(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
    return total


def halt(server: Server, launched: Launch) -> None:
    """Stop the server and its embedded PostgreSQL, keeping the data folder."""
    began = time.monotonic()
    server.stop(remove_files=False)
    launched.stop_s = round(time.monotonic() - began, 2)
    server.process = None


# --------------------------------------------------------------------------------------------
# Memory of the server's processes
# --------------------------------------------------------------------------------------------


def _status_kib(pid: int, key: str) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    return None


def _pss_kib(pid: int) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return None


def _role(pid: int, root: int, command: str, postgres: bool) -> str:
    if postgres:
        name = command.removeprefix("postgres:").strip()
        if not command.startswith("postgres:"):
            return "PostgreSQL postmaster"
        if "[local]" in name or "127.0.0.1" in name:
            return "PostgreSQL backend"
        return f"PostgreSQL {name.split()[0] if name else '?'}"
    if pid == root:
        return "hostolink serve (supervisor)"
    if "resource_tracker" in command:
        return "multiprocessing resource tracker"
    return "API worker"


def memory_snapshot(server: Server) -> list[ProcessMemory]:
    """VmRSS and PSS of the server's processes and of its embedded PostgreSQL's."""
    if server.process is None:
        return []
    table = common._process_table()
    postmaster = server.postmaster_pid()
    postgres = common._descendants(table, postmaster) if postmaster else set()
    app = common._descendants(table, server.process.pid) - postgres
    found = []
    for pid in sorted(app | postgres):
        rss = _status_kib(pid, "VmRSS")
        if rss is None:  # exited meanwhile, or a kernel thread
            continue
        pss = _pss_kib(pid)
        role = _role(pid, server.process.pid, table[pid][2], pid in postgres)
        found.append(
            ProcessMemory(
                pid=pid,
                role=role,
                rss_mib=round(rss / 1024, 1),
                pss_mib=None if pss is None else round(pss / 1024, 1),
            )
        )
    return found


async def _sample_memory(server: Server, stop: asyncio.Event, figures: MemoryFigures) -> None:
    peak: dict[int, ProcessMemory] = {}
    while not stop.is_set():
        for entry in await asyncio.to_thread(memory_snapshot, server):
            best = peak.get(entry.pid)
            if best is None or entry.rss_mib > best.rss_mib:
                peak[entry.pid] = entry
        figures.samples += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)
    figures.peak = [peak[pid] for pid in sorted(peak)]


async def measure_memory(server: Server, args: argparse.Namespace, use_wrk: bool) -> MemoryFigures:
    figures = MemoryFigures()
    await asyncio.sleep(2)
    figures.idle = memory_snapshot(server)
    users = await seed_users(server, args.memory_users)
    load_args = copy.copy(args)
    load_args.duration = args.memory_load_seconds or args.duration
    runner = onboarding.Runner(server, users, load_args, use_wrk)
    me = next(s for s in onboarding.SCENARIOS if s.name == "me")
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_memory(server, stop, figures))
    try:
        result = await runner.run(me)
    finally:
        stop.set()
        await sampler
    figures.load = {
        "scenario": "GET /api/user/me",
        "users": len(users),
        "connections": args.connections,
        "seconds": load_args.duration,
        "rps": result.load.rps,
        "p99_ms": result.load.p99_ms,
        "non2xx": result.load.non2xx,
        "errors": result.load.errors,
        "cpu_percent": result.cpu_percent,
    }
    await asyncio.sleep(2)
    figures.after = memory_snapshot(server)
    return figures


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def _embedded_args(args: argparse.Namespace) -> argparse.Namespace:
    own = copy.copy(args)
    if own.database_url:
        log("startup: --database-url is not used here (the embedded default is measured)")
    own.database_url = None
    return own


def run_starts(
    args: argparse.Namespace, use_wrk: bool, facts: dict[str, Any]
) -> tuple[list[Launch], MemoryFigures]:
    launches: list[Launch] = []
    memory = MemoryFigures()
    for run in range(1, args.startup_runs + 1):
        server = Server(args, {"LOG_LEVEL": "INFO"})  # the workers' startup lines are INFO
        try:
            argv = server._serve_argv()
            for kind in ("cold", "warm"):
                with progress(f"startup: run {run}/{args.startup_runs}, {kind} start") as step:
                    launched = launch(server, argv, run, kind)
                    launches.append(launched)
                    step.note = f"/ready in {launched.ready_s:.1f} s"
                    if not facts:
                        facts.update(
                            common.machine_facts(
                                server, args, "wrk" if use_wrk else "python-asyncio"
                            )
                        )
                    if kind == "warm" and run == args.startup_runs:
                        with progress("startup: memory idle and under load") as memory_step:
                            memory = asyncio.run(measure_memory(server, args, use_wrk))
                            workers = [m.rss_mib for m in memory.idle if m.role == "API worker"]
                            memory_step.note = (
                                f"workers idle {' + '.join(f'{w:.0f}' for w in workers)} MiB"
                            )
                    problems = [  # uvicorn's INFO lines come from the logger `uvicorn.error`
                        line
                        for line in server.log_problems()
                        if not line.split("× ", 1)[-1].startswith("INFO")
                    ]
                    if problems:
                        facts.setdefault("server_log_problems", {})[f"{run}-{kind}"] = problems
                    halt(server, launched)
        finally:
            server.stop()
    return launches, memory


def run(args: argparse.Namespace) -> int:
    """The startup group; 0 when it ran, 1 on a failure to run."""
    facts: dict[str, Any] = {}
    try:
        with terminate_as_interrupt():
            validate(args)
            if not 1 <= args.startup_runs <= 20:
                raise BenchError("--startup-runs must be in [1, 20]")
            if not 1 <= args.memory_users <= 1000:
                raise BenchError("--memory-users must be in [1, 1000]")
            use_wrk = choose_tool(args.tool)
            own = _embedded_args(args)
            launches, memory = run_starts(own, use_wrk, facts)
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    facts["database"] = "embedded (fresh data folder per cold start)"
    facts["startup_runs"] = args.startup_runs
    summary = summarise(launches)
    report = markdown_report(facts, launches, summary, memory)
    print(report)
    if not args.no_write:
        json_path, md_path = write_results(args.results_dir, facts, launches, summary, memory)
        log(f"written {json_path} and {md_path}")
        if update_readme(GROUP, report):
            log("bench/README.md results section updated")
    return 0


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _spread(values: Sequence[float | None]) -> dict[str, float] | None:
    present = [value for value in values if value is not None]
    if not present:
        return None
    return {
        "min": round(min(present), 2),
        "median": round(statistics.median(present), 2),
        "max": round(max(present), 2),
        "n": len(present),
    }


def summarise(launches: list[Launch]) -> dict[str, dict[str, Any]]:
    summary: dict[str, dict[str, Any]] = {}
    for kind in ("cold", "warm"):
        mine = [launch for launch in launches if launch.kind == kind]
        summary[kind] = {
            "ready_s": _spread([launch.ready_s for launch in mine]),
            "postgres_ready_s": _spread([launch.postgres_ready_s for launch in mine]),
            "listening_s": _spread([launch.listening_s for launch in mine]),
            "all_workers_s": _spread([launch.all_workers_s for launch in mine]),
            "stop_s": _spread([launch.stop_s for launch in mine]),
        }
    return summary


def _mms(spread: dict[str, float] | None) -> str:
    if not spread:
        return "-"
    return f"{spread['min']:.1f} / {spread['median']:.1f} / {spread['max']:.1f}"


def _median(spread: dict[str, float] | None) -> str:
    return "-" if not spread else f"{spread['median']:.1f}"


ROLE_ORDER = (
    "API worker",
    "hostolink serve (supervisor)",
    "multiprocessing resource tracker",
)


def _group(entries: list[ProcessMemory]) -> dict[str, list[ProcessMemory]]:
    grouped: dict[str, list[ProcessMemory]] = {}
    for entry in entries:
        key = entry.role if entry.role in ROLE_ORDER else "PostgreSQL (all processes)"
        grouped.setdefault(key, []).append(entry)
    return grouped


def _each(entries: list[ProcessMemory] | None) -> str:
    if not entries:
        return "-"
    if len(entries) <= 4:
        return " + ".join(f"{entry.rss_mib:.0f}" for entry in entries)
    return f"{sum(e.rss_mib for e in entries):.0f} in {len(entries)}"


def _pss(entries: list[ProcessMemory] | None) -> str:
    if not entries or any(entry.pss_mib is None for entry in entries):
        return "-"
    return f"{sum(entry.pss_mib or 0.0 for entry in entries):.0f}"


def memory_rows(memory: MemoryFigures) -> list[dict[str, Any]]:
    idle, peak, after = _group(memory.idle), _group(memory.peak), _group(memory.after)
    rows = []
    for role in (*ROLE_ORDER, "PostgreSQL (all processes)"):
        if role not in idle and role not in peak:
            continue
        rows.append(
            {
                "processes": role,
                "count_idle": len(idle.get(role, [])),
                "count_peak": len(peak.get(role, [])),
                "rss_idle": _each(idle.get(role)),
                "rss_peak": _each(peak.get(role)),
                "rss_after": _each(after.get(role)),
                "pss_idle": _pss(idle.get(role)),
                "pss_peak": _pss(peak.get(role)),
            }
        )
    return rows


def markdown_report(
    facts: dict[str, Any],
    launches: list[Launch],
    summary: dict[str, dict[str, Any]],
    memory: MemoryFigures,
) -> str:
    lines = [
        "| start | runs | to first /ready 200: min / median / max s | PostgreSQL ready "
        "(median s) | migrations + seed done (median s) | every worker started (median s) "
        "| stop (median s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, label in (
        ("cold", "cold (fresh data folder: initdb + migrations + seed)"),
        ("warm", "warm (same data folder, second launch)"),
    ):
        row = summary[kind]
        runs = row["ready_s"]["n"] if row["ready_s"] else 0
        lines.append(
            f"| {label} | {runs} | {_mms(row['ready_s'])} | {_median(row['postgres_ready_s'])} "
            f"| {_median(row['listening_s'])} | {_median(row['all_workers_s'])} "
            f"| {_median(row['stop_s'])} |"
        )
    table = "\n".join(lines) + "\n"
    each = ", ".join(f"{launch.kind} {launch.run}: {launch.ready_s:.1f} s" for launch in launches)
    rows = memory_rows(memory)
    mem = [
        "| processes | count | RSS idle MiB (each) | RSS under load, peak MiB | RSS after load "
        "MiB | PSS idle / peak MiB (sum) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        count = (
            str(row["count_idle"])
            if row["count_idle"] == row["count_peak"]
            else f"{row['count_idle']} → {row['count_peak']}"
        )
        mem.append(
            f"| {row['processes']} | {count} | {row['rss_idle']} | {row['rss_peak']} "
            f"| {row['rss_after']} | {row['pss_idle']} / {row['pss_peak']} |"
        )
    total_idle = sum(entry.pss_mib or 0.0 for entry in memory.idle)
    total_peak = sum(entry.pss_mib or 0.0 for entry in memory.peak)
    load = memory.load
    load_text = (
        f"{load['scenario']} at {load['connections']} connections for {load['seconds']:g} s "
        f"({load['users']} seeded users' tokens in turn): {load['rps']:,.0f} req/s, p99 "
        f"{load['p99_ms']:.0f} ms, non-2xx {load['non2xx']}, errors {load['errors']}; memory "
        f"sampled {memory.samples} times (every 0.5 s, warm-up included)"
        if load
        else "no load (the memory measure did not run)"
    )
    avg = " / ".join(f"{value:.2f}" for value in facts.get("load_average_before", []))
    notes = [
        f"each start: {each}",
        "times from the launch of `hostolink serve --workers "
        f"{facts.get('workers', '?')} --host 127.0.0.1` to: the first 200 of `GET /ready` "
        "(polled every 50 ms); `postmaster.pid` first saying `ready` (on a cold start, before "
        "the restart that raises `max_connections`); the « Hostolink écoute sur » line "
        "(migrations and seed done, workers starting); every worker's « Application startup "
        "complete »; stop: SIGTERM to the server and its embedded PostgreSQL gone",
        "data folder once ready: "
        + ", ".join(
            f"{launch.kind} {launch.run} {launch.data_mib:.0f} MiB"
            for launch in launches
            if launch.data_mib is not None and launch.kind == "cold"
        ),
        f"memory, on the last warm start: idle 2 s after start; under load: {load_text}",
        "RSS counts every page a process maps, shared ones included (PostgreSQL's shared "
        "buffers appear in each process that touched them: summing RSS over-counts); PSS "
        f"divides shared pages between their users and sums to the real footprint: "
        f"{total_idle:.0f} MiB idle, {total_peak:.0f} MiB at the peaks, all processes",
        f"date (UTC): {facts.get('date')}; revision {facts.get('hostolink_revision')}",
        f"machine: {facts.get('nproc')} cores, {facts.get('cpu_model')}, {facts.get('memory')}"
        f", Linux {facts.get('kernel')}; Python {facts.get('python')}; load average before the "
        f"run {avg}",
        f"PostgreSQL: {facts.get('postgresql')} (embedded)",
        "server: `hostolink serve`, rate limits off, LOG_LEVEL=INFO (for the workers' startup "
        "lines), JWT_SECRET given (otherwise the first start also writes a key file)",
    ]
    for name, problems in facts.get("server_log_problems", {}).items():
        notes += [f"server log ({name}): {line}" for line in problems[:4]]
    cold, warm = summary["cold"]["ready_s"], summary["warm"]["ready_s"]
    workers = [m.rss_mib for m in memory.idle if m.role == "API worker"]
    final = (
        f"cold_ready_s_median={_median(cold)} warm_ready_s_median={_median(warm)} "
        f"worker_rss_idle_mib={'+'.join(f'{w:.0f}' for w in workers) or '-'}"
    )
    return (
        table
        + "\n"
        + "\n".join(mem)
        + "\n\n"
        + "".join(f"- {note}\n" for note in notes)
        + f"\n`{final}`\n"
    )


def write_results(
    directory: Path,
    facts: dict[str, Any],
    launches: list[Launch],
    summary: dict[str, dict[str, Any]],
    memory: MemoryFigures,
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.datetime.now(dt.UTC).date().isoformat()}-{GROUP}"
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    document = {
        "facts": facts,
        "summary": summary,
        "launches": [asdict(launch) for launch in launches],
        "memory": asdict(memory),
        "memory_rows": memory_rows(memory),
    }
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(
        f"# Startup and memory benchmark, {facts.get('date')}\n\n"
        + markdown_report(facts, launches, summary, memory)
    )
    return json_path, md_path


def main(argv: Sequence[str] | None = None) -> int:
    return common.run_alone("startup", add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
