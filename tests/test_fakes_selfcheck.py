"""The production stage's stand-ins for the outside world (tests_production/fakes.py), run as
the stage runs them (a subprocess on free ports) and driven by our own code: the Twilio and
SMTP senders, CloudinaryStorage through the official SDK, and WaveProvider. When a fake drifts
from what our code sends or reads, this fails here, in the normal suite, before the stage.

Kept under tests/ because `python3 run.py test` collects tests/ only; it needs no database."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import cloudinary.utils  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.config import Settings
from hostolink.media.errors import StorageUnavailable
from hostolink.media.images import CleanImage, clean
from hostolink.media.storage import CONTENT_TYPES, CloudinaryStorage, parse_cloudinary_url
from hostolink.messaging.senders import SenderError, TwilioSmsSender, build_senders
from hostolink.messaging.templates import otp_message
from hostolink.providers.base import (
    CollectionRequest,
    InvalidCallback,
    OperationRef,
    Outcome,
    PayoutRequest,
    ProviderMisconfigured,
    ProviderUnreachable,
)
from hostolink.providers.wave import WaveProvider, build
from tests.media.helpers import image_bytes

ROOT = Path(__file__).resolve().parent.parent
CLOUD = "hostolink-ci"
NO_SESSION: AsyncSession = None  # type: ignore[assignment]  # the senders never touch it
# A guard against a hung start, not a measure: startup takes well under a second.
START_GUARD_SECONDS = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Receiver:
    """Our webhook endpoint's stand-in: records what Wave (the fake) delivers."""

    port: int = 0
    failures: int = 0  # answer 503 to this many deliveries first
    received: list[tuple[bytes, dict[str, str], int]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/fournisseurs/wave/notifications"

    def answer(self, body: bytes, headers: dict[str, str]) -> int:
        status = 503 if self.failures > 0 else 200
        self.failures = max(0, self.failures - 1)
        self.received.append((body, headers, status))
        return status


@dataclass
class Fakes:
    url: str
    smtp_port: int
    twilio_sid: str
    twilio_token: str
    wave_key: str
    wave_secret: str
    cloudinary_key: str
    cloudinary_secret: str
    process: subprocess.Popen[str]

    @property
    def cloudinary_url(self) -> str:
        return (
            f"cloudinary://{self.cloudinary_key}:{self.cloudinary_secret}@{CLOUD}"
            f"?upload_prefix={self.url}"
        )


def start_fakes(webhook_url: str, stderr: IO[str]) -> Fakes:
    """The fakes in a subprocess, as tests_production/stack.py runs them, once ready."""
    port = free_port()
    values: dict[str, Any] = {
        "url": f"http://127.0.0.1:{port}",
        "smtp_port": free_port(),
        "twilio_sid": "AC" + secrets.token_hex(16),
        "twilio_token": secrets.token_hex(16),
        "wave_key": "wave_ci_prod_test-" + secrets.token_urlsafe(24),
        "wave_secret": "wave_ci_AHS-" + secrets.token_urlsafe(24),
        "cloudinary_key": str(secrets.randbelow(10**15)),
        "cloudinary_secret": secrets.token_urlsafe(20),
    }
    command = [
        sys.executable, "-m", "tests_production.fakes",
        "--http-port", str(port), "--smtp-port", str(values["smtp_port"]),
        "--public-url", values["url"], "--wave-webhook-url", webhook_url,
        "--wave-webhook-secret", values["wave_secret"], "--wave-api-key", values["wave_key"],
        "--twilio-sid", values["twilio_sid"], "--twilio-token", values["twilio_token"],
        "--cloudinary-key", values["cloudinary_key"],
        # `=`: a random secret may begin with « - », which argparse would take for an option.
        f"--cloudinary-secret={values['cloudinary_secret']}",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (our own module)
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True
    )
    guard = threading.Timer(START_GUARD_SECONDS, process.kill)
    guard.start()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "" when the process died
    finally:
        guard.cancel()
    assert line.strip() == "fakes ready", f"the fakes did not start (exit {process.poll()})"
    return Fakes(process=process, **values)


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=START_GUARD_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = state.answer(body, dict(self.headers.items()))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def fakes(receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fakes]:
    log = tmp_path_factory.mktemp("fakes") / "stderr.log"
    with log.open("w") as stderr:
        running = start_fakes(receiver.url, stderr)
        yield running
        stop(running.process)


@pytest.fixture
async def control(fakes: Fakes) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fakes.url) as client:
        yield client


