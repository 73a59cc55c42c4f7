"""Metrics benchmark: what the Prometheus middleware (hostolink.metrics.http) costs per
request, the same application with and without it (`HOSTOLINK_METRICS=false`), on the
cheapest route there is (`GET /health`: no database, no authentication), so that the
middleware's share is as large as it can ever be.

Two measures, each with the two variants side by side in one run:

1. **in-process**: the ASGI application called directly, in a closed loop, one request at a
   time, no socket and no server: microseconds per request. In a child process of its own,
   twice: with prometheus_client in-memory (`--workers 1`) and in multiprocess mode
   (PROMETHEUS_MULTIPROC_DIR set before the import: each increment goes to a memory-mapped
   file, as with several workers). The variants take turns, `--metrics-rounds` rounds of
   `--metrics-requests` requests each; the cost is the median of the differences between
   neighbouring rounds, so a machine whose load drifts during the run affects both alike.
2. **served**: two `hostolink serve --workers N` started side by side, one without the
   middleware, one with it, loaded in turn (off, on, off, on…) for `--duration` seconds each
   at `--connections` connections (wrk with `lua/directory.lua` on a list holding `/health`,
   or the asyncio client): requests per second, latency, and the server's CPU time per
   request, which moves less than req/s with the other work of a shared machine.

Every step is bounded in time; traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import common
from bench.common import (
    BENCH_DIR,
    ROOT,
    BenchError,
    CpuMeter,
    LoadResult,
    Server,
    choose_tool,
    log,
    progress,
    python_load,
    stop_server,
    terminate_as_interrupt,
    update_readme,
    validate,
    wrk_load,
)
from bench.summary import Row

GROUP = "metrics"
ROUTE = "/health"
LUA_SCRIPT = BENCH_DIR / "lua" / "directory.lua"  # GET requests rotating through a path list
OFFLINE_URL = "postgresql+asyncpg://hostolink@127.0.0.1:9/hostolink"  # /health needs no database

# ---------------------------------------------------------------------------- in-process


def _scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": ROUTE,
        "raw_path": ROUTE.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"user-agent", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }


async def _calls(app: Any, count: int) -> float:
    """Microseconds per request over `count` requests answered one after the other."""
    template = _scope()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise BenchError(f"{ROUTE} answered {message['status']}")

    began = time.perf_counter()
    for _ in range(count):
        await app({**template, "state": {}}, receive, send)
    return (time.perf_counter() - began) / count * 1e6


def inner(mode: str, rounds: int, requests: int) -> dict[str, Any]:
    """In the child process: both variants, in turns; microseconds per request per round."""
    from hostolink.app import create_app  # noqa: PLC0415 - after the environment is set
    from hostolink.config import Settings  # noqa: PLC0415
    from hostolink.metrics import multiprocess  # noqa: PLC0415

    data_dir = Path(tempfile.mkdtemp(prefix="hostolink-bench-metrics-"))
    apps = {
        variant: create_app(
            Settings.model_validate(
                {
                    "HOSTOLINK_ENV": "development",
                    "HOSTOLINK_DATA_DIR": str(data_dir),
                    "JWT_SECRET": "bench-" + "x" * 40,
                    "LOG_LEVEL": "WARNING",
                    "LOG_JSON": False,
                    "HOSTOLINK_METRICS": variant == "on",
                    "DATABASE_URL": OFFLINE_URL,
                    "REDIS_URL": None,
                }
            ),
            database_url=OFFLINE_URL,
        )
        for variant in ("off", "on")
    }

    async def measure() -> dict[str, list[float]]:
        for app in apps.values():  # warm-up: first calls build caches, import lazily
            await _calls(app, max(1000, requests))
        found: dict[str, list[float]] = {"off": [], "on": []}
        for turn in range(rounds):
            order = ("off", "on") if turn % 2 == 0 else ("on", "off")
            for variant in order:
                gc.collect()  # each round starts alike; the garbage of its own is its cost
                found[variant].append(round(await _calls(apps[variant], requests), 2))
        return found

    per_round = asyncio.run(measure())
    return {
        "mode": mode,
        "multiprocess_active": multiprocess.active(),
        "rounds": rounds,
        "requests_per_round": requests,
        "us_per_request": per_round,
    }


def in_process(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    with tempfile.TemporaryDirectory(prefix="hostolink-bench-prom-") as directory:
        if mode == "multiprocess":
            env["PROMETHEUS_MULTIPROC_DIR"] = directory
        argv = [sys.executable, "-m", "bench.metrics", "--inner", mode]
        argv += ["--metrics-rounds", str(args.metrics_rounds)]
        argv += ["--metrics-requests", str(args.metrics_requests)]
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
        )
    if done.returncode != 0:
        raise BenchError(f"in-process measure ({mode}) failed:\n{done.stderr[-2000:]}")
    raw: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    rounds = raw["us_per_request"]
    off, on = statistics.median(rounds["off"]), statistics.median(rounds["on"])
    # Each round of one variant is paired with the other's next to it: the median of the
    # differences leaves out what the machine's other work added to some rounds.
    paired = statistics.median(b - a for a, b in zip(rounds["off"], rounds["on"], strict=True))
    raw.update(off_us=round(off, 2), on_us=round(on, 2), overhead_us=round(paired, 2))
    raw["ratio"] = round((off + paired) / off, 3) if off else None
    return raw


# -------------------------------------------------------------------------------- served


async def _load(server: Server, args: argparse.Namespace, use_wrk: bool, seconds: float) -> Any:
    if use_wrk:
        return await wrk_load(
            port=server.port,
            script=LUA_SCRIPT,
            script_args=[str(server.tmp / "paths")],
            label=ROUTE,
            connections=args.connections,
            threads=args.threads,
            duration=seconds,
        )
    return await python_load(server.port, _Health(), args.connections, seconds)


class _Health:
    def raw(self, port: int) -> bytes:
        return f"GET {ROUTE} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


async def served(
    servers: dict[str, Server], args: argparse.Namespace, use_wrk: bool
) -> dict[str, Any]:
    for server in servers.values():
        (server.tmp / "paths").write_text(ROUTE + "\n")
        if args.warmup > 0:
            await _load(server, args, use_wrk, args.warmup)
    runs: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
    for turn in range(args.metrics_served_rounds):
        for variant in ("off", "on") if turn % 2 == 0 else ("on", "off"):
            server = servers[variant]
            meter = CpuMeter(server)
            before, began = meter.sample(), time.perf_counter()
            load: LoadResult = await _load(server, args, use_wrk, args.duration)
            elapsed = time.perf_counter() - began
            cpu = CpuMeter.percent(before, meter.sample(), elapsed)
            cores = os.cpu_count() or 1
            server_ms = 1000 * cpu.get("server", 0) / 100 * elapsed * cores
            runs[variant].append(
                {
                    "load": asdict(load),
                    "server_cpu_percent": cpu.get("server", 0),
                    "server_cpu_ms_per_request": round(server_ms / load.requests, 4)
                    if load.requests
                    else None,
                }
            )
            log(f"  {variant}: {load.rps:,.0f} req/s, p99 {load.p99_ms:.1f} ms")
    return {"runs": runs, **_served_figures(runs)}


def _served_figures(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for variant, found in runs.items():
        requests = sum(run["load"]["requests"] for run in found)
        seconds = sum(run["load"]["duration_s"] for run in found)
        cpu_ms = [
            run["server_cpu_ms_per_request"] for run in found if run["server_cpu_ms_per_request"]
        ]
        figures[variant] = {
            "rps": round(requests / seconds, 1) if seconds else 0.0,
            "p50_ms": statistics.median(run["load"]["p50_ms"] for run in found),
            "p99_ms": statistics.median(run["load"]["p99_ms"] for run in found),
            "cpu_ms_per_request": round(statistics.median(cpu_ms), 4) if cpu_ms else None,
            "errors": sum(
                run["load"]["non2xx"] + sum(run["load"]["errors"].values()) for run in found
            ),
        }
    off, on = figures["off"], figures["on"]
    figures["rps_ratio"] = round(on["rps"] / off["rps"], 3) if off["rps"] else None
    if off["cpu_ms_per_request"] and on["cpu_ms_per_request"]:
        figures["cpu_ratio"] = round(on["cpu_ms_per_request"] / off["cpu_ms_per_request"], 3)
        figures["cpu_overhead_us"] = round(
            1000 * (on["cpu_ms_per_request"] - off["cpu_ms_per_request"]), 1
        )
    return figures


# ------------------------------------------------------------------------------- results


def markdown_report(facts: dict[str, Any], document: dict[str, Any]) -> str:
    lines = [
        "| measure | without | with | with ÷ without | cost of the middleware |",
        "|---|---:|---:|---:|---:|",
    ]
    for raw in document.get("in_process", []):
        label = "in-process, " + (
            "multiprocess files" if raw["mode"] == "multiprocess" else "in-memory"
        )
        lines.append(
            f"| {label}: µs per `GET {ROUTE}` (medians of {raw['rounds']} rounds) | "
            f"{raw['off_us']:.1f} | {raw['on_us']:.1f} | {raw['ratio']:.3f} | "
            f"+{raw['overhead_us']:.1f} µs |"
        )
    result = document.get("served")
    if result:
        off, on = result["off"], result["on"]
        lines.append(
            f"| served, {facts['workers']} workers: req/s | {off['rps']:,.0f} | {on['rps']:,.0f} | "
            f"{result['rps_ratio']:.3f} | |"
        )
        lines.append(
            f"| served: p50 / p99 ms | {off['p50_ms']:.1f} / {off['p99_ms']:.1f} | "
            f"{on['p50_ms']:.1f} / {on['p99_ms']:.1f} | | |"
        )
        if result.get("cpu_ratio") is not None:
            lines.append(
                f"| served: server CPU ms per request | {off['cpu_ms_per_request']:.3f} | "
                f"{on['cpu_ms_per_request']:.3f} | {result['cpu_ratio']:.3f} | "
                f"+{result['cpu_overhead_us']:.0f} µs |"
            )
    notes = [
        f"date (UTC): {facts['date']}; revision {facts.get('hostolink_revision')}",
        f"machine: {facts['nproc']} cores, {facts['cpu_model']}; load average before the run "
        + " / ".join(str(v) for v in facts["load_average_before"]),
        f"served: {facts['connections']} connections, {facts['duration_s']:g} s per turn after "
        f"{facts['warmup_s']:g} s of warm-up, {facts.get('served_rounds')} turns each, "
        f"variants alternating; load generator {facts.get('wrk') or facts['load_generator']}",
        "in-process: the ASGI app called directly, one request at a time, variants "
        "alternating by rounds; the cost is the median difference between neighbouring "
        "rounds, the ratio (without + cost) ÷ without",
    ]
    return "\n".join(lines) + "\n\n" + "".join(f"- {note}\n" for note in notes)


def summary_rows(document: dict[str, Any]) -> list[Row]:
    """This group's rows of `python -m bench`'s summary table."""
    rows = [
        Row(
            GROUP,
            f"middleware in-process ({raw['mode']})",
            f"+{raw['overhead_us']:.1f} µs per request ({raw['off_us']:.1f} → "
            f"{raw['on_us']:.1f} µs, ×{raw['ratio']:.3f})",
        )
        for raw in document.get("in_process", [])
    ]
    result = document.get("served")
    if result:
        cpu = (
            f"; server CPU ×{result['cpu_ratio']:.3f}"
            if result.get("cpu_ratio") is not None
            else ""
        )
        rows.append(
            Row(
                GROUP,
                f"middleware served (GET {ROUTE})",
                f"{result['off']['rps']:,.0f} → {result['on']['rps']:,.0f} req/s "
                f"(×{result['rps_ratio']:.3f}){cpu}",
            )
        )
    return rows


def write_results(
    directory: Path, facts: dict[str, Any], document: dict[str, Any]
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.datetime.now(dt.UTC).date().isoformat()}-{GROUP}"
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    json_path.write_text(
        json.dumps({"facts": facts, **document}, indent=2, ensure_ascii=False) + "\n"
    )
    md_path.write_text(
        f"# Metrics middleware benchmark, {facts['date']}\n\n" + markdown_report(facts, document)
    )
    return json_path, md_path


# ---------------------------------------------------------------------------- entry point


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(GROUP)
    group.add_argument(
        "--metrics-rounds", type=int, default=41, help="in-process rounds, alternating (41)"
    )
    group.add_argument(
        "--metrics-requests", type=int, default=1000, help="in-process requests per round (1000)"
    )
    group.add_argument(
        "--metrics-served-rounds", type=int, default=4, help="served turns, alternating (4)"
    )
    group.add_argument("--no-served", action="store_true", help="in-process measures only")


def run(args: argparse.Namespace) -> int:
    servers: dict[str, Server] = {}
    facts: dict[str, Any] = {}
    document: dict[str, Any] = {"in_process": []}
    try:
        with terminate_as_interrupt():
            validate(args)
            for mode in ("single", "multiprocess"):
                with progress(f"metrics: in-process ({mode})") as step:
                    raw = in_process(mode, args)
                    document["in_process"].append(raw)
                    step.note = f"+{raw['overhead_us']:.1f} µs per request (×{raw['ratio']:.3f})"
            use_wrk = False if args.no_served else choose_tool(args.tool)
            if not args.no_served:
                for variant in ("off", "on"):
                    metrics = "true" if variant == "on" else "false"
                    servers[variant] = Server(args, {"HOSTOLINK_METRICS": metrics})
                    servers[variant].start()
                with progress(f"metrics: served, GET {ROUTE}") as step:
                    result = asyncio.run(served(servers, args, use_wrk))
                    document["served"] = result
                    step.note = f"req/s ×{result['rps_ratio']:.3f}"
            reference = servers.get("on")
            facts = (
                common.machine_facts(reference, args, "wrk" if use_wrk else "python-asyncio")
                if reference
                else _facts_without_server(args)
            )
            facts["served_rounds"] = args.metrics_served_rounds
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        for server in servers.values():
            stop_server(server, facts)
    report = markdown_report(facts, document)
    print(report)
    if not args.no_write:
        json_path, md_path = write_results(args.results_dir, facts, document)
        log(f"written {json_path} and {md_path}")
        if update_readme(GROUP, report):
            log("bench/README.md results section updated")
    return 0


def _facts_without_server(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
        "cpu_model": common.cpu_model(),
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "load_generator": "none",
        "hostolink_revision": common.git_revision(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    if raw[:1] == ["--inner"]:  # the child process of an in-process measure
        parser = argparse.ArgumentParser(prog="python -m bench.metrics --inner")
        parser.add_argument("--inner", choices=("single", "multiprocess"), required=True)
        add_arguments(parser)
        args = parser.parse_args(raw)
        print(json.dumps(inner(args.inner, args.metrics_rounds, args.metrics_requests)))
        return 0
    return common.run_alone(GROUP, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
