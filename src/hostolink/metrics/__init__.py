"""Prometheus metrics an operator watches (docs/supervision/README.md).

- the metric objects: hostolink.kit.metrics (incremented where each event happens);
- `http`: the ASGI middleware counting requests by route template;
- `pools`: the database pools' gauges, fed by SQLAlchemy's pool events;
- `collector`: what is read from the database at scrape time (job queue, deposits and
  withdrawals, reconciliation, the last ledger check), cached a few seconds;
- `endpoint`: `GET /metrics`, behind its token;
- `multiprocess`: the directory several worker processes share their values through.

This package imports nothing heavy at import time: `hostolink serve` reads `multiprocess`
before prometheus_client is first imported.
"""
