"""Crash test: `kill -9` of the API process while a payment provider is delivering deposit
notifications, then a restart on the same database.

The provider is Wave, simulated at its HTTP boundary: a small HTTP server in the test plays
Wave's API (checkout sessions: create, read) and signs its webhooks with the secret the
server was given, exactly as Wave does. People start deposits; "Wave" marks every one paid
and delivers its notifications concurrently; the server dies (SIGKILL of its process group)
once some were acknowledged. After the restart nobody redelivers anything at first: the
server's reconciliation must find every paid deposit by asking "Wave". Then Wave's retries
arrive for every notification, answered or not. In the end: every deposit is credited once
and only once, balances equal what was paid, `ledger verify` is clean, nothing is pending."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.db import create_engine
from hostolink.wallet.verify import verify
from tests.crash.harness import Server, enrol, free_port

PEOPLE = 4
DEPOSITS_EACH = 10
DELIVERERS = 4
ACKNOWLEDGED_BEFORE_KILL = 15
SETTLE_SECONDS = 120  # reconciliation runs every 10 s; generous on a loaded 2-core machine


@dataclass
class FakeWave:
    """Wave's checkout API, in memory, as the server sees it over HTTP."""

    api_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    status_reads: int = 0

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            for session in self.sessions.values():  # Wave's idempotency on our reference
                if session["client_reference"] == body["client_reference"]:
                    return session
            session_id = f"cos-{uuid.uuid4().hex[:14]}"
            session = {
                "id": session_id,
                "amount": body["amount"],
                "currency": body["currency"],
                "business_name": "Hostolink",
                "checkout_status": "open",
                "payment_status": "processing",
                "client_reference": body["client_reference"],
                "wave_launch_url": f"https://pay.wave.com/c/{session_id}",
                "when_created": "2026-11-24T10:00:00Z",
            }
            self.sessions[session_id] = session
            return session

    def pay_all(self) -> None:
        with self.lock:
            for session in self.sessions.values():
                session.update(checkout_status="complete", payment_status="succeeded")
                session["transaction_id"] = f"T_{session['id']}"

    def webhook(self, session: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The signed `checkout.session.completed` event of `session` (one event id per
        session: a retry is the same event)."""
        body = json.dumps(
            {"id": f"EV_{session['id']}", "type": "checkout.session.completed", "data": session}
        ).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(
            self.webhook_secret.encode(), stamp.encode() + body, hashlib.sha256
        ).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "Wave-Signature": f"t={stamp},v1={signature}",
        }
        return body, headers


def _handler(wave: FakeWave) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {wave.api_key}":
                return True
            self._answer(401, {"code": "invalid-auth"})
            return False

        def do_POST(self) -> None:
            if not self._authorized():
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length))
            if self.path == "/v1/checkout/sessions":
                self._answer(200, wave.create(body))
            else:
                self._answer(404, {"code": "not-found"})

        def do_GET(self) -> None:
            if not self._authorized():
                return
            prefix = "/v1/checkout/sessions/"
            with wave.lock:
                wave.status_reads += 1
                session = wave.sessions.get(self.path.removeprefix(prefix))
                snapshot = dict(session) if session else None
            if self.path.startswith(prefix) and snapshot is not None:
                self._answer(200, snapshot)
            else:
                self._answer(404, {"code": "checkout-session-not-found"})

    return Handler


@pytest.fixture
def wave() -> Iterator[tuple[FakeWave, str]]:
    fake = FakeWave()
    port = free_port()
    http = ThreadingHTTPServer(("127.0.0.1", port), _handler(fake))
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield fake, f"http://127.0.0.1:{port}"
    http.shutdown()
    http.server_close()


@pytest.fixture
def server_env(server_env: dict[str, str], wave: tuple[FakeWave, str]) -> dict[str, str]:
    fake, url = wave
    return {
        **server_env,
        "WAVE_API_KEY": fake.api_key,
        "WAVE_WEBHOOK_SECRET": fake.webhook_secret,
        "WAVE_BASE_URL": url,
        "RECONCILIATION_DELAY_SECONDS": "1",
        "PROVIDER_TIMEOUT_SECONDS": "5",
    }


async def _start_deposits(
    http: httpx.AsyncClient, people: list[tuple[str, str]]
) -> dict[str, tuple[str, int]]:
    """reference -> (phone, amount) of every deposit started."""
    started: dict[str, tuple[str, int]] = {}
    for n, (phone, token) in enumerate(people):
        for k in range(DEPOSITS_EACH):
            amount = 1000 + 100 * (n * DEPOSITS_EACH + k)
            answer = await http.post(
                "/api/depots",
                json={"fournisseur": "wave", "montant": amount, "numero": phone},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
            )
            assert answer.status_code == 202, answer.text
            started[answer.json()["data"]["reference"]] = (phone, amount)
    return started


async def _deliver_until_killed(server: Server, fake: FakeWave) -> tuple[set[str], set[str]]:
    """Deliver every notification, DELIVERERS at a time; SIGKILL the server once
    ACKNOWLEDGED_BEFORE_KILL were answered 2xx. (acknowledged, not acknowledged) references."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for session in fake.sessions.values():
        queue.put_nowait(dict(session))
    acknowledged: set[str] = set()
    enough = asyncio.Event()
    refused: list[str] = []

    async def deliverer(http: httpx.AsyncClient) -> None:
        while not enough.is_set() and not queue.empty():
            session = queue.get_nowait()
            body, headers = fake.webhook(session)
            try:
                answer = await http.post(
                    "/api/fournisseurs/wave/notifications", content=body, headers=headers
                )
            except httpx.HTTPError:
                return  # the server died under us
            if not answer.is_success:
                refused.append(f"{answer.status_code} {answer.text[:300]}")
                enough.set()
                return
            acknowledged.add(session["client_reference"])
            if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                enough.set()

    async def killer() -> None:
        await enough.wait()
        assert not refused, refused[0]
        await asyncio.to_thread(server.kill9)

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await asyncio.gather(killer(), *(deliverer(http) for _ in range(DELIVERERS)))
    every = {session["client_reference"] for session in fake.sessions.values()}
    return acknowledged, every - acknowledged


async def _settled(engine: AsyncEngine, references: list[str]) -> dict[str, str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT reference, statut FROM operation_fournisseur WHERE reference = ANY(:r)"),
            {"r": references},
        )
    return {str(reference): str(statut) for reference, statut in rows}


async def test_kill9_during_deposit_notifications_credits_each_once(
    server: Server, wave: tuple[FakeWave, str]
) -> None:
    fake, _ = wave
    engine = create_engine(server.database_url, pool_size=2)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            people = await enrol(http, engine, PEOPLE)
            started = await _start_deposits(http, people)
        assert len(fake.sessions) == len(started) == PEOPLE * DEPOSITS_EACH

        fake.pay_all()
        acknowledged, unanswered = await _deliver_until_killed(server, fake)
        assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL
        references = sorted(started)
        before_restart = await _settled(engine, references)
        settled_before = sum(1 for statut in before_restart.values() if statut == "reussie")

        server.start()  # same database; nobody redelivers: reconciliation must find them
        reads_before = fake.status_reads
        deadline = time.monotonic() + SETTLE_SECONDS
        statuses = await _settled(engine, references)
        while time.monotonic() < deadline and set(statuses.values()) != {"reussie"}:
            await asyncio.sleep(1)
            statuses = await _settled(engine, references)
        pending = sorted(r for r, statut in statuses.items() if statut != "reussie")
        assert not pending, f"not reconciled after {SETTLE_SECONDS} s: {pending[:5]}"
        reconciled_reads = fake.status_reads - reads_before

        # Wave retries every notification it delivered (answered or not): nothing moves twice.
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            for session in list(fake.sessions.values()):
                body, headers = fake.webhook(session)
                again = await http.post(
                    "/api/fournisseurs/wave/notifications", content=body, headers=headers
                )
                assert again.is_success, again.text
        await asyncio.sleep(2)  # the retries' jobs run after their commit

        async with engine.connect() as connection:
            deposits = await connection.scalar(
                text("SELECT count(*) FROM \"transaction\" WHERE type_transaction = 'depot'")
            )
            rows = await connection.execute(
                text(
                    "SELECT u.telephone, c.solde FROM compte c"
                    " JOIN utilisateur u ON u.id_user = c.id_user WHERE u.telephone = ANY(:p)"
                ),
                {"p": [phone for phone, _ in people]},
            )
            balances = {str(phone): int(solde) for phone, solde in rows}
        async with engine.connect() as connection:
            report = await verify(connection)
        assert deposits == len(started), "a deposit credited twice, or never"
        for phone, _ in people:
            paid = sum(amount for who, amount in started.values() if who == phone)
            assert balances[phone] == paid, (phone, balances[phone], paid)
        assert report.ok, report.lines()
        print(  # the figures for the closing note (pytest -s)
            f"\nkill -9 during deposit notifications: {len(started)} deposits paid at the "
            f"provider, {len(acknowledged)} notifications acknowledged before the kill "
            f"({settled_before} settled), {len(unanswered)} never answered; after restart "
            f"reconciliation settled all ({reconciled_reads} status reads), "
            f"{len(started)} retried notifications moved nothing; {deposits} deposit "
            "transactions, 0 violations"
        )
    finally:
        await engine.dispose()
