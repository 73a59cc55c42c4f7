"""The combined result of `python -m bench` running several groups: every group's JSON
document in `results/<date>.json`, and one Markdown table (one row per scenario, its headline
figures) in `results/<date>.md` and in bench/README.md between `<!-- results:summary -->`
markers."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import common, openloop
from bench.floor.server import goal_text

GroupRows = Callable[[dict[str, Any]], list["Row"]]


@dataclass
class Row:
    group: str
    scenario: str
    headline: str
    goal: str = ""
    met: str = ""
    floor: str = ""  # our req/s ÷ the floor's in the same run, with issue 23's goal


@dataclass
class GroupRun:
    name: str
    exit_code: int
    elapsed_s: float
    document: dict[str, Any] | None  # the group's results JSON written during this run


def _met(value: object) -> str:
    if value is None:
        return ""
    return "yes" if value else "NO"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _errors(load: dict[str, Any]) -> str:
    errors = sum(int(v) for v in (load.get("errors") or {}).values())
    bad = int(load.get("non2xx") or 0) + errors
    return f"; {bad:,} errors" if bad else ""


def _load_headline(load: dict[str, Any]) -> str:
    return (
        f"{_n(load['rps'])} req/s, p50 {_ms(load['p50_ms'])} / p99 {_ms(load['p99_ms'])} ms"
        + _errors(load)
    )


def _floor(scenario: dict[str, Any]) -> str:
    """`0.56 (≥ 0.6: NO) of 3,796 req/s`: the ratio to the floor, its goal, the floor."""
    value, floor = scenario.get("ratio_to_floor"), scenario.get("floor")
    if value is None or not floor:
        return ""
    cpu = scenario.get("cpu_ms_per_request")
    api_ms = cpu.get("server") if isinstance(cpu, dict) else None
    return f"{goal_text(scenario['name'], value, api_ms)} of {_n(floor['rps'])} req/s"


def onboarding_rows(document: dict[str, Any]) -> list[Row]:
    rows = []
    for scenario in document.get("scenarios", []):
        rows.append(
            Row(
                "onboarding",
                scenario["label"],
                _load_headline(scenario["load"]) + f" ({scenario['ratio']:.2f}× NestJS)",
                f"≥ {scenario['target_ratio']:g}× NestJS ({_n(scenario['baseline_rps'])} req/s)",
                _met(scenario["meets_target"]),
                _floor(scenario),
            )
        )
    return rows


def transfers_rows(document: dict[str, Any]) -> list[Row]:
    transfers = document.get("transfers") or {}
    load = transfers.get("load") or {}
    money = document.get("money") or {}
    met = document.get("met") or {}
    rows = []
    if load:
        rows.append(
            Row(
                "transfers",
                "wallet transfers",
                f"{_n(transfers['transfers_per_s'])} transfers/s, p50 {_ms(load['p50_ms'])} / "
                f"p99 {_ms(load['p99_ms'])} ms; {money.get('violations', '?')} ledger violations"
                + _errors(load),
                "≥ 1,000/s, p99 < 100 ms, 0 violations",
                _met(
                    all(met.get(key) for key in ("transfers_per_s", "p99_ms", "violations"))
                    if met
                    else None
                ),
            )
        )
    pgbench = document.get("pgbench")
    if pgbench:
        rows.append(
            Row(
                "transfers",
                f"pgbench TPC-B ceiling ({pgbench['clients']} clients, scale {pgbench['scale']})",
                f"{_n(pgbench['tps'])} TPS; transfers ÷ TPS = {document.get('ratio')}",
                "ratio ≥ 0.33",
                _met(met.get("ratio")),
            )
        )
    return rows


def _goal_rows(group: str) -> GroupRows:
    def rows(document: dict[str, Any]) -> list[Row]:
        found = []
        for scenario in document.get("scenarios", []):
            goal = scenario.get("goal_p99_ms")
            found.append(
                Row(
                    group,
                    scenario["label"],
                    _load_headline(scenario["load"]),
                    f"p99 < {goal:g} ms" if goal else "",
                    _met(scenario.get("meets_goal")) if goal else "",
                    _floor(scenario),
                )
            )
        return found

    return rows


def fixed_rate_rows(group: str, document: dict[str, Any]) -> list[Row]:
    """One row per scenario measured at a fixed offered rate too (bench/openloop.py): the
    goal of issue 23, p99 < 50 ms at half the capacity the closed loop found."""
    loads = [
        (str(scenario.get("label", scenario.get("name", "?"))), scenario.get("load") or {})
        for scenario in document.get("scenarios", [])
        if isinstance(scenario, dict)
    ]
    transfers = document.get("transfers") or {}
    if isinstance(transfers, dict) and transfers.get("load"):
        loads.append(("wallet transfers", transfers["load"]))
    rows = []
    for label, load in loads:
        figures = load.get("fixed_rate") if isinstance(load, dict) else None
        if not figures:
            continue
        if "failed" in figures:
            headline = f"{_n(figures['offered_rps'])} req/s offered: failed ({figures['failed']})"
        else:
            errors = sum(int(n) for n in figures["errors"].values()) + int(figures["not_sent"])
            headline = (
                f"{_n(figures['offered_rps'])} req/s offered ({_n(figures['achieved_rps'])} sent): "
                f"p50 {_ms(figures['p50_ms'])} / p99 {_ms(figures['p99_ms'])} / p99.9 "
                f"{_ms(figures['p999_ms'])} ms; client "
                + (
                    "kept up"
                    if figures["client_kept_up"]
                    else "BEHIND (" + "; ".join(figures["notes"]) + ")"
                )
                + (
                    f"; {int(figures['non2xx']) + errors:,} errors"
                    if figures["non2xx"] or errors
                    else ""
                )
            )
        rows.append(
            Row(
                group,
                f"{label}, fixed rate (open loop)",
                headline,
                f"p99 < {openloop.GOAL_P99_MS:g} ms at half capacity",
                _met(openloop.judge(figures)),
            )
        )
    return rows


def rooms_rows(document: dict[str, Any]) -> list[Row]:
    rows = []
    for config in document.get("configurations", []):
        every = config.get("all_delivered_ms") or {}
        rows.append(
            Row(
                "rooms",
                f"{config['name']} ({config['workers']} "
                f"{'workers' if config['workers'] > 1 else 'worker'}"
                f"{', Redis' if config.get('redis') else ', in-process'})",
                f"every socket had it: p50 {_ms(float(every.get('p50') or 0))} / p99 "
                f"{_ms(float(every.get('p99') or 0))} ms; "
                f"{config['connected']}/{config['clients']} sockets, "
                f"{config['deliveries_lost']:,} lost of {config['deliveries_expected']:,}",
                "p99 < 200 ms, all sockets",
                _met(config.get("meets_goal")),
            )
        )
    return rows


def deposits_rows(document: dict[str, Any]) -> list[Row]:
    figures = document.get("figures") or {}
    if not figures:
        return []
    latency = figures.get("callback_to_settled_ms") or {}

    def late(sens: str, label: str) -> str:
        row = latency.get(sens)
        return f"{label} p50 {_ms(row['p50_ms'])} / p99 {_ms(row['p99_ms'])} ms" if row else ""

    parts = [p for p in (late("depot", "credited"), late("retrait", "sent")) if p]
    return [
        Row(
            "deposits",
            f"sandbox deposits + withdrawals ({figures['clients']} clients)",
            f"{figures['settled_per_s']:,} settled/s ({figures['settled']:,}); callback → "
            + ", ".join(parts)
            + f"; {figures['failed']} not settled; ledger "
            + ("ok" if figures["ledger_ok"] else "PROBLEM"),
            "",
            "",
        )
    ]


def startup_rows(document: dict[str, Any]) -> list[Row]:
    summary = document.get("summary") or {}
    rows = []
    for kind, label in (
        ("cold", "cold start (initdb + migrations + seed)"),
        ("warm", "warm start (same data folder)"),
    ):
        ready = (summary.get(kind) or {}).get("ready_s")
        workers = (summary.get(kind) or {}).get("all_workers_s")
        if ready:
            rows.append(
                Row(
                    "startup",
                    label,
                    f"first /ready 200 in {ready['min']:.1f} / {ready['median']:.1f} / "
                    f"{ready['max']:.1f} s (min / median / max of {ready['n']})"
                    + (f"; every worker up {workers['median']:.1f} s" if workers else ""),
                )
            )
    memory = {row["processes"]: row for row in document.get("memory_rows", [])}
    workers_row = memory.get("API worker")
    postgres_row = memory.get("PostgreSQL (all processes)")
    if workers_row:
        pg = (
            f"; PostgreSQL PSS {postgres_row['pss_idle']} MiB ({postgres_row['count_idle']} "
            f"processes) → {postgres_row['pss_peak']} MiB ({postgres_row['count_peak']})"
            if postgres_row
            else ""
        )
        rows.append(
            Row(
                "startup",
                "memory: API workers idle → under /api/user/me load",
                f"RSS {workers_row['rss_idle']} → {workers_row['rss_peak']} MiB per worker{pg}",
            )
        )
    return rows


ROWS: dict[str, GroupRows] = {
    "onboarding": onboarding_rows,
    "transfers": transfers_rows,
    "directory": _goal_rows("directory"),
    "social": _goal_rows("social"),
    "rooms": rooms_rows,
    "deposits": deposits_rows,
    "startup": startup_rows,
}


def group_document(results_dir: Path, group: str, since: float) -> dict[str, Any] | None:
    """The JSON the group wrote during this run (today's or yesterday's date: a run may
    cross midnight UTC), or None."""
    today = dt.datetime.now(dt.UTC).date()
    for day in (today, today - dt.timedelta(days=1)):
        path = results_dir / f"{day.isoformat()}-{group}.json"
        try:
            if path.stat().st_mtime >= since:
                document: dict[str, Any] = json.loads(path.read_text())
                return document
        except (OSError, ValueError):
            continue
    return None


def rows_of(runs: list[GroupRun]) -> list[Row]:
    rows: list[Row] = []
    for run in runs:
        found: list[Row] = []
        if run.document is not None:
            try:
                found = ROWS[run.name](run.document) + fixed_rate_rows(run.name, run.document)
            except (KeyError, TypeError, ValueError) as exc:
                found = [Row(run.name, "(summary)", f"could not read its figures: {exc!r}")]
        if not found:
            found = [Row(run.name, "(group)", f"no figures: exit {run.exit_code}")]
        elif run.exit_code:
            found[0].headline += f" (the group exited with {run.exit_code})"
        rows.extend(found)
    return rows


def load_generator(runs: list[GroupRun]) -> str:
    """What the HTTP groups drove the load with (wrk, or the asyncio client)."""
    for run in runs:
        facts = (run.document or {}).get("facts") or {}
        if facts.get("load_generator"):
            return str(facts.get("wrk") or facts["load_generator"])
    return ""


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def markdown(facts: dict[str, Any], runs: list[GroupRun], rows: list[Row]) -> str:
    table = [
        "| group | scenario | ÷ floor (issue 23 goal: met) | headline figures | goal | met |",
        "|---|---|---|---|---|:-:|",
        *(
            f"| {r.group} | {r.scenario} | {r.floor or '-'} | {r.headline} | {r.goal} | {r.met} |"
            for r in rows
        ),
    ]
    before = " / ".join(f"{v:.2f}" for v in facts["load_average_before"])
    after = " / ".join(f"{v:.2f}" for v in facts["load_average_after"])
    notes = [
        f"date (UTC): {facts['date']}; revision {facts['hostolink_revision']}; command "
        f"`{facts['command']}`",
        f"total wall-clock time {_duration(facts['total_s'])}: "
        + ", ".join(f"{run.name} {_duration(run.elapsed_s)}" for run in runs),
        f"machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory']}; load "
        f"average before the run {before}, after {after} (the machine is shared: req/s move "
        "with the other work; each group's section below has its CPU per request)",
        f"settings: {facts['settings']}; load generator: {facts.get('load_generator') or '?'}",
        "÷ floor: our req/s divided by the floor's (`bench/floor/`: the same work in a minimal "
        "ASGI + asyncpg app) measured right after ours in the same run; the headline of "
        "issue 23, less sensitive to the shared machine than req/s",
        "each group's full figures: `results/<date>-<group>.json` and `.md`, and its section "
        "of this file",
    ]
    return "\n".join(table) + "\n\n" + "".join(f"- {note}\n" for note in notes)


def write(
    results_dir: Path,
    runs: list[GroupRun],
    *,
    started: dt.datetime,
    total_s: float,
    load_before: list[float],
    command: str,
    settings: str,
) -> tuple[Path, Path, str]:
    facts = {
        "date": started.isoformat(timespec="seconds"),
        "total_s": round(total_s, 1),
        "load_average_before": load_before,
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "nproc": os.cpu_count(),
        "cpu_model": common.cpu_model(),
        "memory": common.memory_total(),
        "hostolink_revision": common.git_revision(),
        "command": command,
        "settings": settings,
    }
    facts["load_generator"] = load_generator(runs)
    rows = rows_of(runs)
    report = markdown(facts, runs, rows)
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = started.date().isoformat()
    json_path, md_path = results_dir / f"{stem}.json", results_dir / f"{stem}.md"
    document = {
        "facts": facts,
        "summary": [row.__dict__ for row in rows],
        "groups": {
            run.name: {
                "exit_code": run.exit_code,
                "elapsed_s": round(run.elapsed_s, 1),
                "results": run.document,
            }
            for run in runs
        },
    }
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    md_path.write_text(f"# Hostolink benchmarks, all groups, {facts['date']}\n\n{report}")
    return json_path, md_path, report


def rerender(json_path: Path) -> str:
    """The Markdown of a combined result again, from its JSON (after a change to this file's
    tables): rewrites `<date>.md` beside it and the README's summary section."""
    document = json.loads(json_path.read_text())
    facts = document["facts"]
    runs = [
        GroupRun(name, group["exit_code"], group["elapsed_s"], group["results"])
        for name, group in document["groups"].items()
    ]
    facts["load_generator"] = load_generator(runs)
    rows = rows_of(runs)
    report = markdown(facts, runs, rows)
    document["facts"], document["summary"] = facts, [row.__dict__ for row in rows]
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    json_path.with_suffix(".md").write_text(
        f"# Hostolink benchmarks, all groups, {facts['date']}\n\n{report}"
    )
    common.update_readme("summary", report)
    return report


if __name__ == "__main__":  # `python -m bench.summary results/<date>.json`
    print(rerender(Path(sys.argv[1])))
