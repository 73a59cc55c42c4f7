"""`python -m bench [GROUP ...] [options]`: run the named scenario groups (all by default).

Each group prints a line when it starts and when it ends (with its elapsed time), writes its
own `results/<date>-<group>.json` / `.md` and its section of bench/README.md; when several
groups run, `results/<date>.json` and `.md` gather them, with one summary table that is also
copied to bench/README.md (`<!-- results:summary -->`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
import time
import traceback
from collections.abc import Callable

from bench import (
    common,
    directory,
    metrics,
    money_in_out,
    onboarding,
    rooms,
    social,
    startup,
    summary,
    support,
    transfers,
)

GROUPS: dict[str, Callable[[argparse.Namespace], int]] = {
    "onboarding": onboarding.run,
    "transfers": transfers.run,
    "deposits": money_in_out.run,
    "directory": directory.run,
    "social": social.run,
    "rooms": rooms.run,
    "support": support.run,
    "startup": startup.run,
    "metrics": metrics.run,
}
# The summary table's rows of the groups summary.py does not list itself.
summary.ROWS.setdefault("metrics", metrics.summary_rows)

# `--quick`: the whole command in a few minutes (6.6 on the loaded 2-core machine). Applied to
# the options left at their defaults only, so `--quick --duration 8` keeps 8 s.
QUICK = {
    "duration": 5.0,
    "warmup": 1.0,
    "users": 100,
    "posts": 200_000,
    "synthetic": 20_000,
    "rooms_messages": 100,
    "rooms_drain": 10.0,
    "startup_runs": 2,
    "memory_users": 10,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Loopback-only, time-bounded load benchmarks of the Hostolink API.",
    )
    parser.add_argument(
        "groups",
        nargs="*",
        metavar="GROUP",
        help=f"scenario groups to run: {', '.join(GROUPS)} (default: all)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="shorter measures and smaller data: "
        + ", ".join(f"--{k.replace('_', '-')} {v:g}" for k, v in QUICK.items())
        + " (options given explicitly win)",
    )
    common.add_arguments(parser)
    onboarding.add_arguments(parser)
    transfers.add_arguments(parser)
    money_in_out.add_arguments(parser)
    directory.add_arguments(parser)
    social.add_arguments(parser)
    rooms.add_arguments(parser)
    support.add_arguments(parser)
    startup.add_arguments(parser)
    metrics.add_arguments(parser)
    return parser


def apply_quick(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    for name, value in QUICK.items():
        if getattr(args, name) == parser.get_default(name):
            setattr(args, name, value)


def settings_text(args: argparse.Namespace) -> str:
    return (
        f"{'--quick; ' if args.quick else ''}{args.duration:g} s per scenario after "
        f"{args.warmup:g} s of warm-up, {args.connections} connections, {args.workers} workers, "
        f"{args.users} users, {args.posts:,} posts, {args.synthetic:,} synthetic "
        f"establishments, rooms {args.rooms_clients} sockets × {args.rooms_messages} messages, "
        f"deposits {args.deposit_clients} clients, {args.startup_runs} cold + warm starts; "
        + (f"database {args.database_url}" if args.database_url else "embedded PostgreSQL")
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    unknown = [name for name in args.groups if name not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}; known: {', '.join(GROUPS)}")
    if args.quick:
        apply_quick(parser, args)
    names = args.groups or list(GROUPS)
    started = dt.datetime.now(dt.UTC)
    load_before = [round(value, 2) for value in os.getloadavg()]
    began = time.monotonic()
    runs: list[summary.GroupRun] = []
    status = 0
    for index, name in enumerate(names, 1):
        since = time.time()
        group_began = time.monotonic()
        with common.progress(f"group {index}/{len(names)}: {name}") as step:
            try:
                code = GROUPS[name](args)
            except Exception as exc:  # a broken group must not stop the others
                common.log(f"{name}: {type(exc).__name__}: {exc}")
                common.log("".join(traceback.format_exception(exc)[-6:]).rstrip())
                code = 1
            step.failed = code != 0
            step.note = f"exit {code}"
        status = max(status, code)
        document = None if args.no_write else summary.group_document(args.results_dir, name, since)
        runs.append(summary.GroupRun(name, code, time.monotonic() - group_began, document))
        if code == 130:  # interrupted: stop here, but still write what ran
            break
    total = time.monotonic() - began
    common.log(f"all groups done in {total / 60:.1f} min")
    if len(runs) > 1 and not args.no_write:
        json_path, md_path, report = summary.write(
            args.results_dir,
            runs,
            started=started,
            total_s=total,
            load_before=load_before,
            command="python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:]),
            settings=settings_text(args),
        )
        print(report)
        common.log(f"written {json_path} and {md_path}")
        if common.update_readme("summary", report):
            common.log("bench/README.md summary section updated")
    return status


if __name__ == "__main__":
    sys.exit(main())
