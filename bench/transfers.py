"""Transfer benchmark: sustained wallet transfers over HTTP, the ledger checked afterwards, and
pgbench's tpcb-like transaction on the same PostgreSQL server as the database's own ceiling.

What one run does (every step bounded in time; traffic goes to 127.0.0.1 only):

1. starts `hostolink serve` as the onboarding group does (`bench.common.Server`), with PIN
   tokens valid 900 s and access tokens 1 h, so that no token expires during the run;
2. seeds `--users` verified users through the public API, creates an administrator with
   `hostolink create-admin`, credits every user's wallet with `--funding` F CFA
   (`POST /api/admin/comptes/{numero}/ajustements`) and gets each user a PIN token
   (`POST /api/portefeuille/jeton-pin`);
3. runs `POST /api/transferts` for `--duration` seconds at `--connections` connections
   (`lua/transfers.lua` under wrk, or the asyncio client): random amounts of 1 to
   `--amount-max` F from each user in turn to another (`--recipients`), a unique
   Idempotency-Key each, while watching CPU, `/health` and PostgreSQL's counters;
4. checks the money: `hostolink ledger verify`, the conservation of the users' total
   (transfers move money between users; only fees leave it), and that every 201 answered
   is one transfer in the database;
5. with the API idle, runs `pgbench -b tpcb-like` on a scratch database of the same
   PostgreSQL server (then drops it): a bank-transfer-shaped transaction with no HTTP, no
   Python and no checks, the ceiling the API's transfers are compared with;
6. prints a table and, last, one line
   `transfers/s=… p50_ms=… p99_ms=… tpcb_tps=… ratio=… violations=…`, and writes
   `bench/results/<date>-transfers.json` and `.md` (and the README's results section).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import re
import resource
import secrets
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx

from bench import common, openloop, system_accounts
from bench.common import (
    BENCH_DIR,
    HOST,
    REQUEST_TIMEOUT_S,
    BenchError,
    CpuMeter,
    LoadResult,
    MachineCpu,
    SeededUser,
    Server,
    admin_execute,
    choose_tool,
    command_output,
    connections_per_process,
    database_activity,
    expect,
    health_probe,
    later,
    log,
    pg_counters,
    pg_work_per,
    plain_postgres_url,
    progress,
    py_spy_profile,
    python_load,
    seed_users,
    settle_database,
    stop_server,
    terminate_as_interrupt,
    update_readme,
    validate,
    wait_events,
    wrk_load,
)

GROUP = "transfers"
LUA_SCRIPT = BENCH_DIR / "lua" / "transfers.lua"
ADMIN_IDENTIFIER = "admin@bench.example"  # `.local` is refused: a special-use name
PIN_TOKEN_TTL_S = 900  # the server's maximum
ACCESS_TOKEN_TTL_S = 3600
TARGET = {"transfers_per_s": 1000.0, "ratio": 0.33, "p99_ms": 100.0, "violations": 0}
TPS_RE = re.compile(r"^tps = ([\d.]+) \(without initial connection time\)", re.MULTILINE)
LATENCY_RE = re.compile(r"^latency average = ([\d.]+) ms", re.MULTILINE)
PROCESSED_RE = re.compile(r"^number of transactions actually processed: (\d+)", re.MULTILINE)
GAP_RE = re.compile(r"^ÉCART — (.+?) : (\d+)$", re.MULTILINE)
RECIPIENTS = {
    "spread": "half-way round the list from the sender (transfers in flight lock distinct "
    "accounts)",
    "random": "any other user at random (transfers in flight sometimes share an account)",
}
SNAPSHOT_SQL = """
    SELECT (SELECT coalesce(sum(solde), 0) FROM compte WHERE type_compte <> 'systeme') AS users,
           (SELECT count(*) FROM "transaction" WHERE type_transaction = 'transfert') AS transfers,
           (SELECT coalesce(sum(frais), 0) FROM "transaction"
             WHERE type_transaction = 'transfert') AS fees"""


@dataclass
class Wallet:
    """A seeded user with a funded wallet and a PIN token."""

    phone: str
    token: str
    account: str
    pin_token: str = ""


@dataclass(frozen=True)
class Snapshot:
    users_total: int  # sum of the balances outside system accounts
    transfers: int
    fees: int


@dataclass
class MoneyCheck:
    ledger_exit_code: int
    ledger_output: list[str]
    ledger_problem_rows: dict[str, int]
    funded_total: int
    users_total_before_funding: int
    users_total_after: int
    fees_total: int
    conservation_gap: int  # after + fees − (before funding + funded): 0 when conserved
    answered_201: int
    committed: int  # transfers in the database from the measured phase
    count_slack: int  # committed − answered may reach this (requests cut at wrk's stop)
    violations: int = 0


@dataclass
class PgbenchResult:
    version: str
    scale: int
    clients: int
    threads: int
    duration_s: float
    tps: float
    latency_ms: float
    transactions: int
    init_s: float
    cpu_percent: dict[str, float] = field(default_factory=dict)


@dataclass
class TransfersResult:
    load: LoadResult
    transfers_per_s: float
    answered: dict[str, int]  # 201, 4xx, 5xx, socket errors
    cpu_percent: dict[str, float] = field(default_factory=dict)
    server_process_cores: list[float] = field(default_factory=list)
    client_connections_per_process: list[int] = field(default_factory=list)
    health_probe_ms: dict[str, float] = field(default_factory=dict)
    db_connections_mid_load: dict[str, int] = field(default_factory=dict)
    cpu_ms_per_transfer: float = 0.0
    cpu_bound_ceiling_per_s: int = 0
    profile: dict[str, Any] = field(default_factory=dict)
    pg_work_per_transfer: dict[str, dict[str, float]] = field(default_factory=dict)
    machine_cpu: dict[str, float] = field(default_factory=dict)
    db_wait_events: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    transfers: TransfersResult
    money: MoneyCheck
    pgbench: PgbenchResult | None
    ratio: float | None
    met: dict[str, bool]
    system: system_accounts.SystemAccountsResult | None = None


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The transfer group's own options (the shared ones are `bench.common`'s)."""
    group = parser.add_argument_group(GROUP)
    group.add_argument(
        "--funding", type=int, default=100_000, help="F CFA credited to each user (100000)"
    )
    group.add_argument(
        "--amount-max", type=int, default=20, help="transfers send 1 to N F CFA (20)"
    )
    group.add_argument(
        "--recipients",
        choices=("spread", "random"),
        default="spread",
        help="spread: each sender pays the user half-way round the list, so the transfers in "
        "flight lock distinct accounts when --users ≥ 2 × --connections; random: any other "
        "user, so transfers sometimes queue on one account's lock (spread)",
    )
    group.add_argument("--pgbench-scale", type=int, default=16, help="pgbench -i -s (16)")
    group.add_argument("--pgbench-clients", type=int, default=16, help="pgbench -c (16)")
    group.add_argument("--pgbench-threads", type=int, default=2, help="pgbench -j (2)")
    group.add_argument(
        "--pgbench-duration", type=float, default=None, help="pgbench -T (--duration)"
    )
    group.add_argument("--no-pgbench", action="store_true", help="skip the pgbench ceiling")
    group.add_argument(
        "--py-spy",
        type=float,
        default=0.0,
        metavar="S",
        help="record the busiest API worker with py-spy for S seconds of the measured load "
        "(0: off; needs py-spy beside the Python running the bench, or on PATH)",
    )


