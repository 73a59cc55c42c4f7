"""Push through FCM, simulated at its HTTP boundary.

firebase-admin sends with httpx (`send_each_async`), simulated with respx at the FCM v1
`messages:send` URL; google-auth fetches the OAuth token with `requests` from the service
account's `token_uri`, here a real local HTTP server that checks the signed assertion. The
service account's RSA key is generated for the test run, never stored."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.jobs.queue import Job
from hostolink.notifications.push import PUSH_JOB, enqueue_for_transactions, push_handlers
from hostolink.notifications.service import notify
from tests.conftest import make_settings
from tests.crash.harness import free_port
from tests.factories import asgi_client
from tests.notifications.inbox_helpers import Someone, notification_row, someone
from tests.notifications.inbox_helpers import write_notification as write
from tests.wallet.helpers import admin_token, credit, send

PROJECT = "hostolink-test"
FCM_URL = f"https://fcm.googleapis.com/v1/projects/{PROJECT}/messages:send"
ACCESS_TOKEN = "ya29.simulated-access-token"
AUDIENCE = "https://oauth2.googleapis.com/token"


@dataclass
class TokenServer:
    """Google's OAuth token endpoint: verifies the JWT assertion with the public key."""

    public_pem: bytes
    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def service_account() -> Iterator[tuple[dict[str, str], TokenServer]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    state = TokenServer(public_pem)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            form = parse_qs(self.rfile.read(length).decode())
            # google-auth signs for Google's token audience whatever the token_uri.
            claims = jwt.decode(form["assertion"][0], certs=state.public_pem, audience=AUDIENCE)
            state.calls.append({"grant_type": form["grant_type"][0], "claims": claims})
            body = json.dumps(
                {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/token"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    account = {
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "test-key",
        "private_key": private_pem,
        "client_email": f"push@{PROJECT}.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": state.url,
    }
    yield account, state
    server.shutdown()
    server.server_close()


@pytest.fixture
async def push_app(
    database_url: str, db_engine: AsyncEngine, service_account: tuple[dict[str, str], TokenServer]
) -> AsyncIterator[Any]:
    settings = make_settings(FIREBASE_CREDENTIALS=json.dumps(service_account[0]))
    application = create_app(settings, database_url=database_url)
    application.state.worker.handlers.update(push_handlers(settings, application.state.db))
    yield application
    await application.state.db.dispose()


@pytest.fixture
async def push_client(push_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(push_app) as http:
        yield http


def fcm_error(status: int, code: str, error_code: str, message: str = "") -> httpx.Response:
    detail = {
        "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
        "errorCode": error_code,
    }
    shown = message or code
    body = {"error": {"code": status, "message": shown, "status": code, "details": [detail]}}
    return httpx.Response(status, json=body)


class Fcm:
    """Answers per device token; records what was sent."""

    def __init__(self) -> None:
        self.answers: dict[str, httpx.Response] = {}
        self.sent: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
        message = json.loads(request.content)["message"]
        self.sent.append(message)
        answer = self.answers.get(message["token"])
        if answer is not None:
            return answer
        return httpx.Response(200, json={"name": f"projects/{PROJECT}/messages/{len(self.sent)}"})


@pytest.fixture
def fcm() -> Iterator[Fcm]:
    simulated = Fcm()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(FCM_URL).mock(side_effect=simulated)
        yield simulated


async def device(client: httpx.AsyncClient, who: Someone, token: str) -> None:
    body = {"jeton": token, "plateforme": "android"}
    response = await client.post("/api/appareils", json=body, headers=who.headers)
    assert response.status_code == 200, response.text


async def jobs(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT * FROM tache WHERE nom = :n ORDER BY id_tache"), {"n": PUSH_JOB}
        )
        return [dict(r) for r in rows.mappings()]


async def tokens(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.scalars(text("SELECT fcm_token FROM appareil_push ORDER BY id"))
        return list(rows)


class TestEnqueue:
    async def test_no_device_means_no_push(
        self, push_app: Any, push_client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        notification_id = await write(push_app, awa.id)
        assert (await notification_row(db_engine, notification_id))["statut_push"] == "non_requis"
        assert await jobs(db_engine) == []

    async def test_push_not_configured_means_no_push(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await someone(client, db_engine, 1)
        await device(client, awa, "tok-a")
        notification_id = await write(app, awa.id)
        assert (await notification_row(db_engine, notification_id))["statut_push"] == "non_requis"
        assert await jobs(db_engine) == []

    async def test_one_job_that_exists_only_if_the_notification_commits(
        self, push_app: Any, push_client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        await device(push_client, awa, "tok-a")
        await device(push_client, awa, "tok-b")
        async with push_app.state.db.sessionmaker() as session:
            await notify(session, user_id=awa.id, kind="like", title="x", text="y")
            await session.rollback()
        assert await jobs(db_engine) == []

        notification_id = await write(push_app, awa.id)

        assert (await notification_row(db_engine, notification_id))["statut_push"] == "en_attente"
        queued = await jobs(db_engine)
        assert [j["charge"] for j in queued] == [{"id_notification": notification_id}]


class TestDelivery:
    async def test_sent_to_every_device(
        self,
        push_app: Any,
        push_client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        fcm: Fcm,
        service_account: tuple[dict[str, str], TokenServer],
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        await device(push_client, awa, "tok-a")
        await device(push_client, awa, "tok-b")
        notification_id = await write(push_app, awa.id, "Argent reçu", data={"reference": "HL-1"})

        await push_app.state.worker.drain()

        assert sorted(m["token"] for m in fcm.sent) == ["tok-a", "tok-b"]
        message = fcm.sent[0]
        assert message["notification"] == {"title": "Argent reçu", "body": "Texte Argent reçu"}
        assert message["data"] == {
            "reference": "HL-1",
            "id_notification": str(notification_id),
            "type_notification": "systeme",
        }
        assert (await notification_row(db_engine, notification_id))["statut_push"] == "envoye"
        assert [j["statut"] for j in await jobs(db_engine)] == ["terminee"]
        token_calls = service_account[1].calls
        assert token_calls, "the OAuth token was never requested"
        assert token_calls[-1]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        assert token_calls[-1]["claims"]["iss"] == f"push@{PROJECT}.iam.gserviceaccount.com"

    async def test_dead_tokens_are_pruned(
        self, push_app: Any, push_client: httpx.AsyncClient, db_engine: AsyncEngine, fcm: Fcm
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        for token in ("tok-live", "tok-gone", "tok-bad"):
            await device(push_client, awa, token)
        fcm.answers["tok-gone"] = fcm_error(404, "NOT_FOUND", "UNREGISTERED")
        fcm.answers["tok-bad"] = fcm_error(
            400,
            "INVALID_ARGUMENT",
            "INVALID_ARGUMENT",
            "The registration token is not a valid FCM registration token",
        )
        notification_id = await write(push_app, awa.id)

        await push_app.state.worker.drain()

        assert await tokens(db_engine) == ["tok-live"]
        assert (await notification_row(db_engine, notification_id))["statut_push"] == "envoye"

    async def test_all_tokens_dead_is_a_failure(
        self, push_app: Any, push_client: httpx.AsyncClient, db_engine: AsyncEngine, fcm: Fcm
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        await device(push_client, awa, "tok-gone")
        fcm.answers["tok-gone"] = fcm_error(404, "NOT_FOUND", "UNREGISTERED")
        notification_id = await write(push_app, awa.id)

        await push_app.state.worker.drain()

        assert await tokens(db_engine) == []
        assert (await notification_row(db_engine, notification_id))["statut_push"] == "echec"
        assert [j["statut"] for j in await jobs(db_engine)] == ["terminee"]


class TestTransient:
    async def test_retried_by_the_queue_then_sent(
        self, push_app: Any, push_client: httpx.AsyncClient, db_engine: AsyncEngine, fcm: Fcm
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        await device(push_client, awa, "tok-a")
        fcm.answers["tok-a"] = fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED")
        notification_id = await write(push_app, awa.id)

        await push_app.state.worker.drain()

        [job] = await jobs(db_engine)
        assert job["statut"] == "en_attente"
        assert job["tentatives"] == 1
        assert "TransientPushError" in job["derniere_erreur"]
        assert "tok-a" not in job["derniere_erreur"]
        assert (await notification_row(db_engine, notification_id))["statut_push"] == "en_attente"
        assert await tokens(db_engine) == ["tok-a"]

        del fcm.answers["tok-a"]  # FCM is back; the backoff has passed
        async with db_engine.begin() as connection:
            await connection.execute(text("UPDATE tache SET date_execution = now()"))
        await push_app.state.worker.drain()

        assert (await notification_row(db_engine, notification_id))["statut_push"] == "envoye"
        assert [j["statut"] for j in await jobs(db_engine)] == ["terminee"]
        assert len(fcm.sent) == 2

    async def test_last_attempt_records_the_failure(
        self, push_app: Any, push_client: httpx.AsyncClient, db_engine: AsyncEngine, fcm: Fcm
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        await device(push_client, awa, "tok-a")
        fcm.answers["tok-a"] = fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED")
        notification_id = await write(push_app, awa.id)
        async with db_engine.begin() as connection:
            await connection.execute(text("UPDATE tache SET tentatives_max = 1"))

        await push_app.state.worker.drain()

        assert (await notification_row(db_engine, notification_id))["statut_push"] == "echec"
        assert [j["statut"] for j in await jobs(db_engine)] == ["terminee"]
        assert await tokens(db_engine) == ["tok-a"]  # a busy FCM says nothing about the token

    async def test_a_handled_job_runs_once(
        self, push_app: Any, push_client: httpx.AsyncClient, db_engine: AsyncEngine, fcm: Fcm
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        await device(push_client, awa, "tok-a")
        notification_id = await write(push_app, awa.id)
        await push_app.state.worker.drain()
        # The same job claimed again (a lease expired after the send): nothing is re-sent.
        handler = push_app.state.worker.handlers[PUSH_JOB]
        [row] = await jobs(db_engine)
        await handler(Job(row["id_tache"], PUSH_JOB, row["charge"], 2, 6))
        assert len(fcm.sent) == 1
        assert (await notification_row(db_engine, notification_id))["statut_push"] == "envoye"


class TestInvalidArgument:
    async def test_a_message_problem_never_prunes_the_devices(
        self, push_app: Any, push_client: httpx.AsyncClient, db_engine: AsyncEngine, fcm: Fcm
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        await device(push_client, awa, "tok-a")
        fcm.answers["tok-a"] = fcm_error(
            400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Message is too big"
        )
        notification_id = await write(push_app, awa.id)

        await push_app.state.worker.drain()

        assert await tokens(db_engine) == ["tok-a"]
        assert (await notification_row(db_engine, notification_id))["statut_push"] == "echec"

    async def test_a_long_text_is_shortened(
        self, push_app: Any, push_client: httpx.AsyncClient, db_engine: AsyncEngine, fcm: Fcm
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        await device(push_client, awa, "tok-a")
        async with push_app.state.db.sessionmaker() as session, session.begin():
            await notify(session, user_id=awa.id, kind="commentaire", title="t", text="é" * 5000)

        await push_app.state.worker.drain()

        [message] = fcm.sent
        assert len(message["notification"]["body"]) == 1000


class TestMoneyNotices:
    async def test_wallet_notices_are_pushed_by_transaction(
        self, push_app: Any, push_client: httpx.AsyncClient, db_engine: AsyncEngine, fcm: Fcm
    ) -> None:
        awa = await someone(push_client, db_engine, 1)
        ali = await someone(push_client, db_engine, 2)
        await device(push_client, ali, "tok-ali")  # Awa has no device: nothing to push to her
        admin = await admin_token(push_client, db_engine)
        await credit(push_client, admin, awa.who.numero_compte, 10_000)
        sent = await send(push_client, awa.who, ali.who.phone, 5_000)
        assert sent.status_code in {200, 201}, sent.text
        async with db_engine.connect() as connection:
            transaction_id = await connection.scalar(
                text("SELECT id_transaction FROM notification WHERE id_user = :u"), {"u": ali.id}
            )

        # The app's NoticeWriter queued the push with the notices; queuing again adds none.
        assert len(await jobs(db_engine)) == 1
        async with push_app.state.db.notices.connect() as connection:
            await enqueue_for_transactions(connection, [transaction_id])
        assert len(await jobs(db_engine)) == 1
        await push_app.state.worker.drain()

        [message] = fcm.sent
        assert message["token"] == "tok-ali"
        assert message["data"]["type_notification"] == "argent_recu"
        async with db_engine.connect() as connection:
            rows = await connection.execute(text("SELECT id_user, statut_push FROM notification"))
            statuses = {row.id_user: row.statut_push for row in rows}
        assert statuses == {ali.id: "envoye", awa.id: "non_requis"}


class TestTokenEndpointDown:
    async def test_oauth_failure_is_retried_later(
        self,
        database_url: str,
        db_engine: AsyncEngine,
        service_account: tuple[dict[str, str], TokenServer],
        fcm: Fcm,
    ) -> None:
        account = {**service_account[0], "token_uri": f"http://127.0.0.1:{free_port()}/token"}
        settings = make_settings(FIREBASE_CREDENTIALS=json.dumps(account))
        application = create_app(settings, database_url=database_url)
        application.state.worker.handlers.update(push_handlers(settings, application.state.db))
        try:
            async with asgi_client(application, base_url="http://t") as client:
                awa = await someone(client, db_engine, 1)
                await device(client, awa, "tok-a")
                notification_id = await write(application, awa.id)
                await application.state.worker.drain()
        finally:
            await application.state.db.dispose()

        assert fcm.sent == []
        [job] = await jobs(db_engine)
        assert job["statut"] == "en_attente"
        assert "credential refresh failed" in job["derniere_erreur"]
        assert (await notification_row(db_engine, notification_id))["statut_push"] == "en_attente"
