"""Running the API processes.

With several workers, uvicorn shares one listening socket between them, and a burst of
keep-alive connections (a load balancer's, or a benchmark's) lands mostly on whichever
process accepts first: we measured 50 connections split 50 + 1, one core idle. Where the
system offers SO_REUSEPORT (Linux, macOS), each worker here binds a socket of its own and
the kernel spreads new connections between them. Elsewhere (Windows) uvicorn's supervisor
is used as is.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from typing import Any

import uvicorn

from hostolink.metrics import multiprocess

logger = logging.getLogger("hostolink.server")
APP = "hostolink.app:create_app"
RESTART_PAUSE_SECONDS = 1.0
# After the drain, a worker's lifespan shutdown (job worker, pools, Redis) needs a moment.
SHUTDOWN_MARGIN_SECONDS = 5.0
# A worker that dies this soon after its start, this many times in a row, will not start.
EARLY_DEATH_SECONDS = 15.0
MAX_EARLY_DEATHS = 3


def _uvicorn_options(host: str, port: int, drain_seconds: float) -> dict[str, Any]:
    return {
        "host": host,
        "port": port,
        "factory": True,
        # The client's address behind proxies is middleware.ClientAddressMiddleware's job,
        # with the proxies the settings name; uvicorn's own rewriting (FORWARDED_ALLOW_IPS,
        # 127.0.0.1 by default) would run first and take a different entry.
        "proxy_headers": False,
        "log_config": None,
        "access_log": False,
        "server_header": False,
        # SIGTERM: stop accepting, let requests in flight finish for at most this long,
        # then close what is left (the app's shutdown hands unfinished jobs back).
        "timeout_graceful_shutdown": drain_seconds,
    }


def run(host: str, port: int, workers: int, *, drain_seconds: float = 20.0) -> bool:
    """Serve; False when the server could not start (or its workers keep dying)."""
    if workers == 1 or not hasattr(socket, "SO_REUSEPORT"):
        # uvicorn exits the process itself (code 3) when the app cannot start.
        uvicorn.run(APP, workers=workers, **_uvicorn_options(host, port, drain_seconds))
        return True
    return Supervisor(host, port, workers, drain_seconds=drain_seconds).run()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, drain_seconds: float) -> None:
    sock = _bind(host, port)
    server = uvicorn.Server(uvicorn.Config(APP, **_uvicorn_options(host, port, drain_seconds)))
    server.run(sockets=[sock])


class Supervisor:
    """Starts the workers, restarts one that dies, stops them all on SIGINT/SIGTERM."""

    def __init__(self, host: str, port: int, workers: int, *, drain_seconds: float) -> None:
        self.host, self.port, self.count = host, port, workers
        self.drain_seconds = drain_seconds
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[Any] = []
        self.stopping = False

    def _start_one(self) -> Any:
        process = self.context.Process(
            target=_worker, args=(self.host, self.port, self.drain_seconds), daemon=False
        )
        process.start()
        return process

    def _stop(self, _signum: int, _frame: object) -> None:
        self.stopping = True

    def run(self) -> bool:
        """Serve until SIGINT/SIGTERM (True), or give up (False) when workers keep dying
        right after they start: a configuration that cannot start must fail the deploy
        loudly rather than restart forever."""
        # Bound once here first so that a port already in use fails loudly at start.
        _bind(self.host, self.port).close()
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        early_deaths = 0
        try:
            self.processes = [self._start_one() for _ in range(self.count)]
            started = [time.monotonic()] * self.count
            while not self.stopping:
                time.sleep(0.2)
                for index, process in enumerate(self.processes):
                    if process.is_alive() or self.stopping:
                        continue
                    multiprocess.process_exited(process.pid)  # its live gauges go
                    early = time.monotonic() - started[index] < EARLY_DEATH_SECONDS
                    early_deaths = early_deaths + 1 if early else 0
                    if early_deaths >= MAX_EARLY_DEATHS:
                        logger.error(
                            "workers die as they start (%d times in a row, last exit code "
                            "%s): stopping instead of restarting them forever",
                            early_deaths,
                            process.exitcode,
                        )
                        return False
                    logger.warning(
                        "worker %s exited (%s): restarting", process.pid, process.exitcode
                    )
                    time.sleep(RESTART_PAUSE_SECONDS)
                    self.processes[index] = self._start_one()
                    started[index] = time.monotonic()
            return True
        finally:
            for process in self.processes:
                if process.is_alive():
                    process.terminate()  # SIGTERM: uvicorn finishes in-flight requests
            # uvicorn's drain of the requests, then the app's shutdown, where the jobs in
            # flight get a drain of their own before being handed back: two drains at
            # worst, then the pools close.
            deadline = time.monotonic() + 2 * self.drain_seconds + SHUTDOWN_MARGIN_SECONDS
            for process in self.processes:
                process.join(timeout=max(0.1, deadline - time.monotonic()))
                if process.is_alive():
                    logger.warning("worker %s still running after the drain: killed", process.pid)
                    process.kill()
                multiprocess.process_exited(process.pid)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