def _validate(args: argparse.Namespace) -> None:
    validate(args)
    if args.users < 2:
        raise BenchError("--users must be at least 2: a transfer needs a recipient")
    if not 1 <= args.amount_max <= 1000:
        raise BenchError("--amount-max must be in [1, 1000]")
    # Tier 0 (every seeded user): balance ≤ 200,000, ≤ 100,000 sent a day.
    if not args.amount_max <= args.funding <= 150_000:
        raise BenchError("--funding must be in [--amount-max, 150000] (tier-0 balance limit)")
    if not 1 <= args.pgbench_scale <= 1000 or not 1 <= args.pgbench_clients <= 200:
        raise BenchError("--pgbench-scale must be in [1, 1000], --pgbench-clients in [1, 200]")
    if args.pgbench_duration is not None and not 0 < args.pgbench_duration <= 600:
        raise BenchError("--pgbench-duration must be in (0, 600] seconds")
    if args.py_spy and args.py_spy > args.duration - 2:
        raise BenchError("--py-spy must leave 2 s of the measured --duration around it")


# --------------------------------------------------------------------------------------------
# Setting up: an administrator, funded wallets, PIN tokens
# --------------------------------------------------------------------------------------------


def create_admin(server: Server, password: str) -> None:
    done = server.cli(
        "create-admin",
        "--identifier",
        ADMIN_IDENTIFIER,
        env={"HOSTOLINK_ADMIN_PASSWORD": password},
    )
    if done.returncode != 0:
        raise BenchError(
            f"`hostolink create-admin` failed:\n{(done.stderr or done.stdout)[-2000:]}"
        )


