"""`python -m bench.floor --port P --workers N`: the floor served as `hostolink serve` serves
ours: uvicorn (uvloop, httptools, no access log) in N worker processes, each with its own
`SO_REUSEPORT` socket on the same port. SIGTERM or SIGINT stops the workers.

Environment: FLOOR_DATABASE_URL (a plain libpq URL of the bench's database) and JWT_SECRET.
"""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import time
from types import FrameType

HOST = "127.0.0.1"


def serve_one(port: int) -> None:
    import uvicorn  # noqa: PLC0415 - only in the workers

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((HOST, port))
    config = uvicorn.Config(
        "bench.floor.app:app",
        host=HOST,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_config=None,
        server_header=False,
        proxy_headers=False,
    )
    uvicorn.Server(config).run(sockets=[sock])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        serve_one(args.port)
        return 0
    argv = [sys.executable, "-m", "bench.floor", "--port", str(args.port), "--one"]
    workers = [subprocess.Popen(argv) for _ in range(args.workers)]  # noqa: S603 - ourselves
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping and all(worker.poll() is None for worker in workers):
        time.sleep(0.2)
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
