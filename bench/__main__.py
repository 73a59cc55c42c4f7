"""`python -m bench [GROUP ...] [options]`: run the named scenario groups (all by default)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bench import common, directory, onboarding, rooms, social, transfers

GROUPS: dict[str, Callable[[argparse.Namespace], int]] = {
    "onboarding": onboarding.run,
    "transfers": transfers.run,
    "directory": directory.run,
    "social": social.run,
    "rooms": rooms.run,
}


def main(argv: list[str] | None = None) -> int:
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
    common.add_arguments(parser)
    onboarding.add_arguments(parser)
    transfers.add_arguments(parser)
    directory.add_arguments(parser)
    social.add_arguments(parser)
    rooms.add_arguments(parser)
    args = parser.parse_args(argv)
    unknown = [name for name in args.groups if name not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}; known: {', '.join(GROUPS)}")
    status = 0
    for name in args.groups or list(GROUPS):
        status = max(status, GROUPS[name](args))
    return status


if __name__ == "__main__":
    sys.exit(main())