async def fund_wallets(
    server: Server, users: list[SeededUser], funding: int, concurrency: int = 8
) -> tuple[list[Wallet], int]:
    """Each user's account number, a credit of `funding`, a PIN token. Returns the wallets
    and the total credited."""
    password = f"Bench-Admin-{secrets.token_hex(8)}"
    await asyncio.to_thread(create_admin, server, password)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    wallets: list[Wallet] = []
    started = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=server.base_url, timeout=REQUEST_TIMEOUT_S * 3, limits=limits
    ) as client:
        login = await expect(
            await client.post(
                "/api/auth/login", json={"identifier": ADMIN_IDENTIFIER, "password": password}
            ),
            (200,),
            "administrator login",
        )
        admin_headers = {"Authorization": f"Bearer {login['token']}"}

        async def fund(user: SeededUser) -> None:
            headers = {"Authorization": f"Bearer {user.token}"}
            async with gate:
                me = await expect(
                    await client.get("/api/user/me", headers=headers), (200,), "GET /api/user/me"
                )
                account = str(me["data"]["compte"]["numero_compte"])
                await expect(
                    await client.post(
                        f"/api/admin/comptes/{account}/ajustements",
                        json={
                            "sens": "credit",
                            "montant": funding,
                            "motif": "Approvisionnement bench",
                        },
                        headers=admin_headers,
                    ),
                    (200,),
                    f"crediting {account}",
                )
                wallet = Wallet(user.identifier, user.token, account)
                wallets.append(wallet)
                pin = await expect(
                    await client.post(
                        "/api/portefeuille/jeton-pin", json={"pin": user.password}, headers=headers
                    ),
                    (200,),
                    "POST /api/portefeuille/jeton-pin",
                )
                wallet.pin_token = str(pin["jeton_pin"])

        await asyncio.gather(*(fund(user) for user in users))
    log(
        f"{len(wallets)} wallets credited with {funding:,} F and given a PIN token "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return wallets, funding * len(wallets)


async def snapshot(server: Server) -> Snapshot:
    url = server.app_database_url()
    if url is None:
        raise BenchError("cannot locate the application database")
    connection = await asyncpg.connect(url, timeout=15)
    try:
        row = await connection.fetchrow(SNAPSHOT_SQL)
    finally:
        await connection.close()
    assert row is not None
    return Snapshot(int(row["users"]), int(row["transfers"]), int(row["fees"]))


# --------------------------------------------------------------------------------------------
# The load: wrk with lua/transfers.lua, or the asyncio client
# --------------------------------------------------------------------------------------------


class TransferSource:
    """The asyncio client's requests, the same as the Lua script's."""

    def __init__(
        self, wallets: list[Wallet], run_key: str, amount_max: int, *, spread: bool
    ) -> None:
        self.wallets = wallets
        self.spread = spread
        self.run_key = run_key
        self.amount_max = amount_max
        self.cursor = 0
        self.counter = 0
        self.random = random.Random(run_key)

    def raw(self, port: int) -> bytes:
        n = len(self.wallets)
        self.cursor = (self.cursor + 1) % n
        sender = self.wallets[self.cursor]
        offset = n // 2 if self.spread else self.random.randint(1, n - 1)
        recipient = self.wallets[(self.cursor + offset) % n]
        self.counter += 1
        body = json.dumps(
            {"destinataire": recipient.phone, "montant": self.random.randint(1, self.amount_max)}
        ).encode()
        lines = [
            "POST /api/transferts HTTP/1.1",
            f"Host: {HOST}:{port}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            f"Authorization: Bearer {sender.token}",
            f"X-Jeton-Pin: {sender.pin_token}",
            f"Idempotency-Key: {self.run_key}-py-{self.counter}",
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Bench:
    def __init__(
        self, server: Server, wallets: list[Wallet], args: argparse.Namespace, use_wrk: bool
    ) -> None:
        self.server = server
        self.wallets = wallets
        self.args = args
        self.use_wrk = use_wrk
        self.meter = CpuMeter(server)
        self.phase = 0
        self.nonce = secrets.token_hex(3)
        self.data_file = server.tmp / "wallets.tsv"
        self.data_file.write_text(
            "".join(f"{w.phone}\t{w.token}\t{w.pin_token}\n" for w in wallets)
        )

    def _run_key(self) -> str:
        self.phase += 1
        return f"bench-{self.nonce}-{self.phase}"

    async def _load(self, duration: float) -> LoadResult:
        run_key = self._run_key()
        if self.use_wrk:
            return await wrk_load(
                port=self.server.port,
                script=LUA_SCRIPT,
                script_args=[
                    str(self.data_file),
                    run_key,
                    str(self.args.amount_max),
                    self.args.recipients,
                ],
                label=GROUP,
                connections=self.args.connections,
                threads=self.args.threads,
                duration=duration,
            )
        source = TransferSource(
            self.wallets, run_key, self.args.amount_max, spread=self.args.recipients == "spread"
        )
        return await python_load(self.server.port, source, self.args.connections, duration)

    async def smoke(self) -> None:
        """One transfer first: a refusal is reported in words, not as a 4xx count."""
        sender, recipient = self.wallets[0], self.wallets[1]
        headers = {
            "Authorization": f"Bearer {sender.token}",
            "X-Jeton-Pin": sender.pin_token,
            "Idempotency-Key": self._run_key(),
        }
        async with httpx.AsyncClient(base_url=self.server.base_url, timeout=30) as client:
            answer = await client.post(
                "/api/transferts",
                json={"destinataire": recipient.phone, "montant": 1},
                headers=headers,
            )
        if answer.status_code != 201:
            raise BenchError(f"POST /api/transferts answered {answer.status_code}: {answer.text}")

    async def prepare(self) -> None:
        await settle_database(self.server)
        await self.smoke()
        if self.args.warmup > 0:
            await self._load(self.args.warmup)
        await asyncio.sleep(1.0)  # answers cut at wrk's stop: let their transactions end

    async def measure(self) -> TransfersResult:
        half = self.args.duration / 2
        stop = asyncio.Event()
        probe = asyncio.create_task(health_probe(self.server.base_url, stop))
        activity = asyncio.create_task(database_activity(self.server, half))
        waits = asyncio.create_task(
            wait_events(self.server, 1.0, max(1.0, self.args.duration - 2.0))
        )
        spread = asyncio.create_task(later(half, connections_per_process, self.server))
        profile = (
            asyncio.create_task(
                py_spy_profile(
                    self.meter,
                    delay=min(1.5, self.args.duration - self.args.py_spy - 0.5),
                    seconds=self.args.py_spy,
                    output=self.server.tmp / "py-spy.txt",
                )
            )
            if self.args.py_spy
            else None
        )
        counters_before = await pg_counters(self.server)
        before, children_before = self.meter.sample(), _children_cpu_s()
        machine_before = MachineCpu.sample()
        began = time.perf_counter()
        try:
            load = await self._load(self.args.duration)
        finally:
            elapsed = time.perf_counter() - began
            after, children_after = self.meter.sample(), _children_cpu_s()
            machine = MachineCpu.shares(machine_before, MachineCpu.sample())
            stop.set()
            probe_ms = await probe
            connections = await activity
            waited = await waits
            per_worker = await spread
            profiled = await profile if profile is not None else {}
        await asyncio.sleep(1.0)  # answers cut at wrk's stop: let their transactions end
        counters_after = await pg_counters(self.server)
        pg_work = pg_work_per(counters_before, counters_after, ("table transaction", "n_tup_ins"))
        cores = os.cpu_count() or 1
        cpu = CpuMeter.percent(before, after, elapsed)
        spent_s = (cpu.get("server", 0) + cpu.get("postgres", 0)) / 100 * elapsed * cores
        if self.use_wrk:
            label = "load generator" + (" + py-spy" if profile is not None else "")
            cpu[label] = round(100 * (children_after - children_before) / elapsed / cores, 1)
        answered = self._answered(load)
        per_s = answered["201"] / load.duration_s if load.duration_s else 0.0
        cpu_ms = 1000 * spent_s / answered["201"] if answered["201"] else 0.0
        return TransfersResult(
            load=load,
            transfers_per_s=round(per_s, 1),
            answered=answered,
            cpu_percent=cpu,
            server_process_cores=CpuMeter.server_processes(before, after, elapsed),
            client_connections_per_process=per_worker,
            health_probe_ms=probe_ms,
            db_connections_mid_load=connections,
            cpu_ms_per_transfer=round(cpu_ms, 2),
            cpu_bound_ceiling_per_s=round(1000 * cores / cpu_ms) if cpu_ms else 0,
            profile=profiled,
            pg_work_per_transfer=pg_work,
            machine_cpu=machine,
            db_wait_events=waited,
        )

    @staticmethod
    def _answered(load: LoadResult) -> dict[str, int]:
        counts = {"201": 0, "other 2xx": 0, "4xx": 0, "5xx": 0}
        for status, n in load.statuses.items():
            code = int(status)
            if code == 201:
                counts["201"] += n
            elif 200 <= code < 300:
                counts["other 2xx"] += n
            elif 400 <= code < 500:
                counts["4xx"] += n
            else:
                counts["5xx"] += n
        counts["socket errors"] = sum(load.errors.values())
        return counts


# --------------------------------------------------------------------------------------------
# The money afterwards: ledger verify, conservation, one transfer per 201
# --------------------------------------------------------------------------------------------


def ledger_verify(server: Server) -> tuple[int, list[str], dict[str, int]]:
    done = server.cli("ledger", "verify", timeout=300)
    lines = (done.stdout or "").splitlines()
    gaps = {name: int(n) for name, n in GAP_RE.findall(done.stdout or "")}
    if done.returncode not in (0, 1):
        raise BenchError(
            f"`hostolink ledger verify` failed:\n{(done.stderr or done.stdout)[-2000:]}"
        )
    return done.returncode, lines, gaps


def check_money(
    server: Server,
    *,
    funded: int,
    before_funding: Snapshot,
    before_load: Snapshot,
    after: Snapshot,
    result: TransfersResult,
    connections: int,
) -> MoneyCheck:
    code, lines, gaps = ledger_verify(server)
    gap = after.users_total + after.fees - (before_funding.users_total + funded)
    committed = after.transfers - before_load.transfers
    answered = result.answered["201"]
    # wrk stops with up to one request in flight per connection: the server commits those
    # transfers but wrk never counts their answers; a timed-out request may commit too.
    slack = connections + result.answered["socket errors"]
    check = MoneyCheck(
        ledger_exit_code=code,
        ledger_output=lines,
        ledger_problem_rows=gaps,
        funded_total=funded,
        users_total_before_funding=before_funding.users_total,
        users_total_after=after.users_total,
        fees_total=after.fees,
        conservation_gap=gap,
        answered_201=answered,
        committed=committed,
        count_slack=slack,
    )
    ledger_rows = sum(gaps.values()) or (1 if code != 0 else 0)
    check.violations = ledger_rows + (gap != 0) + (not 0 <= committed - answered <= slack)
    return check


# --------------------------------------------------------------------------------------------
# pgbench tpcb-like on the same PostgreSQL server, API idle
# --------------------------------------------------------------------------------------------


def postgres_target(server: Server) -> tuple[str, dict[str, str]]:
    """The maintenance database's URL (to create and drop the scratch database) and the
    libpq environment pgbench connects with."""
    if server.admin_url:
        url = plain_postgres_url(server.admin_url)
        parts = urlsplit(url)
        env = {
            "PGHOST": parts.hostname or HOST,
            "PGPORT": str(parts.port or 5432),
            "PGUSER": parts.username or "postgres",
        }
        if parts.password:
            env["PGPASSWORD"] = parts.password
        return url, env
    try:
        lines = (server.data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()
    except OSError as exc:
        raise BenchError(f"the embedded PostgreSQL's pid file is unreadable: {exc}") from exc
    port, socket_dir = lines[3].strip(), lines[4].strip()  # see Server.activity_url
    url = f"postgresql://postgres@/postgres?host={socket_dir}&port={port}"
    return url, {"PGHOST": socket_dir, "PGPORT": port, "PGUSER": "postgres"}


async def _pgbench(argv: list[str], env: dict[str, str], limit_s: float) -> str:
    process = await asyncio.create_subprocess_exec(
        "pgbench",
        *argv,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), limit_s)
    except TimeoutError:
        raise BenchError(f"pgbench {' '.join(argv)} did not finish in {limit_s:.0f} s") from None
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = out.decode(errors="replace")
    if process.returncode != 0:
        raise BenchError(f"pgbench {' '.join(argv)} failed ({process.returncode}):\n{text[-2000:]}")
    return text


async def _postgres_share(meter: CpuMeter, database: str, seconds: float) -> float:
    """PostgreSQL's share of the machine inside the run: pgbench's backends end with it, and
    a process that has exited no longer shows its CPU time."""
    await asyncio.sleep(min(1.0, seconds / 4))
    before, began = meter.sample(database), time.perf_counter()
    await asyncio.sleep(max(0.5, seconds / 2))
    after = meter.sample(database)
    return CpuMeter.percent(before, after, time.perf_counter() - began).get("postgres", 0.0)


async def pgbench_ceiling(server: Server, args: argparse.Namespace) -> PgbenchResult:
    url, env = postgres_target(server)
    name = f"hostolink_pgbench_{secrets.token_hex(4)}"
    duration = args.pgbench_duration or args.duration
    meter = CpuMeter(server)
    await admin_execute(url, f'CREATE DATABASE "{name}"')
    try:
        log(f"pgbench -i -s {args.pgbench_scale} on the scratch database {name}")
        began = time.perf_counter()
        await _pgbench(["-i", "-q", "-s", str(args.pgbench_scale), name], env, 900)
        init_s = time.perf_counter() - began
        clients, threads = args.pgbench_clients, min(args.pgbench_threads, args.pgbench_clients)
        log(f"pgbench -b tpcb-like -c {clients} -j {threads} -T {duration:g} -n (API idle)")
        seconds = max(1, round(duration))
        children_before = _children_cpu_s()
        began = time.perf_counter()
        argv = ["-b", "tpcb-like", "-c", str(clients), "-j", str(threads), "-T", str(seconds)]
        text, postgres_share = await asyncio.gather(
            _pgbench([*argv, "-n", name], env, 120 + seconds),
            _postgres_share(meter, name, seconds),
        )
        elapsed = time.perf_counter() - began
        children_after = _children_cpu_s()
    finally:
        with contextlib.suppress(Exception):
            await admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            log(f"scratch database {name} dropped")
    tps = TPS_RE.search(text)
    if tps is None:
        raise BenchError(f"no `tps = … (without initial connection time)` in:\n{text[-2000:]}")
    latency, processed = LATENCY_RE.search(text), PROCESSED_RE.search(text)
    cores = os.cpu_count() or 1
    cpu = {"postgres": postgres_share}
    cpu["pgbench"] = round(100 * (children_after - children_before) / elapsed / cores, 1)
    return PgbenchResult(
        version=" ".join(command_output(["pgbench", "--version"]).split()[1:3]),
        scale=args.pgbench_scale,
        clients=clients,
        threads=threads,
        duration_s=round(elapsed, 2),
        tps=round(float(tps.group(1)), 1),
        latency_ms=float(latency.group(1)) if latency else 0.0,
        transactions=int(processed.group(1)) if processed else 0,
        init_s=round(init_s, 1),
        cpu_percent=cpu,
    )


# --------------------------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------------------------


async def run_bench(
    server: Server, users: list[SeededUser], args: argparse.Namespace, use_wrk: bool
) -> Outcome:
    before_funding = await snapshot(server)
    wallets, funded = await fund_wallets(server, users, args.funding)
    wallets = [wallet for wallet in wallets if wallet.pin_token]
    if len(wallets) < 2:
        raise BenchError("fewer than two funded wallets with a PIN token")
    bench = Bench(server, wallets, args, use_wrk)
    with progress("transfers: wallet transfers") as step:
        log(f"transfers: {args.duration:g} s at {args.connections} connections")
        await bench.prepare()
        before_load = await snapshot(server)
        result = await bench.measure()
        load = result.load
        log(
            f"  {result.transfers_per_s:,.1f} transfers/s, p50 {load.p50_ms:.1f} ms, "
            f"p99 {load.p99_ms:.1f} ms, answers {result.answered}"
        )
        step.note = f"{result.transfers_per_s:,.0f} transfers/s, p99 {load.p99_ms:.0f} ms"
    after = await snapshot(server)
    money = await asyncio.to_thread(
        lambda: check_money(
            server,
            funded=funded,
            before_funding=before_funding,
            before_load=before_load,
            after=after,
            result=result,
            connections=args.connections,
        )
    )
    log(f"ledger verify: exit {money.ledger_exit_code}; violations {money.violations}")
    with progress("transfers: wallet transfers at a fixed rate (open loop)") as step:
        source = TransferSource(
            wallets, bench._run_key(), args.amount_max, spread=args.recipients == "spread"
        )
        await openloop.fixed_rate_after(result.load, server.port, source, args, step)
    with progress("transfers: system accounts (fees, one clearing account)"):
        accounts = [wallet.account for wallet in wallets]
        system = await system_accounts.measure(server, bench, args, accounts)
        system.ledger_exit_code = (await asyncio.to_thread(ledger_verify, server))[0]
    pgbench: PgbenchResult | None = None
    if args.no_pgbench:
        log("pgbench skipped (--no-pgbench)")
    elif shutil.which("pgbench") is None:
        log("pgbench is not installed (Debian: `apt-get install -y postgresql-client`); skipped")
    else:
        with progress("transfers: pgbench TPC-B ceiling") as step:
            await settle_database(server)
            pgbench = await pgbench_ceiling(server, args)
            log(f"  pgbench tpcb-like: {pgbench.tps:,.1f} TPS, latency {pgbench.latency_ms} ms")
            step.note = f"{pgbench.tps:,.0f} TPS"
    ratio = round(result.transfers_per_s / pgbench.tps, 3) if pgbench and pgbench.tps else None
    met = {
        "transfers_per_s": result.transfers_per_s >= TARGET["transfers_per_s"],
        "ratio": ratio is not None and ratio >= TARGET["ratio"],
        "p99_ms": load.p99_ms < TARGET["p99_ms"],
        "violations": money.violations == TARGET["violations"],
    }
    return Outcome(result, money, pgbench, ratio, met, system)


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def final_line(outcome: Outcome) -> str:
    load = outcome.transfers.load
    tpcb = f"{outcome.pgbench.tps:.0f}" if outcome.pgbench else "n/a"
    ratio = f"{outcome.ratio:.2f}" if outcome.ratio is not None else "n/a"
    return (
        f"transfers/s={outcome.transfers.transfers_per_s:.0f} p50_ms={load.p50_ms:.1f} "
        f"p99_ms={load.p99_ms:.1f} tpcb_tps={tpcb} ratio={ratio} "
        f"violations={outcome.money.violations}"
    )


def _row(label: str, value: str, target: str = "", ok: bool | None = None) -> str:
    return f"| {label} | {value} | {target} | {'' if ok is None else ('yes' if ok else 'NO')} |"


def results_table(outcome: Outcome) -> str:
    result, pg, met = outcome.transfers, outcome.pgbench, outcome.met
    load, cpu, answered = result.load, result.cpu_percent, result.answered
    probe, machine = result.health_probe_ms, result.machine_cpu
    generator = next((v for k, v in cpu.items() if k.startswith("load generator")), None)
    ratio = f"{outcome.ratio:.2f}" if outcome.ratio is not None else "n/a"
    rows = [
        "| measure | value | target | met |",
        "|---|---:|---:|:-:|",
        _row(
            "transfers/s (201 answers)",
            f"{result.transfers_per_s:,.0f}",
            "≥ 1,000",
            met["transfers_per_s"],
        ),
        _row(
            "p50 / p99 latency",
            f"{load.p50_ms:.1f} / {load.p99_ms:.1f} ms",
            "p99 < 100 ms",
            met["p99_ms"],
        ),
        _row(
            f"pgbench tpcb-like TPS, {pg.clients} clients, scale {pg.scale}" if pg else "pgbench",
            f"{pg.tps:,.0f} (latency {pg.latency_ms:.1f} ms)" if pg else "not run",
        ),
        _row("ratio transfers/s ÷ tpcb TPS", ratio, "≥ 0.33", met["ratio"]),
        _row("violations", str(outcome.money.violations), "0", met["violations"]),
        _row(
            "answers 201 / 4xx / 5xx / socket errors",
            " / ".join(f"{answered[k]:,}" for k in ("201", "4xx", "5xx", "socket errors")),
        ),
        _row(
            "CPU during transfers: API / PostgreSQL / load generator",
            f"{cpu.get('server', 0):.0f} % / {cpu.get('postgres', 0):.0f} % / "
            + (f"{generator:.0f} %" if generator is not None else "(in the bench process)"),
        ),
        _row(
            "whole machine during transfers: busy / idle / iowait",
            f"{100 - machine.get('idle', 0) - machine.get('iowait', 0):.0f} % / "
            f"{machine.get('idle', 0):.0f} % / {machine.get('iowait', 0):.0f} %"
            if machine
            else "-",
        ),
        _row(
            "CPU during pgbench: PostgreSQL / pgbench",
            f"{pg.cpu_percent['postgres']:.0f} % / {pg.cpu_percent['pgbench']:.0f} %"
            if pg
            else "-",
        ),
        _row(
            "cores (connections) per API worker",
            f"{' + '.join(f'{c:.2f}' for c in result.server_process_cores) or '-'} "
            f"({' + '.join(str(n) for n in result.client_connections_per_process) or '-'})",
        ),
        _row(
            "CPU ms per transfer, API + PostgreSQL (ceiling/s)",
            f"{result.cpu_ms_per_transfer:.2f} ({result.cpu_bound_ceiling_per_s:,})",
        ),
        _row(
            "/health p50 / max during the load",
            f"{probe.get('p50', 0):.1f} / {probe.get('max', 0):.1f} ms",
        ),
        _row(
            "PG connections mid-load",
            ", ".join(f"{n} {state}" for state, n in result.db_connections_mid_load.items()) or "-",
        ),
        _row(
            "PG busy connections, mean (state / wait event)",
            ", ".join(
                f"{n:g} {what}"
                for what, n in result.db_wait_events.get("mean_connections", {}).items()
            )
            or "-",
        ),
    ]
    if outcome.system is not None:
        rows += [_row(*row) for row in system_accounts.rows(outcome.system)]
    return "\n".join(rows) + "\n"


def money_text(money: MoneyCheck) -> str:
    gaps = ", ".join(f"{name}: {n}" for name, n in money.ledger_problem_rows.items()) or "none"
    summary = next((line for line in money.ledger_output if "écritures" in line), "")
    gap = money.conservation_gap
    conserved = "(conserved)" if gap == 0 else f"— GAP {gap:+,}"
    return (
        f"- ledger verify: exit {money.ledger_exit_code} ({summary}); problem rows: {gaps}\n"
        f"- conservation: users' balances {money.users_total_after:,} + fees {money.fees_total:,}"
        f" = funded {money.funded_total:,} + {money.users_total_before_funding:,} before "
        f"funding {conserved}\n"
        f"- one transfer per 201: {money.committed:,} transfers committed in the measured "
        f"phase for {money.answered_201:,} answers (up to {money.count_slack} more allowed: "
        "requests in flight when wrk stops, or timed out, are committed but never counted)\n"
    )


def pg_work_text(work: dict[str, dict[str, float]]) -> str:
    """PostgreSQL's work per transfer, from its statistics counters."""
    if not work:
        return ""
    database, wal = work.get("database", {}), work.get("wal", {})
    tables = []
    for name, values in sorted(work.items()):
        if not name.startswith("table "):
            continue
        done = [
            f"{values[key]:g} {label}"
            for key, label in (
                ("n_tup_ins", "ins"),
                ("n_tup_upd", "upd"),
                ("n_tup_hot_upd", "HOT"),
                ("n_tup_del", "del"),
                ("idx_scan", "idx scans"),
                ("seq_scan", "seq scans"),
            )
            if abs(values.get(key, 0)) >= 0.005
        ]
        tables.append(f"`{name.removeprefix('table ')}` {', '.join(done)}")
    return (
        f"- PostgreSQL per transfer: {database.get('xact_commit', 0):g} commits, "
        f"{database.get('xact_rollback', 0):g} rollbacks, "
        f"{database.get('sessions', 0):g} new connections, "
        f"{database.get('blks_hit', 0) + database.get('blks_read', 0):g} buffer reads, "
        f"{wal.get('wal_records', 0):g} WAL records / {wal.get('wal_bytes', 0):,.0f} bytes "
        f"({wal.get('wal_fpi', 0):g} full pages); rows and scans: {'; '.join(tables)}\n"
    )


def profile_text(profile: dict[str, Any]) -> str:
    if not profile:
        return ""
    packages = ", ".join(f"{p['frame']} {p['percent']} %" for p in profile["own_by_package"])
    waited = profile.get("samples_in_syscalls", 0)
    where = "; ".join(f"{s['where']}: {s['percent_of_all']} %" for s in profile.get("syscalls", []))
    lines = [
        f"\npy-spy on API worker {profile['pid']}, {profile['seconds']:g} s at 100 Hz, event "
        f"loop's thread: {profile['samples']} samples running Python or C code, and {waited} "
        f"inside a system call, left out of the shares ({where}): mostly the worker waiting "
        "for a core after its write woke a PostgreSQL backend. Own time by package: "
        f"{packages}.\n",
        "| own % | incl. % | Python function (top 15 by own time; C extensions count for "
        "their caller) |",
        "|---:|---:|---|",
    ]
    for frame in profile["own"]:
        lines.append(f"| {frame['percent']} | {frame['inclusive_percent']} | `{frame['frame']}` |")
    return "\n".join(lines) + "\n"


def facts_text(facts: dict[str, Any]) -> str:
    return (
        f"- date (UTC): {facts['date']}; revision {facts['hostolink_revision']}\n"
        f"- machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory']}, "
        f"Linux {facts['kernel']}; Python {facts['python']}; load average before the run "
        f"{' / '.join(str(v) for v in facts['load_average_before'])}\n"
        f"- PostgreSQL: {facts['postgresql']} ({facts['database']}); pgbench "
        f"{facts.get('pgbench') or 'not run'}\n"
        f"- server: `hostolink serve`, {facts['workers']} worker processes, rate limits off, "
        f"LOG_LEVEL=WARNING, PIN tokens {PIN_TOKEN_TTL_S} s\n"
        f"- data: {facts['seeded_users']} users at KYC tier 0, each credited "
        f"{facts['funding']:,} F; transfers of 1–{facts['amount_max']} F, recipients "
        f"{RECIPIENTS[facts['recipients']]}, a unique Idempotency-Key and the sender's "
        "X-Jeton-Pin each\n"
        f"- load: {facts['load_generator']} ({facts.get('wrk') or 'asyncio client'}), "
        f"{facts['connections']} connections, {facts['duration_s']:g} s after "
        f"{facts['warmup_s']:g} s of warm-up, loopback\n"
        + "".join(f"- server log: {line}\n" for line in facts.get("server_log_problems", [])[:4])
    )


def markdown_report(facts: dict[str, Any], outcome: Outcome) -> str:
    return (
        results_table(outcome)
        + openloop.markdown([("wallet transfers", outcome.transfers.load)])
        + "\n"
        + money_text(outcome.money)
        + pg_work_text(outcome.transfers.pg_work_per_transfer)
        + facts_text(facts)
        + profile_text(outcome.transfers.profile)
        + f"\n`{final_line(outcome)}`\n"
    )


def write_results(directory: Path, facts: dict[str, Any], outcome: Outcome) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.datetime.now(dt.UTC).date().isoformat()}-{GROUP}"
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    document = {"facts": facts, "final_line": final_line(outcome), **asdict(outcome)}
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(
        f"# Transfer benchmark, {facts['date']}\n\n{markdown_report(facts, outcome)}"
    )
    return json_path, md_path


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Run the transfer benchmark; 0 when it ran (targets are reported, not enforced), 1 on
    a failure to run."""
    server: Server | None = None
    facts: dict[str, Any] = {}
    outcome: Outcome | None = None
    try:
        with terminate_as_interrupt():
            _validate(args)
            use_wrk = choose_tool(args.tool)
            server = Server(
                args,
                extra_env={
                    "PIN_TOKEN_TTL_SECONDS": str(PIN_TOKEN_TTL_S),
                    "ACCESS_TOKEN_TTL_SECONDS": str(ACCESS_TOKEN_TTL_S),
                },
            )
            server.start()
            users = asyncio.run(seed_users(server, args.users))
            facts = common.machine_facts(server, args, "wrk" if use_wrk else "python-asyncio")
            facts.update(
                seeded_users=len(users),
                funding=args.funding,
                amount_max=args.amount_max,
                recipients=args.recipients,
            )
            outcome = asyncio.run(run_bench(server, users, args, use_wrk))
            if outcome.pgbench is not None:
                facts["pgbench"] = outcome.pgbench.version
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        stop_server(server, facts)
    assert outcome is not None
    print(markdown_report(facts, outcome))
    if not args.no_write:
        json_path, md_path = write_results(args.results_dir, facts, outcome)
        log(f"written {json_path} and {md_path}")
        if update_readme(GROUP, markdown_report(facts, outcome)):
            log("bench/README.md results section updated")
    print(final_line(outcome), flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return common.run_alone("transfers", add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
