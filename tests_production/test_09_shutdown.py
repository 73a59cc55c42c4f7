"""A deploy replaces an instance: SIGTERM, the requests in flight finish within the drain,
the proxy sends the next ones to the other instance, the clients see no error."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests_production.people import TALLY, enrol
from tests_production.stack import DRAIN_SECONDS, Stack


async def test_sigterm_drains_within_its_bound_and_clients_see_no_error(stack: Stack) -> None:
    person = await enrol(stack)
    statuses: Counter[int] = Counter()
    stop = asyncio.Event()

    async def keep_asking() -> None:
        while not stop.is_set():
            answer = await person.get("/api/portefeuille")
            statuses[answer.status_code] += 1

    askers = [asyncio.create_task(keep_asking()) for _ in range(8)]
    await asyncio.sleep(2)
    took = await asyncio.to_thread(stack.processes["b"].stop, timeout=DRAIN_SECONDS + 30)
    await asyncio.sleep(2)
    stop.set()
    await asyncio.gather(*askers)
    print(f"\ninstance B stopped in {took:.1f} s (drain bound {DRAIN_SECONDS} s)")
    print(f"answers while it stopped: {dict(statuses)}")
    assert took < DRAIN_SECONDS + 10
    assert set(statuses) == {200}, statuses


def test_no_server_error_in_the_whole_stage() -> None:
    assert not TALLY.server_errors, "\n".join(TALLY.server_errors[:20])
