"""What the operators see: /metrics from each instance (every worker's counts in one scrape,
behind the scraper's token), and a deposit stuck at a silent provider showing there and on
the back-office job desk until the provider answers again."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx

from tests_production.people import backoffice_cookies, client, enrol
from tests_production.stack import Stack

FAMILIES = (
    "hostolink_http_requests_total",
    "hostolink_http_request_duration_seconds",
    "hostolink_db_pool_connections_in_use",
    "hostolink_jobs",
    "hostolink_operations",
    "hostolink_reconciliation_pending",
    "hostolink_otp_messages_total",
    "hostolink_logins_total",
    "hostolink_room_sockets_open",
    "hostolink_redis_errors_total",
    "hostolink_ledger_discrepancies",
    "hostolink_build_info",
)


async def scrape(stack: Stack, instance: str) -> str:
    async with client(stack.instance_url(instance), source="127.0.0.1") as http:
        refused = await http.get("/metrics")
        assert refused.status_code == 401
        answer = await http.get(
            "/metrics", headers={"Authorization": f"Bearer {stack.secrets['metrics']}"}
        )
    assert answer.status_code == 200, answer.text[:300]
    return answer.text


def value(text: str, name: str, **labels: str) -> float | None:
    """The sample `name{labels…}` (labels matched as a subset), summed over the rest."""
    total = None
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, number = line.rpartition(" ")
        series, _, rest = head.partition("{")
        if series != name or any(f'{k}="{v}"' not in rest for k, v in labels.items()):
            continue
        total = (total or 0.0) + float(number)
    return total


async def test_each_instance_serves_metrics_of_both_its_workers(stack: Stack) -> None:
    # Enough requests straight to each instance that both of its workers answer some.
    for instance in ("a", "b"):
        async with client(stack.instance_url(instance)) as http:
            await asyncio.gather(*(http.get("/health") for _ in range(60)))
    for instance in ("a", "b"):
        text = await scrape(stack, instance)
        missing = [family for family in FAMILIES if family not in text]
        assert not missing, f"instance {instance}: {missing}"
        served = value(text, "hostolink_http_requests_total", route="/health", status="200")
        assert served is not None
        assert served >= 60
        # Both workers' live gauges: one series per process for the request pool's size.
        pids = {
            line.split('pid="')[1].split('"')[0]
            for line in text.splitlines()
            if line.startswith("hostolink_db_pool_size{") and 'pid="' in line
        }
        assert len(pids) == 2, f"instance {instance}: pool gauges of {pids}"
        assert value(text, "hostolink_ledger_discrepancies") in (None, 0.0)


async def test_a_deposit_stuck_at_a_silent_provider_is_seen(stack: Stack) -> None:
    person = await enrol(stack)
    async with httpx.AsyncClient(base_url=stack.fakes_url) as fakes:
        await fakes.post("/_fake/wave/outage", json={"silent": True})
        try:
            answer = await person.post(
                "/api/depots",
                json={"fournisseur": "wave", "montant": 7_500, "numero": "0701020304"},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            assert answer.status_code in (200, 201, 202), answer.text
            reference = answer.json()["data"]["reference"]
            assert answer.json()["data"]["statut"] in ("initiee", "en_attente")

            # Past the reconciliation delay (5 s here), still unanswered: on /metrics...
            deadline = time.monotonic() + 60
            pending = age = None
            while time.monotonic() < deadline:
                text = await scrape(stack, "a")
                pending = value(text, "hostolink_reconciliation_pending", direction="depot")
                age = value(text, "hostolink_reconciliation_oldest_age_seconds")
                if pending and age:
                    break
                await asyncio.sleep(1)
            assert pending is not None, text[-3000:]
            assert pending >= 1
            assert age is not None
            assert age > 0
            # The refused calls were counted by whichever instance took the deposit.
            errors = [
                value(
                    await scrape(stack, name),
                    "hostolink_provider_errors_total",
                    provider="wave",
                    kind="5xx",
                )
                for name in ("a", "b")
            ]
            assert sum(e or 0 for e in errors) >= 1, errors

            # ...and on the job desk, with the button that asks the provider now.
            async with client(stack.url) as http:
                cookie = await backoffice_cookies(stack, http)
                desk = await http.get("/admin/taches", headers={"Cookie": cookie})
            assert desk.status_code == 200
            assert reference in desk.text
            assert "Interroger le fournisseur maintenant" in desk.text
        finally:
            await fakes.post("/_fake/wave/outage", json={"silent": False})
