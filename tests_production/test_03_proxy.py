"""Behind the proxy, every person has their own address: budgets, logs, audit journal.

nginx appends the address it saw to X-Forwarded-For, after whatever the client sent, as
Render's proxy does; the instances trust nginx's address and one hop
(HOSTOLINK_TRUSTED_PROXIES=127.0.0.1, HOSTOLINK_PROXY_HOPS=1). Each client here connects
from its own loopback address.
"""

from __future__ import annotations

import json

from tests_production.people import admin, client, enrol, new_phone
from tests_production.stack import Stack

BUDGET = 60  # RATE_LIMIT_PER_IP_PER_MINUTE, production's default


async def _check_user(http: object, forged: str | None = None) -> int:
    headers = {"X-Forwarded-For": forged} if forged else {}
    # A new number each time: the per-identifier budget (10 a minute) is not under test.
    answer = await http.post(  # type: ignore[attr-defined]
        "/api/check-user", json={"identifier": new_phone()}, headers=headers
    )
    status: int = answer.status_code
    return status


async def test_two_clients_two_budgets_and_a_forged_header_buys_nothing(stack: Stack) -> None:
    async with (
        client(stack.url, source="127.1.0.1") as first,
        client(stack.url, source="127.1.0.2") as second,
    ):
        statuses = [await _check_user(first) for _ in range(BUDGET)]
        assert set(statuses) == {200}, statuses
        assert await _check_user(first) == 429
        # The other person behind the same proxy has a whole budget.
        assert await _check_user(second) == 200
        # A fresh address written by the client, and one in the proxy's own network: no new
        # budget (the proxy's entry is the one read).
        assert await _check_user(first, forged="198.51.100.7") == 429
        assert await _check_user(first, forged="127.0.0.1") == 429
        assert await _check_user(first, forged="10.0.0.1, 198.51.100.8") == 429


def _access_lines(stack: Stack) -> list[dict[str, object]]:
    lines = []
    for name in ("a", "b"):
        for raw in stack.log(f"instance-{name}").read_text(errors="replace").splitlines():
            if raw.startswith("{") and '"hostolink.access"' in raw:
                lines.append(json.loads(raw))
    return lines


async def test_the_logs_and_the_audit_journal_record_the_person(stack: Stack) -> None:
    person = await enrol(stack)
    async with client(stack.url, source="127.1.0.9") as http:
        boss = await admin(stack)
        boss.http = http
        answer = await boss.post(
            f"/api/admin/utilisateurs/{person.user_id}/suspension",
            json={"motif": "Vérification de l'adresse enregistrée"},
            headers={"X-Forwarded-For": "203.0.113.66", "X-Request-ID": "prod-stage-audit-1"},
        )
        assert answer.status_code == 200, answer.text
        journal = await boss.get("/api/admin/journal", params={"cle_cible": str(person.user_id)})
        assert journal.status_code == 200, journal.text
    entries = journal.json()["data"]["elements"]
    suspension = next(e for e in entries if e["id_requete"] == "prod-stage-audit-1")
    assert suspension["adresse_ip"] == "127.1.0.9"  # not nginx's, not the forged one

    # The access log line of that request: the person's address, and the proxy it came by.
    lines = [
        line for line in _access_lines(stack) if line.get("request_id") == "prod-stage-audit-1"
    ]
    assert len(lines) == 1, lines
    assert lines[0]["client"] == "127.1.0.9"
    assert lines[0]["proxy"] == "127.0.0.1"
