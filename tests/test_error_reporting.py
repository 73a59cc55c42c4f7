"""Error reporting to Sentry, seen from Sentry's side (issue « Run it with eyes open »).

A small HTTP server stands in for Sentry: the SDK posts envelopes to
`/api/<project>/envelope/` of the DSN's host (gzip-compressed unless brotli is installed);
the tests decode what arrived and read it as Sentry would. The secrets a request carries are
made at run time, so none of them is written in this file: a source line quoted with a
stack frame cannot bring one into the envelope.
"""

from __future__ import annotations

import asyncio
import gzip
import secrets
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import sentry_sdk
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from sentry_sdk.envelope import Envelope
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.auth.deps import CurrentUser
from hostolink.jobs import queue
from hostolink.kit import errors_reporting
from hostolink.kit.errors_reporting import MASK, scrub, scrub_text
from tests.conftest import ROOT, make_settings, outbox_code
from tests.factories import asgi_client

PROJECT = 1
IDENTIFIER = "0701020304"
PHONE = "+2250701020304"
UNREACHABLE_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"


class Receiver:
    """What the SDK posted: (path, headers, decompressed body) per request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(raw)
                elif encoding == "br":
                    import brotli  # type: ignore[import-not-found]  # noqa: PLC0415

                    body = brotli.decompress(raw)
                else:
                    body = raw
                with receiver._lock:
                    receiver.requests.append((self.path, dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_: Any) -> None:  # quiet
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.dsn = f"http://publickey@127.0.0.1:{self.server.server_address[1]}/{PROJECT}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def raw(self) -> bytes:
        with self._lock:
            return b"\n".join(body for _, _, body in self.requests)

    def items(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            bodies = [body for _, _, body in self.requests]
        found = []
        for body in bodies:
            for item in Envelope.deserialize(body).items:
                if item.type == kind and item.payload.json is not None:
                    found.append(item.payload.json)
        return found


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The stand-in, and the SDK closed afterwards: it is process-wide, and the next test's
    apps are built without a DSN."""
    stand_in = Receiver()
    yield stand_in
    errors_reporting.shutdown()
    stand_in.close()


async def _flushed(receiver: Receiver) -> Receiver:
    await asyncio.to_thread(sentry_sdk.flush, 5)
    return receiver


def _card_number() -> str:
    """A random card number that passes Luhn."""
    digits = [int(c) for c in str(4_000_000_000_000_00 + secrets.randbelow(10**14))]
    total = sum(
        (d * 2 - 9 if d > 4 else d * 2) if i % 2 == 0 else d for i, d in enumerate(reversed(digits))
    )
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


async def _enrol(
    http: httpx.AsyncClient, engine: AsyncEngine, password: str
) -> tuple[int, str, str]:
    """A verified person, the way the app enrols one: id, access token, the code they got."""
    registered = await http.post("/api/register-user", json={"identifier": IDENTIFIER})
    assert registered.status_code == 201, registered.text
    defined = await http.post(
        "/api/define-password", json={"identifier": IDENTIFIER, "password": password}
    )
    assert defined.status_code == 200, defined.text
    code = await outbox_code(engine, PHONE)
    verified = await http.post("/api/verify-otp", json={"identifier": IDENTIFIER, "otpCode": code})
    assert verified.status_code == 200, verified.text
    return int(registered.json()["id_user"]), verified.json()["token"], code


def _broken_route(application: FastAPI) -> None:
    async def broken(jeton: str, request: Request, principal: CurrentUser) -> None:
        body = await request.json()  # a local variable full of secrets: frames' are never sent
        # The worst case for the scrubber: a bug whose message quotes everything it was given.
        raise RuntimeError(
            f"bogue de test pour {principal.telephone}: {body} "
            f"{request.headers['authorization']} {request.url}"
        )

    application.add_api_route(
        "/test/bogue/{jeton}", broken, methods=["POST"], include_in_schema=False
    )


