"""System accounts under load, in the transfers run (bench/transfers.py): they must not
serialize the money flow.

1. fee-bearing transfers over HTTP: the measured load of the run (whose transfers bear no
   fee: the seed defines no fee scale) in four short phases, fee-free and with a temporary
   scale of 1 F per transfer (every fee credits the fee account) in turn, so that both see
   the same machine; transfers/s with a fee ÷ without;
2. in the bench process, `--connections` (at most 50) concurrent database transactions on
   the ledger's own path (`ledger.lock` + `repository.post`), each task on its own two
   wallets: 1 F between them (people only), the same with 1 F of fee to the fee account,
   and 1 F from the sandbox's clearing account `fournisseur.sandbox` to its wallet (the
   entries `operations.service` books when a deposit settles); each ÷ the people only.
Run after the money of the measured phase was checked; `ledger verify` runs again after.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bench.common import BenchError, Server, log

TARGET_RATIO = 0.8
SETTLING_TASKS_MAX = 50
FEE_RULE = """
    INSERT INTO bareme_frais (type_operation, devise, montant_min, frais_fixe,
                              taux_points_base, frais_min, actif)
    VALUES ('transfert', 'XOF', 1, 1, 0, 0, true) RETURNING id_bareme"""


@dataclass
class SystemAccountsResult:
    fee_transfers_per_s: float = 0.0
    fee_free_per_s: float = 0.0  # measured in turn with the fee-bearing ones
    fee_ratio: float | None = None
    refused: dict[bool, int] = field(default_factory=lambda: {False: 0, True: 0})  # by fee
    tasks: int = 0
    people_postings_per_s: float = 0.0
    fee_postings_per_s: float = 0.0
    fee_posting_ratio: float | None = None
    settlements_per_s: float = 0.0
    settlement_ratio: float | None = None
    ledger_exit_code: int | None = None


async def _execute(url: str, statement: str, *args: Any) -> Any:
    connection = await asyncpg.connect(url, timeout=15)
    try:
        return await connection.fetchval(statement, *args)
    finally:
        await connection.close()


async def _ledger_rate(
    url: str, accounts: list[int], mode: str, seconds: float
) -> tuple[int, float]:
    """Postings/s of one task per pair of `accounts` (`accounts[2k]` → `accounts[2k+1]`),
    concurrently: `people` moves 1 F between the pair; `fees` adds 1 F of fee to the fee
    account; `settle` moves 1 F from the sandbox's clearing account to `accounts[2k]`.
    Returns the postings committed and the seconds taken."""
    from sqlalchemy.ext.asyncio import AsyncSession  # noqa: PLC0415

    from hostolink.db import create_engine  # noqa: PLC0415
    from hostolink.wallet import ledger, repository  # noqa: PLC0415
    from hostolink.wallet.reference_data import SystemAccount, provider_accounts  # noqa: PLC0415

    tasks = len(accounts) // 2
    code = provider_accounts("sandbox")[0] if mode == "settle" else SystemAccount.FEES
    engine = create_engine(url, pool_size=tasks, name="bench-ledger")
    done = 0
    deadline = time.monotonic() + seconds

    async def task(k: int) -> None:
        nonlocal done
        mine = [accounts[2 * k], accounts[2 * k + 1]]
        while time.monotonic() < deadline:
            async with AsyncSession(engine) as session, session.begin():
                wanted = mine[:1] if mode == "settle" else mine
                codes = [] if mode == "people" else [code]
                locked = await ledger.lock(session, wanted, system_codes=codes)
                (system,) = [a for a in locked.accounts if a not in mine] or [None]
                source, target = (system, mine[0]) if mode == "settle" else mine
                assert source is not None
                movement = ledger.Movement.start(locked)
                movement.add(source, -2 if mode == "fees" else -1)
                movement.add(target, 1)
                if mode == "fees" and system is not None:
                    movement.add(system, 1)
                await repository.post(
                    session,
                    movement.posting(
                        reference=ledger.new_reference(),
                        # `depot` would need an operation row: the same entries otherwise.
                        type_transaction="ajustement",
                        montant=1,
                        frais=1 if mode == "fees" else 0,
                        source=source,
                        destination=target,
                        initiator=None,
                        description=f"Bench : {mode}",
                        motif="Bench",
                        qr=None,
                        operation=None,
                        reverses=None,
                    ),
                )
            done += 1

    try:
        began = time.monotonic()
        await asyncio.gather(*(task(k) for k in range(tasks)))
        return done, time.monotonic() - began
    finally:
        await engine.dispose()


async def measure(
    server: Server,
    bench: Any,
    args: argparse.Namespace,
    accounts: list[str],
) -> SystemAccountsResult:
    """`bench` is transfers.Bench (its `_load` and `_answered`); `accounts` the wallets'
    numbers."""
    url = server.app_database_url()
    if url is None:
        raise BenchError("cannot locate the application database")
    result = SystemAccountsResult()
    seconds = max(2.0, args.duration / 2)
    # Fee-free and fee-bearing HTTP transfers in turn (free, fee, free, fee): the same
    # conditions for both, whatever else the machine runs.
    rule = await _execute(url, FEE_RULE)
    await _execute(url, "UPDATE bareme_frais SET actif = false WHERE id_bareme = $1", rule)
    counts = {True: 0, False: 0}
    spent = {True: 0.0, False: 0.0}
    try:
        for fee in (False, True, False, True):
            await _execute(
                url, "UPDATE bareme_frais SET actif = $2 WHERE id_bareme = $1", rule, fee
            )
            load = await bench._load(seconds / 2)
            answered = bench._answered(load)
            counts[fee] += answered["201"]
            result.refused[fee] += load.requests - answered["201"]
            spent[fee] += load.duration_s
    finally:
        await _execute(url, "UPDATE bareme_frais SET actif = false WHERE id_bareme = $1", rule)
    result.fee_free_per_s = round(counts[False] / spent[False], 1) if spent[False] else 0.0
    result.fee_transfers_per_s = round(counts[True] / spent[True], 1) if spent[True] else 0.0
    if result.fee_free_per_s:
        result.fee_ratio = round(result.fee_transfers_per_s / result.fee_free_per_s, 3)
    ids = [
        int(i)
        for i in await _execute(
            url,
            "SELECT array_agg(id_compte ORDER BY id_compte) FROM compte"
            " WHERE numero_compte = ANY($1::varchar[])",
            accounts,
        )
    ]
    result.tasks = tasks = min(SETTLING_TASKS_MAX, args.connections, len(ids) // 2)
    await asyncio.sleep(1.0)
    done = dict.fromkeys(("people", "fees", "settle"), 0)
    took = dict.fromkeys(done, 0.0)
    for mode in list(done) * 2:  # in turn, twice: the same machine for each
        n, elapsed = await _ledger_rate(url, ids[: 2 * tasks], mode, seconds / 2)
        done[mode] += n
        took[mode] += elapsed
    rates = {mode: round(done[mode] / took[mode], 1) for mode in done}
    result.people_postings_per_s = rates["people"]
    result.fee_postings_per_s = rates["fees"]
    result.settlements_per_s = rates["settle"]
    if rates["people"]:
        result.fee_posting_ratio = round(rates["fees"] / rates["people"], 3)
        result.settlement_ratio = round(rates["settle"] / rates["people"], 3)
    log(
        f"system accounts: HTTP transfers with fee {result.fee_transfers_per_s:,.1f}/s, "
        f"without {result.fee_free_per_s:,.1f}/s (ratio {result.fee_ratio}, not 201: "
        f"{result.refused[True]} / {result.refused[False]}); {tasks} "
        f"transactions in-process: people {rates['people']:,.1f}/s, with fee "
        f"{rates['fees']:,.1f}/s (ratio {result.fee_posting_ratio}), settlements into "
        f"fournisseur.sandbox {rates['settle']:,.1f}/s (ratio {result.settlement_ratio})"
    )
    return result


def rows(result: SystemAccountsResult) -> list[tuple[str, str, str, bool | None]]:
    """The results table's rows: label, value, target, met."""

    def met(ratio: float | None) -> bool | None:
        return None if ratio is None else ratio >= TARGET_RATIO

    return [
        (
            "HTTP transfers/s with a fee (1 F to the fee account) ÷ without, in turn",
            f"{result.fee_transfers_per_s:,.0f} ÷ {result.fee_free_per_s:,.0f} "
            f"({result.fee_ratio})",
            f"≥ {TARGET_RATIO}",
            met(result.fee_ratio),
        ),
        (
            f"in-process postings/s, {result.tasks} transactions: with a fee ÷ people only",
            f"{result.fee_postings_per_s:,.0f} ÷ {result.people_postings_per_s:,.0f} "
            f"({result.fee_posting_ratio})",
            f"≥ {TARGET_RATIO}",
            met(result.fee_posting_ratio),
        ),
        (
            "in-process settlements/s into fournisseur.sandbox ÷ people postings/s",
            f"{result.settlements_per_s:,.0f} ÷ {result.people_postings_per_s:,.0f} "
            f"({result.settlement_ratio})",
            f"≥ {TARGET_RATIO}",
            met(result.settlement_ratio),
        ),
        (
            "ledger verify after the system-account phases",
            f"exit {result.ledger_exit_code}",
            "0",
            result.ledger_exit_code == 0,
        ),
    ]
