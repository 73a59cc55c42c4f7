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

logger = logging.getLogger("hostolink.server")
APP = "hostolink.app:create_app"
RESTART_PAUSE_SECONDS = 1.0


def _uvicorn_options(host: str, port: int) -> dict[str, Any]:
    return {
        "host": host,
        "port": port,
        "factory": True,
        "proxy_headers": True,
        "log_config": None,
        "access_log": False,
        "server_header": False,
    }


def run(host: str, port: int, workers: int) -> None:
    if workers == 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, workers=workers, **_uvicorn_options(host, port))
        return
    Supervisor(host, port, workers).run()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int) -> None:
    sock = _bind(host, port)
    server = uvicorn.Server(uvicorn.Config(APP, **_uvicorn_options(host, port)))
    server.run(sockets=[sock])


class Supervisor:
    """Starts the workers, restarts one that dies, stops them all on SIGINT/SIGTERM."""

    def __init__(self, host: str, port: int, workers: int) -> None:
        self.host, self.port, self.count = host, port, workers
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[Any] = []
        self.stopping = False

    def _start_one(self) -> Any:
        process = self.context.Process(target=_worker, args=(self.host, self.port), daemon=False)
        process.start()
        return process

    def _stop(self, _signum: int, _frame: object) -> None:
        self.stopping = True

    def run(self) -> None:
        # Bound once here first so that a port already in use fails loudly at start.
        _bind(self.host, self.port).close()
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.processes = [self._start_one() for _ in range(self.count)]
            while not self.stopping:
                time.sleep(0.2)
                for index, process in enumerate(self.processes):
                    if not process.is_alive() and not self.stopping:
                        logger.warning(
                            "worker %s exited (%s): restarting", process.pid, process.exitcode
                        )
                        time.sleep(RESTART_PAUSE_SECONDS)
                        self.processes[index] = self._start_one()
        finally:
            for process in self.processes:
                if process.is_alive():
                    process.terminate()  # SIGTERM: uvicorn finishes in-flight requests
            for process in self.processes:
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