def settings(**values: Any) -> Settings:
    """Settings whose outside-world keys are all explicit: the machine's environment (a real
    TWILIO_AUTH_TOKEN, say) cannot change what a test sees."""
    explicit: dict[str, Any] = {
        "HOSTOLINK_ENV": "test",
        "HOSTOLINK_SMS_SENDER": "outbox",
        "HOSTOLINK_EMAIL_SENDER": "outbox",
        "TWILIO_ACCOUNT_SID": None,
        "TWILIO_AUTH_TOKEN": None,
        "TWILIO_FROM": None,
        "TWILIO_API_BASE": "https://api.twilio.com",
        "SMTP_HOST": None,
        "SMTP_PORT": 587,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_FROM": "Hostolink <no-reply@hostolink.test>",
        "SMTP_STARTTLS": True,
        "SMTP_USE_TLS": False,
        "WAVE_API_KEY": None,
        "WAVE_WEBHOOK_SECRET": None,
        "WAVE_BASE_URL": "https://api.wave.com",
        "CLOUDINARY_URL": None,
    }
    explicit.update(values)
    return Settings.model_validate(explicit)


def mobile(suffix: str = "") -> str:
    """A fresh Ivorian number (+225 and ten digits), ending in `suffix`."""
    number = "07" + "".join(secrets.choice("0123456789") for _ in range(8))
    return "+225" + number[: len(number) - len(suffix)] + suffix


class TestTwilio:
    def sms_settings(self, fakes: Fakes, **values: Any) -> Settings:
        return settings(
            **{
                "HOSTOLINK_SMS_SENDER": "twilio",
                "TWILIO_ACCOUNT_SID": fakes.twilio_sid,
                "TWILIO_AUTH_TOKEN": fakes.twilio_token,
                "TWILIO_FROM": "Hostolink",
                "TWILIO_API_BASE": fakes.url,
                **values,
            }
        )

    async def test_an_otp_sms_is_read_back_by_its_number(
        self, fakes: Fakes, control: httpx.AsyncClient
    ) -> None:
        number = mobile()
        sms = build_senders(self.sms_settings(fakes)).for_channel("sms")

        await sms.send(NO_SESSION, otp_message("sms", number, "482913", "verification", 5))
        await sms.send(NO_SESSION, otp_message("sms", number, "730418", "verification", 5))

        for asked in (number, number.lstrip("+"), number.replace("+", " ")):
            messages = (await control.get("/_fake/messages", params={"to": asked})).json()
            assert [m["channel"] for m in messages] == ["sms", "sms"]
            assert "730418" in messages[0]["body"]  # newest first
            assert "482913" in messages[1]["body"]
            assert messages[0]["to"] == number
            assert messages[0]["sender"] == "Hostolink"
            assert messages[0]["at"]

    async def test_a_messaging_service_sid_is_accepted(
        self, fakes: Fakes, control: httpx.AsyncClient
    ) -> None:
        number = mobile()
        service = "MG" + secrets.token_hex(16)
        twilio = TwilioSmsSender(
            account_sid=fakes.twilio_sid,
            auth_token=fakes.twilio_token,
            sender=service,
            api_base=fakes.url,
        )

        await twilio.send(NO_SESSION, otp_message("sms", number, "111111", "verification", 5))

        [message] = (await control.get("/_fake/messages", params={"to": number})).json()
        assert message["sender"] == service

    async def test_wrong_credentials_are_refused_as_twilio_does(
        self, fakes: Fakes, control: httpx.AsyncClient
    ) -> None:
        number = mobile()
        bad = self.sms_settings(fakes, TWILIO_AUTH_TOKEN=secrets.token_hex(16))

        with pytest.raises(SenderError):
            await build_senders(bad).sms.send(
                NO_SESSION, otp_message("sms", number, "222222", "verification", 5)
            )

        assert (await control.get("/_fake/messages", params={"to": number})).json() == []
        path = f"/2010-04-01/Accounts/{fakes.twilio_sid}/Messages.json"
        answer = await control.post(path, data={"To": number}, auth=(fakes.twilio_sid, "x"))
        assert answer.status_code == 401
        assert answer.json()["code"] == 20003
        assert answer.headers["WWW-Authenticate"].startswith("Basic")

    @pytest.mark.parametrize(
        ("form", "code"),
        [
            ({"From": "Hostolink", "Body": "x"}, 21604),
            ({"To": "0701020304", "From": "Hostolink", "Body": "x"}, 21211),
            ({"To": "+2250701020304", "Body": "x"}, 21603),
            ({"To": "+2250701020304", "From": "Hostolink SA CI", "Body": "x"}, 21212),
            ({"To": "+2250701020304", "From": "Hostolink", "Body": ""}, 21602),
        ],
    )
    async def test_a_malformed_message_gets_twilios_error(
        self, fakes: Fakes, control: httpx.AsyncClient, form: dict[str, str], code: int
    ) -> None:
        answer = await control.post(
            f"/2010-04-01/Accounts/{fakes.twilio_sid}/Messages.json",
            data=form,
            auth=(fakes.twilio_sid, fakes.twilio_token),
        )

        assert answer.status_code == 400
        assert answer.json()["code"] == code
        assert answer.json()["more_info"].endswith(str(code))

    async def test_the_answer_is_a_twilio_message_resource(
        self, fakes: Fakes, control: httpx.AsyncClient
    ) -> None:
        number = mobile()
        answer = await control.post(
            f"/2010-04-01/Accounts/{fakes.twilio_sid}/Messages.json",
            data={"To": number, "From": "+15005550006", "Body": "Bonjour"},
            auth=(fakes.twilio_sid, fakes.twilio_token),
        )

        assert answer.status_code == 201
        body = answer.json()
        assert body["sid"].startswith("SM")
        assert len(body["sid"]) == 34
        assert (body["status"], body["to"], body["from"]) == ("queued", number, "+15005550006")
        assert body["account_sid"] == fakes.twilio_sid
        assert body["uri"] == f"/2010-04-01/Accounts/{fakes.twilio_sid}/Messages/{body['sid']}.json"


