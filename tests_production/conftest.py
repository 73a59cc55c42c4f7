"""The production stage (`.ci/production.sh`): one stack for the whole session, built from
the wheel. Not part of `python3 run.py test`: it needs Debian's nginx, PgBouncer, Redis and
PostgreSQL 15 server binaries, which only CI installs.

    HOSTOLINK_PRODUCTION_VENV=/path/to/venv .venv/bin/pytest tests_production

Without HOSTOLINK_PRODUCTION_VENV, the wheel is built and installed first
(.ci/build-wheel.sh, the Dockerfile's steps).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests_production.people import TALLY
from tests_production.stack import PG_BIN, ROOT, Stack, running_stack

_NEEDED = {
    "nginx": Path("/usr/sbin/nginx"),
    "pgbouncer": Path("/usr/sbin/pgbouncer"),
    "redis-server": Path(shutil.which("redis-server") or "/usr/bin/redis-server"),
    "PostgreSQL 15 (initdb)": PG_BIN / "initdb",
}
_STARTED = time.monotonic()


def _world_readable_dir(prefix: str) -> Path:
    # The stack runs as an unprivileged user: its folders cannot live under root's 0700
    # pytest temporary directory.
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def production_venv() -> Iterator[Path]:
    configured = os.environ.get("HOSTOLINK_PRODUCTION_VENV")
    if configured:
        yield Path(configured)
        return
    where = _world_readable_dir("hostolink-wheel-")
    subprocess.run(  # noqa: S603 - our own script
        ["/bin/bash", str(ROOT / ".ci" / "build-wheel.sh"), f"{where}/dist", f"{where}/venv"],
        check=True,
        # An interpreter the unprivileged user can run (see .ci/production.sh).
        env={**os.environ, "PYTHON": os.environ.get("PRODUCTION_PYTHON", "/usr/bin/python3.11")},
    )
    yield where / "venv"
    shutil.rmtree(where, ignore_errors=True)


@pytest.fixture(scope="session")
def stack(production_venv: Path) -> Iterator[Stack]:
    missing = [name for name, path in _NEEDED.items() if not path.exists()]
    if missing:
        pytest.fail(
            "the production stage needs Debian's packages: missing "
            + ", ".join(missing)
            + " (apt-get install nginx-light pgbouncer redis-server postgresql-15)"
        )
    workdir = _world_readable_dir("hostolink-production-")
    try:
        with running_stack(production_venv, workdir) as running:
            yield running
    finally:
        if os.environ.get("HOSTOLINK_KEEP_PRODUCTION_LOGS"):
            print(f"\nproduction stack folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    total = sum(TALLY.statuses.values())
    if not total:
        return
    by_class = {
        f"{hundreds}xx": sum(n for status, n in TALLY.statuses.items() if status // 100 == hundreds)
        for hundreds in (2, 3, 4, 5)
    }
    terminalreporter.write_sep("=", "production stage figures")
    terminalreporter.write_line(
        f"{total} HTTP answers received by the stage's own clients in "
        f"{time.monotonic() - _STARTED:.0f} s: "
        + ", ".join(f"{name} {count}" for name, count in by_class.items())
    )
    terminalreporter.write_line(
        "by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(TALLY.statuses.items()))
    )
    for line in TALLY.server_errors[:20]:
        terminalreporter.write_line(f"  server error: {line}")
