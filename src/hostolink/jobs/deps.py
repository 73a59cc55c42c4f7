"""The jobs' accessor: the process's worker (`app.state.worker`), for code given the
application (the back office wakes it after queueing a job)."""

from __future__ import annotations

from starlette.applications import Starlette

from hostolink.jobs.worker import Worker


def worker_of(app: Starlette) -> Worker:
    worker: Worker = app.state.worker
    return worker