class TestUnhandledErrorOfARequest:
    async def test_reaches_sentry_once_with_the_request_and_no_secret(
        self, receiver: Receiver, database_url: str, db_engine: AsyncEngine
    ) -> None:
        application = create_app(make_settings(SENTRY_DSN=receiver.dsn), database_url=database_url)
        _broken_route(application)
        password = f"Secret-{secrets.token_hex(6)}"
        card = _card_number()
        spaced_card = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
        share_token = secrets.token_urlsafe(12)
        query_token = secrets.token_urlsafe(12)
        cookie = secrets.token_hex(8)
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            user_id, access_token, code = await _enrol(http, db_engine, password)
            response = await http.post(
                f"/test/bogue/{share_token}?token={query_token}",
                headers={
                    "Authorization": f"Bearer {access_token}",
                    "X-Request-ID": "sentry-test-0001",
                    "Cookie": f"session={cookie}",
                },
                json={
                    "password": password,
                    "otp": code,
                    "numero_carte": card,
                    "note": f"ma carte {spaced_card}, le code {code}",
                },
            )
        await application.state.db.dispose()
        assert response.status_code == 500
        assert response.json()["error"] == "InternalError"

        await _flushed(receiver)
        assert {path for path, _, _ in receiver.requests} == {f"/api/{PROJECT}/envelope/"}
        events = receiver.items("event")
        assert len(events) == 1, events
        event = events[0]
        assert event["level"] == "error"
        assert event["logger"] == "hostolink.errors"
        assert event["exception"]["values"][-1]["type"] == "RuntimeError"
        assert event["tags"]["request_id"] == "sentry-test-0001"
        assert event["tags"]["route"] == "/test/bogue/{jeton}"
        assert event["tags"]["method"] == "POST"
        assert event["transaction"] == "/test/bogue/{jeton}"
        assert event["user"] == {"id": str(user_id)}
        assert event["request"] == {"method": "POST", "url": f"/test/bogue/{MASK}"}
        assert event["environment"] == "test"
        assert event["release"].startswith("hostolink@")
        assert "breadcrumbs" not in event or not event["breadcrumbs"].get("values")
        for frame in event["exception"]["values"][-1]["stacktrace"]["frames"]:
            assert "vars" not in frame

        raw = receiver.raw()
        never = {
            "password": password,
            "otp": code,
            "card": card,
            "spaced card": spaced_card,
            "access token": access_token,
            "token signature": access_token.rsplit(".", 1)[-1],
            "share token": share_token,
            "query token": query_token,
            "cookie": cookie,
            "phone": IDENTIFIER,
            "e164 phone": PHONE,
        }
        leaked = [name for name, value in never.items() if value.encode() in raw]
        assert not leaked, leaked

    async def test_a_bug_after_the_response_started_is_one_event(self, receiver: Receiver) -> None:
        """Logged by UnhandledErrorMiddleware, raised again, logged by errors.py's last
        handler: the same exception, reported once."""
        application = create_app(
            make_settings(SENTRY_DSN=receiver.dsn), database_url=UNREACHABLE_URL
        )

        async def chunks() -> AsyncIterator[bytes]:
            yield b"debut"
            raise RuntimeError("bogue en plein envoi")

        async def streaming() -> StreamingResponse:
            return StreamingResponse(chunks())

        application.add_api_route("/test/flux", streaming, include_in_schema=False)
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            await http.get("/test/flux", headers={"X-Request-ID": "sentry-test-0002"})
        await application.state.db.dispose()

        events = (await _flushed(receiver)).items("event")
        assert len(events) == 1, [event.get("logger") for event in events]
        assert events[0]["tags"]["request_id"] == "sentry-test-0002"
        assert events[0]["tags"]["route"] == "/test/flux"
        assert "user" not in events[0]


class TestJobs:
    async def test_a_job_abandoned_after_its_last_attempt_is_reported(
        self, receiver: Receiver, database_url: str, db_engine: AsyncEngine
    ) -> None:
        application = create_app(make_settings(SENTRY_DSN=receiver.dsn), database_url=database_url)
        worker = application.state.worker

        async def failing(_job: queue.Job) -> None:
            raise RuntimeError("fournisseur injoignable")

        worker.handlers["test.panne"] = failing
        async with db_engine.begin() as connection:
            job_id = await queue.enqueue(connection, "test.panne", {}, max_attempts=1)
        await worker.drain()
        await application.state.db.dispose()

        # One event: the abandonment (ERROR), not the failed attempt before it (WARNING).
        events = (await _flushed(receiver)).items("event")
        assert len(events) == 1, events
        event = events[0]
        assert event["level"] == "error"
        assert event["logger"] == "hostolink.jobs"
        message = event["logentry"]["formatted"]
        assert f"job {job_id} (test.panne)" in message
        assert "abandon" in message
        assert "request_id" not in event.get("tags", {})
        assert "user" not in event