class TestSmtp:
    async def test_an_otp_email_is_read_back_case_insensitively(
        self, fakes: Fakes, control: httpx.AsyncClient
    ) -> None:
        address = f"awa.kone.{secrets.token_hex(4)}@example.ci"
        email = build_senders(
            settings(
                HOSTOLINK_EMAIL_SENDER="smtp",
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=fakes.smtp_port,
                SMTP_STARTTLS=False,
                # Any credentials are accepted: AUTH is offered so that ours are exercised.
                SMTP_USERNAME="mailer",
                SMTP_PASSWORD=secrets.token_urlsafe(12),
            )
        ).for_channel("email")

        await email.send(NO_SESSION, otp_message("email", address, "730418", "verification", 5))

        messages = (await control.get("/_fake/messages", params={"to": address.upper()})).json()
        [message] = messages
        assert message["channel"] == "email"
        assert message["to"] == address
        assert "730418" in message["body"]
        assert "<p" not in message["body"]  # the text part, not the HTML one
        assert message["subject"] == "Votre code de vérification Hostolink"
        assert message["sender"] == "no-reply@hostolink.test"
        sms_only = await control.get("/_fake/messages", params={"to": address, "channel": "sms"})
        assert sms_only.json() == []


def png() -> CleanImage:
    # Through our own cleaning step, as an upload reaches the storage.
    return clean(image_bytes("PNG", (64, 48), exif=False), 6000)


def kyc_download_url(cloudinary_url: str, key: str, type_mime: str, expires_at: int) -> str:
    """The URL kyc/files.py `serve` redirects to, built by the same call with the same
    arguments (serve itself reads the media row from the database, which this test avoids)."""
    extensions = {mime: ext for ext, mime in CONTENT_TYPES.items()}
    url = cloudinary.utils.private_download_url(
        key,
        extensions.get(type_mime, "jpg"),
        type="authenticated",
        expires_at=expires_at,
        **parse_cloudinary_url(cloudinary_url),
    )
    return str(url)


