"""The real server (`hostolink serve`, two worker processes, tests/crash/harness.py): every
worker's counts are in one scrape, whichever worker answers it; a worker killed and
restarted keeps its counts while its live gauges go (the Supervisor's mark_process_dead).

Which worker answered is read from the multiprocess files themselves (one set per pid, as
prometheus_client's own collector reads them), so the test knows both served without
relying on any header of ours."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict

from tests.crash.harness import Server, serving
from tests.metrics.helpers import Scrape, parse

ROUTE = "/health"
# Generous: the kernel spreads new connections over the two sockets; only a broken spread
# needs this many requests.
MAX_REQUESTS = 2000
DEADLINE_SECONDS = 60.0


@pytest.fixture
async def served(server_url: str, tmp_path: Path) -> AsyncIterator[tuple[Server, Path]]:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"\0" * 16)  # a previous run's
    multiprocess = {"PROMETHEUS_MULTIPROC_DIR": str(directory), "WEB_CONCURRENCY": "2"}
    name = f"hostolink_metrics_{os.getpid()}"
    async with serving(server_url, tmp_path, name, **multiprocess) as server:
        yield server, directory


def _route_counts(directory: Path) -> Counter[int]:
    """Requests to ROUTE counted by each pid, read from its counter file."""
    counts: Counter[int] = Counter()
    for path in directory.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        try:
            values = MmapedDict.read_all_values_from_file(str(path))
        except FileNotFoundError:
            continue
        for key, value, _, _ in values:
            _, sample, labels, _ = json.loads(key)
            if sample == "hostolink_http_requests_total" and labels.get("route") == ROUTE:
                counts[pid] += int(value)
    return counts


def _live_pids(directory: Path) -> set[int]:
    return {int(path.stem.split("_")[2]) for path in directory.glob("gauge_liveall_*.db")}


async def _scrape(server: Server) -> Scrape:
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return parse(response.text)


async def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.1)


class TestTwoWorkers:
    async def test_one_scrape_adds_up_every_worker(self, served: tuple[Server, Path]) -> None:
        server, directory = served
        assert not (directory / "counter_999999.db").exists()  # emptied at start
        assert server.process is not None
        parent = server.process.pid
        sent = 0
        # A new connection per request: the kernel spreads connections, not requests.
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=server.url, limits=limits) as client:
            while len(_route_counts(directory)) < 2:
                assert sent < MAX_REQUESTS, f"one worker answered all {sent}"
                for _ in range(10):
                    assert (await client.get(ROUTE)).status_code == 200
                    sent += 1
        # A request is counted once its answer has gone out: the last few may land in the
        # files a moment after the client read them.
        await _until(lambda: sum(_route_counts(directory).values()) == sent, "every count")
        per_worker = _route_counts(directory)
        assert parent not in per_worker
        assert sum(per_worker.values()) == sent

        seen = await _scrape(server)
        labels = {"method": "GET", "route": ROUTE, "status": "200"}
        assert seen.value("hostolink_http_requests_total", **labels) == sent
        assert (
            seen.value("hostolink_http_request_duration_seconds_count", method="GET", route=ROUTE)
            == sent
        )
        # Per process, one series each (liveall); the database's figures once, not per worker.
        workers = {
            labels["pid"] for labels, _ in seen.matching("hostolink_db_pool_size", pool="requests")
        }
        assert workers == {str(pid) for pid in per_worker}
        assert len(seen.matching("hostolink_metrics_database_up")) == 1
        assert seen.value("hostolink_metrics_database_up") == 1

        # One worker dies: the Supervisor restarts it and drops its live gauges; its counts
        # stay in the sum.
        victim = min(per_worker)
        os.kill(victim, signal.SIGKILL)
        await _until(lambda: victim not in _live_pids(directory), "the dead worker's gauges go")
        await _until(lambda: len(_live_pids(directory) - {parent}) == 2, "a new worker starts")
        after = await _scrape(server)
        assert after.value("hostolink_http_requests_total", **labels) == sent
        pids = {
            labels["pid"] for labels, _ in after.matching("hostolink_db_pool_size", pool="requests")
        }
        assert str(victim) not in pids
