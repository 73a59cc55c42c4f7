"""Several API processes, one scrape: prometheus_client's multiprocess mode.

Each worker process writes its values to memory-mapped files of PROMETHEUS_MULTIPROC_DIR,
one set per pid, and `/metrics` (answered by whichever worker the connection landed on) adds
up every file. prometheus_client picks the mode once, when it is first imported, from the
environment: so `hostolink serve` prepares the directory before anything imports it, and
the workers (spawned, fresh interpreters) inherit the variable. The directory is emptied at
start: values of a previous run would otherwise be added to this one's.

When a worker exits, the Supervisor calls `process_exited(pid)`: its `live…` gauges (pool
use, open sockets) are removed, its counters and histograms stay (a counter must not go
back when a process dies, or every rate() would see a reset).

One process (`--workers 1`, the default outside Render) needs none of this: its own
registry is complete, and nothing is written to disk.

No module-level import of prometheus_client here, on purpose.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path

logger = logging.getLogger("hostolink.metrics")

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare(workers: int) -> Path | None:
    """Make PROMETHEUS_MULTIPROC_DIR ready for `workers` processes, before prometheus_client
    is imported; the directory, or None when one process needs none.

    A directory named in the environment is used (and emptied of its files); otherwise a
    temporary one is created, and removed when this process exits."""
    configured = os.environ.get(ENV)
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        for leftover in directory.glob("*.db"):
            leftover.unlink(missing_ok=True)
        return directory
    if workers < 2:
        return None
    directory = Path(tempfile.mkdtemp(prefix="hostolink-metrics-"))
    os.environ[ENV] = str(directory)
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def active() -> bool:
    """Whether this process writes its values to the shared directory: the variable was set
    when prometheus_client was first imported (it is never re-read afterwards)."""
    if not os.environ.get(ENV):
        return False
    from prometheus_client import values  # noqa: PLC0415 - see the module's doc

    return values.ValueClass is not values.MutexValue


def process_exited(pid: int) -> None:
    """A worker process is gone: drop its live gauges (no-op outside multiprocess mode)."""
    if not os.environ.get(ENV):
        return
    from prometheus_client import multiprocess  # noqa: PLC0415 - see the module's doc

    try:
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
    except OSError:  # the directory went away (shutdown): nothing left to clean
        logger.debug("metrics files of %s not removed", pid, exc_info=True)