class TestCloudinary:
    async def test_a_public_upload_is_served_back(
        self, fakes: Fakes, control: httpx.AsyncClient
    ) -> None:
        image = png()

        stored = await CloudinaryStorage(fakes.cloudinary_url).save(
            image, folder="publication", private=False
        )

        assert stored.stockage == "cloudinary"
        assert stored.cle_stockage.startswith("hostolink/publication/")
        assert stored.url is not None
        expected = rf"/res/{CLOUD}/image/upload/v[0-9]+/{re.escape(stored.cle_stockage)}\.png"
        assert re.fullmatch(re.escape(fakes.url) + expected, stored.url)
        served = await control.get(stored.url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/png"
        assert served.content == image.content
        [asset] = [
            a
            for a in (await control.get("/_fake/cloudinary/assets")).json()
            if a["public_id"] == stored.cle_stockage
        ]
        assert (asset["type"], asset["format"], asset["bytes"]) == (
            "upload",
            "png",
            len(image.content),
        )

    async def test_a_private_upload_is_reached_only_through_a_signed_download_url(
        self, fakes: Fakes, control: httpx.AsyncClient
    ) -> None:
        image = png()
        stored = await CloudinaryStorage(fakes.cloudinary_url).save(
            image, folder="identite", private=True
        )
        assert stored.url is None
        public_path = f"/res/{CLOUD}/image/authenticated/{stored.cle_stockage}.png"
        assert (await control.get(public_path)).status_code == 401
        expires_at = int(datetime.now(UTC).timestamp()) + 300

        url = kyc_download_url(fakes.cloudinary_url, stored.cle_stockage, "image/png", expires_at)

        assert url.startswith(f"{fakes.url}/v1_1/{CLOUD}/image/download?")
        served = await control.get(url)
        assert served.status_code == 200
        assert served.content == image.content
        assert served.headers["content-type"] == "image/png"
        tampered = url.replace(f"expires_at={expires_at}", f"expires_at={expires_at + 3600}")
        refused = await control.get(tampered)
        assert refused.status_code == 401
        assert refused.json()["error"]["message"].startswith("Invalid Signature")
        past = kyc_download_url(fakes.cloudinary_url, stored.cle_stockage, "image/png", 1)
        assert (await control.get(past)).status_code == 401

    async def test_a_wrong_secret_is_refused_and_nothing_is_stored(
        self, fakes: Fakes, control: httpx.AsyncClient
    ) -> None:
        before = (await control.get("/_fake/cloudinary/assets")).json()
        wrong = fakes.cloudinary_url.replace(fakes.cloudinary_secret, secrets.token_urlsafe(20))

        with pytest.raises(StorageUnavailable):
            await CloudinaryStorage(wrong).save(png(), folder="publication", private=False)

        assert (await control.get("/_fake/cloudinary/assets")).json() == before

    async def test_a_deleted_image_is_gone(self, fakes: Fakes, control: httpx.AsyncClient) -> None:
        storage = CloudinaryStorage(fakes.cloudinary_url)
        stored = await storage.save(png(), folder="publication", private=False)
        assert stored.url is not None

        await storage.delete(stored.cle_stockage, private=False)
        await storage.delete(stored.cle_stockage, private=False)  # "not found": no error

        assert (await control.get(stored.url)).status_code == 404


def collection(
    reference: str, amount: int = 5000, msisdn: str = "+2250700000001"
) -> CollectionRequest:
    return CollectionRequest(
        reference=reference,
        amount=amount,
        currency="XOF",
        msisdn=msisdn,
        rail="wave",
        description="Rechargement Hostolink",
        callback_url="https://api.hostolink.test/api/fournisseurs/wave/notifications",
        return_url="https://app.hostolink.test/portefeuille/depot/retour",
    )


def payout_request(reference: str, msisdn: str) -> PayoutRequest:
    return PayoutRequest(
        reference=reference,
        amount=25000,
        currency="XOF",
        msisdn=msisdn,
        rail="wave",
        description="Retrait Hostolink",
        callback_url="https://api.hostolink.test/api/fournisseurs/wave/notifications",
        recipient_name="Awa Koné",
    )


def operation(direction: str, reference: str, **provider_data: str) -> OperationRef:
    return OperationRef(
        reference=reference,
        direction=direction,  # type: ignore[arg-type]
        amount=5000,
        currency="XOF",
        msisdn="+2250700000001",
        rail="wave",
        provider_data=provider_data,
    )


class TestWave:
    @pytest.fixture
    async def wave(self, fakes: Fakes) -> AsyncIterator[WaveProvider]:
        configured = settings(
            WAVE_API_KEY=fakes.wave_key,
            WAVE_WEBHOOK_SECRET=fakes.wave_secret,
            WAVE_BASE_URL=fakes.url,
        )
        async with httpx.AsyncClient() as client:
            provider = build(configured, client)
            assert provider is not None
            yield provider

    async def test_a_paid_deposit_is_notified_with_a_signature_we_accept(
        self, wave: WaveProvider, control: httpx.AsyncClient, receiver: Receiver, fakes: Fakes
    ) -> None:
        reference = str(uuid.uuid4())
        opened = await wave.collect(collection(reference))
        assert opened.outcome is Outcome.PENDING
        assert opened.external_id is not None
        assert opened.external_id.startswith("cos-")
        assert opened.payment_url == (
            f"{fakes.url}/c/{opened.external_id}?a=5000&c=XOF&m=Hostolink"
        )
        assert opened.amount == 5000
        session_ref = operation("depot", reference, **opened.provider_data)
        assert (await wave.status(session_ref)).outcome is Outcome.PENDING
        receiver.failures = 1  # our endpoint fails once: Wave tries again

        paid = await control.post(f"/_fake/wave/checkout/{opened.external_id}/pay")

        assert paid.status_code == 200, paid.text
        assert paid.json()["delivered"] is True
        assert paid.json()["status"] == 200
        assert paid.json()["attempts"] == 2
        body, headers, _ = receiver.received[-1]
        assert receiver.received[-2][0] == body  # the same event, delivered again
        assert headers["Wave-Signature"].startswith("t=")
        callback = wave.parse_callback(body, headers, now=time.time())
        assert callback.trusted is True
        assert callback.outcome is Outcome.SUCCEEDED
        assert callback.event_type == "checkout.session.completed"
        assert callback.reference == reference
        assert callback.external_id == opened.external_id
        assert callback.amount == 5000
        assert callback.event_id == paid.json()["event_id"]
        assert (await wave.status(session_ref)).outcome is Outcome.SUCCEEDED
        again = await control.post(f"/_fake/wave/checkout/{reference}/pay")  # by reference
        assert again.json()["event_id"] == callback.event_id  # a duplicate, for our inbox

    async def test_a_webhook_is_refused_under_another_secret(
        self, wave: WaveProvider, control: httpx.AsyncClient, receiver: Receiver, fakes: Fakes
    ) -> None:
        opened = await wave.collect(collection(str(uuid.uuid4())))
        await control.post(f"/_fake/wave/checkout/{opened.external_id}/pay")
        body, headers, _ = receiver.received[-1]
        async with httpx.AsyncClient() as client:
            other = WaveProvider(
                api_key=fakes.wave_key,
                webhook_secret=secrets.token_urlsafe(24),
                base_url=fakes.url,
                client=client,
            )

            with pytest.raises(InvalidCallback, match="bad signature"):
                other.parse_callback(body, headers, now=time.time())

    async def test_a_failed_payment_is_notified_and_is_not_final(
        self, wave: WaveProvider, control: httpx.AsyncClient, receiver: Receiver
    ) -> None:
        """Wave: after `checkout.session.payment_failed` the session stays open and the payer
        may try again on it — only `completed` or `expired` ends it."""
        reference = str(uuid.uuid4())
        opened = await wave.collect(collection(reference))
        session = operation("depot", reference, **opened.provider_data)

        failed = await control.post(f"/_fake/wave/checkout/{opened.external_id}/fail")

        assert failed.json()["delivered"] is True
        body, headers, _ = receiver.received[-1]
        callback = wave.parse_callback(body, headers, now=time.time())
        assert callback.event_type == "checkout.session.payment_failed"
        assert callback.outcome is None
        assert (await wave.status(session)).outcome is Outcome.PENDING
        paid = await control.post(f"/_fake/wave/checkout/{opened.external_id}/pay")
        assert paid.status_code == 200, paid.text
        assert (await wave.status(session)).outcome is Outcome.SUCCEEDED

    async def test_an_expired_session_is_read_as_failed(
        self, wave: WaveProvider, control: httpx.AsyncClient
    ) -> None:
        reference = str(uuid.uuid4())
        opened = await wave.collect(collection(reference))

        await control.post(f"/_fake/wave/checkout/{opened.external_id}/expire")

        answer = await wave.status(operation("depot", reference, **opened.provider_data))
        assert answer.outcome is Outcome.FAILED
        paying = await control.post(f"/_fake/wave/checkout/{opened.external_id}/pay")
        assert paying.status_code == 409

    async def test_the_idempotency_key_gives_the_first_answer_again(
        self, wave: WaveProvider, control: httpx.AsyncClient
    ) -> None:
        reference = str(uuid.uuid4())

        first = await wave.collect(collection(reference))
        second = await wave.collect(collection(reference))

        assert second.external_id == first.external_id
        state = (await control.get("/_fake/wave/state")).json()
        assert [s["client_reference"] for s in state["sessions"]].count(reference) == 1
        # The key already names a request Wave has: whatever this one says, it proves
        # nothing about that one (never a refusal that would close the operation).
        with pytest.raises(ProviderUnreachable) as raised:
            await wave.collect(collection(reference, amount=6000))
        assert raised.value.detail is not None
        assert "idempotency-mismatch" in raised.value.detail

    async def test_a_deposit_is_found_by_its_reference(self, wave: WaveProvider) -> None:
        reference = str(uuid.uuid4())
        opened = await wave.collect(collection(reference))

        found = await wave.status(operation("depot", reference))  # no session id known

        assert found.outcome is Outcome.PENDING
        assert found.external_id == opened.external_id
        unknown = await wave.status(operation("depot", str(uuid.uuid4())))
        assert unknown.outcome is Outcome.UNKNOWN

    async def test_a_wrong_api_key_is_refused(self, fakes: Fakes) -> None:
        async with httpx.AsyncClient() as client:
            wave = WaveProvider(
                api_key="wave_ci_prod_test-wrong", webhook_secret=None, base_url=fakes.url,
                client=client,
            )  # fmt: skip

            with pytest.raises(ProviderMisconfigured):
                await wave.collect(collection(str(uuid.uuid4())))

    @pytest.mark.parametrize(
        ("suffix", "outcome", "reason"),
        [
            ("12", Outcome.SUCCEEDED, None),
            ("99", Outcome.FAILED, "Le compte Wave du destinataire est bloqué."),
            ("97", Outcome.PENDING, None),
        ],
    )
    async def test_a_payout_follows_the_recipient_number(
        self, wave: WaveProvider, suffix: str, outcome: Outcome, reason: str | None
    ) -> None:
        reference = str(uuid.uuid4())

        answer = await wave.payout(payout_request(reference, mobile(suffix)))

        assert answer.outcome is outcome
        assert answer.reason == reason
        assert answer.amount == 25000
        assert answer.external_id is not None
        assert answer.external_id.startswith("pt-")
        by_id = await wave.status(operation("retrait", reference, **answer.provider_data))
        by_reference = await wave.status(operation("retrait", reference))
        assert by_id.outcome is by_reference.outcome is outcome
        assert by_reference.external_id == answer.external_id

    async def test_a_processing_payout_settles_later(
        self, wave: WaveProvider, control: httpx.AsyncClient
    ) -> None:
        reference = str(uuid.uuid4())
        answer = await wave.payout(payout_request(reference, mobile("97")))
        assert answer.outcome is Outcome.PENDING

        settled = await control.post(
            f"/_fake/wave/payout/{answer.external_id}/settle", json={"status": "succeeded"}
        )

        assert settled.json()["status"] == "succeeded"
        later = await wave.status(operation("retrait", reference, **answer.provider_data))
        assert later.outcome is Outcome.SUCCEEDED

    async def test_a_payout_answered_500_is_unreachable_and_not_created(
        self, wave: WaveProvider, control: httpx.AsyncClient
    ) -> None:
        reference = str(uuid.uuid4())

        with pytest.raises(ProviderUnreachable):
            await wave.payout(payout_request(reference, mobile("98")))

        state = (await control.get("/_fake/wave/state")).json()
        assert reference not in [p["client_reference"] for p in state["payouts"]]


class TestProcess:
    def test_health_then_sigterm_exits_0(self, receiver: Receiver, tmp_path: Path) -> None:
        with (tmp_path / "stderr.log").open("w") as stderr:
            running = start_fakes(receiver.url, stderr)
            try:
                assert httpx.get(f"{running.url}/_fake/health").status_code == 200
            finally:
                code = stop(running.process)
        assert code == 0

    def test_a_missing_option_is_named(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "tests_production.fakes", "--http-port", "1"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("FAKES_")},
            check=False,
        )
        assert done.returncode == 2
        assert "--smtp-port" in done.stderr
        assert "--wave-api-key" in done.stderr