class TestTraces:
    async def test_a_sampled_request_is_one_transaction_named_by_its_route(
        self, receiver: Receiver
    ) -> None:
        settings = make_settings(SENTRY_DSN=receiver.dsn, SENTRY_TRACES_SAMPLE_RATE=1.0)
        application = create_app(settings, database_url=UNREACHABLE_URL)

        async def shared(jeton: str) -> dict[str, bool]:
            return {"success": bool(jeton)}

        application.add_api_route("/test/partage/{jeton}", shared, include_in_schema=False)
        share_token = secrets.token_urlsafe(12)
        async with asgi_client(application, base_url="http://t") as http:
            assert (await http.get(f"/test/partage/{share_token}")).status_code == 200
            assert (await http.get("/health")).status_code == 200  # a probe: no transaction
        await application.state.db.dispose()

        transactions = (await _flushed(receiver)).items("transaction")
        assert [t["transaction"] for t in transactions] == ["/test/partage/{jeton}"]
        assert transactions[0]["contexts"]["trace"]["status"] == "ok"
        assert transactions[0]["request"] == {"method": "GET", "url": f"/test/partage/{MASK}"}
        assert share_token.encode() not in receiver.raw()
        assert not receiver.items("event")


class TestInstallation:
    async def test_one_init_per_process_whatever_the_number_of_apps(
        self, receiver: Receiver
    ) -> None:
        settings = make_settings(SENTRY_DSN=receiver.dsn)
        first = create_app(settings, database_url=UNREACHABLE_URL)
        client = sentry_sdk.get_client()
        second = create_app(settings, database_url=UNREACHABLE_URL)
        assert sentry_sdk.get_client() is client
        for application in (first, second):
            await application.state.db.dispose()

    def test_without_a_dsn_the_sdk_is_not_even_imported(self) -> None:
        program = (
            "import sys\n"
            "from hostolink.app import create_app\n"
            "from tests.conftest import make_settings\n"
            f"app = create_app(make_settings(), database_url={UNREACHABLE_URL!r})\n"
            "names = [m.cls.__name__ for m in app.user_middleware]\n"
            "assert 'RequestFacts' not in names, names\n"
            "assert 'sentry_sdk' not in sys.modules\n"
        )
        subprocess.run(  # noqa: S603 (our own interpreter and program)
            [sys.executable, "-c", program], cwd=ROOT, check=True, timeout=120
        )


class TestScrubber:
    def test_strings(self) -> None:
        card = _card_number()
        cases = {
            f"carte {card}": "carte [masqué]",
            "Votre code Hostolink : 482913": "Votre code Hostolink : [masqué]",
            "482913 est votre code": "[masqué] est votre code",
            "Authorization: Bearer abc.def-ghi": "Authorization: [masqué] [masqué]",
            "jeton eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl": "jeton [masqué]",
            "/ws/thematiques/3?token=abc&x=1": "/ws/thematiques/3?token=[masqué]&x=1",
            "{'password': 'a b', 'newPin': '1234', 'cle': 'k'}": (
                "{'password': [masqué], 'newPin': [masqué], 'cle': [masqué]}"
            ),
            "appel +2250701020304 ou 07 01 02 03 04": "appel [masqué] ou [masqué]",
            "awa@example.com": "[masqué]",
        }
        for given, expected in cases.items():
            assert scrub_text(given) == expected

    def test_what_is_left_alone(self) -> None:
        for given in (
            "status_code=500 error code 40001 job 12 attempt 3",
            "trace 4bf92f3577b34da6a3ce929d0e0e4736",
            "4111111111111112",  # fails Luhn
        ):
            assert scrub_text(given) == given

    def test_database_errors_lose_their_values(self) -> None:
        message = (
            "(sqlalchemy.dialects.postgresql.asyncpg.IntegrityError) <class "
            "'asyncpg.exceptions.UniqueViolationError'>: duplicate key value violates unique "
            'constraint "uq_email"\nDETAIL:  Key (email)=(awa@example.ci) already exists.\n'
            "[SQL: INSERT INTO utilisateur (email) VALUES ($1::VARCHAR)]\n"
            "[parameters: ('awa@example.ci',)]\n"
            "(Background on this error at: https://sqlalche.me/e/20/gkpj)"
        )
        scrubbed = scrub_text(message)
        assert "awa" not in scrubbed
        assert "[SQL: INSERT INTO utilisateur (email) VALUES ($1::VARCHAR)]" in scrubbed
        assert 'constraint "uq_email"' in scrubbed

    def test_keys(self) -> None:
        data = {
            "headers": {"Authorization": "x", "Cookie": "y", "X-Api-Key": "z"},
            "numero_carte": "4111",
            "otpCode": "1",
            "code": "482913",
            "status_code": 500,
            "nested": [{"mot_de_passe": "p", "montant": 1500}],
            "event_id": "12345678901234567890123456789012",
        }
        assert scrub(data) == {
            "headers": {"Authorization": MASK, "Cookie": MASK, "X-Api-Key": MASK},
            "numero_carte": MASK,
            "otpCode": MASK,
            "code": MASK,
            "status_code": 500,
            "nested": [{"mot_de_passe": MASK, "montant": 1500}],
            "event_id": "12345678901234567890123456789012",
        }
