"""Redis stops in the middle of the run, then comes back: nothing answers 500, the rate
limits degrade to per-process counters (a log line, a metric), /ready says what is missing,
and live rooms resubscribe and deliver across the instances again."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from tests_production.people import admin, client, enrol
from tests_production.stack import Stack
from tests_production.test_04_areas import _socket, next_frame, open_room


async def _ready(stack: Stack, name: str) -> dict[str, object]:
    async with client(stack.instance_url(name), source="127.0.0.1") as http:
        answer = await http.get("/ready")
    assert answer.status_code == 200, answer.text  # degraded, still in the load balancer
    body: dict[str, object] = answer.json()
    return body


async def _until_redis(stack: Stack, state: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        states = [(await _ready(stack, n))["dependances"]["redis"] for n in ("a", "b")]  # type: ignore[index]
        if all(s == state for s in states):
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"redis never became {state} on both instances")


async def test_redis_stops_and_comes_back(stack: Stack) -> None:
    speaker, listener = await enrol(stack), await enrol(stack)
    room = await open_room(stack, speaker, listener)
    on_b = await _socket(stack, "b", room, listener.token)
    try:
        stack.stop_redis()
        # Every rate-limited surface, during the outage: normal answers, never a 500.
        statuses: Counter[int] = Counter()
        async with client(stack.url) as http:
            for _ in range(5):
                for method, path, body in [
                    ("POST", "/api/check-user", {"identifier": "0701020304"}),
                    (
                        "POST",
                        "/api/auth/login",
                        {"identifier": speaker.identifier, "password": "faux-mot"},
                    ),
                    ("GET", "/api/etablissements/recherche?q=cocody", None),
                    ("GET", "/api/numeros-urgence", None),
                ]:
                    answer = await http.request(method, path, json=body)
                    statuses[answer.status_code] += 1
        posted = await speaker.post(
            f"/api/thematiques/{room}/messages", json={"contenu": "pendant la panne"}
        )
        statuses[posted.status_code] += 1
        print(f"\nduring the Redis outage: {dict(statuses)}")
        assert all(status < 500 for status in statuses), statuses
        await _until_redis(stack, "indisponible")

        stack.start_redis()
        await _until_redis(stack, "ok")
        # The socket on B is told to catch up on what the outage kept from it...
        catch_up = await next_frame(on_b, "resynchronisation", seconds=60)
        assert catch_up["id_thematique"] == room
        # ...and live delivery across the instances works again.
        deadline = time.monotonic() + 60
        delivered = False
        async with client(stack.instance_url("a")) as on_a:
            speaker.http = on_a
            while not delivered and time.monotonic() < deadline:
                text = f"après la panne {time.monotonic():.3f}"
                assert (
                    await speaker.post(f"/api/thematiques/{room}/messages", json={"contenu": text})
                ).status_code == 201
                try:
                    while True:
                        frame = await next_frame(on_b, "message", seconds=5)
                        if frame["data"]["contenu"] == text:
                            delivered = True
                            break
                except (AssertionError, TimeoutError):
                    continue
        assert delivered
    finally:
        await on_b.close()
        if not stack.processes["redis"].running:
            stack.start_redis()

    # The degradation was said once per process, not once per request.
    for name in ("a", "b"):
        log = stack.log(f"instance-{name}").read_text(errors="replace")
        warnings = log.count("Redis injoignable") + log.count("redis unavailable")
        assert 1 <= warnings <= 8, f"instance {name}: {warnings} outage lines"


@pytest.mark.usefixtures("stack")
async def test_the_admin_still_works_after_the_restart(stack: Stack) -> None:
    boss = await admin(stack)
    assert (await boss.get("/api/admin/operations")).status_code == 200
