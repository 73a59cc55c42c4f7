"""TwilioSmsSender against a simulated Twilio REST API (respx, at the HTTP boundary)."""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.messaging.senders import (
    OutgoingMessage,
    SenderError,
    TwilioSmsSender,
    build_senders,
)

if TYPE_CHECKING:
    from .conftest import SettingsFactory

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "twilio-auth-token-never-logged"
URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
TEXT = "Hostolink : votre code de vérification est 482913. Il expire dans 5 min."
SMS = OutgoingMessage(channel="sms", to="+2250701020304", subject=None, text=TEXT)

# The sender never touches the session; the Protocol still passes one.
NO_SESSION: AsyncSession = None  # type: ignore[assignment]


def sender(from_: str = "+15005550006", client: httpx.AsyncClient | None = None) -> TwilioSmsSender:
    return TwilioSmsSender(account_sid=SID, auth_token=TOKEN, sender=from_, client=client)


def form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    # The whole record, extras included: a JSON formatter would print all of them.
    return "\n".join(str(vars(record)) for record in caplog.records)


def created() -> httpx.Response:
    return httpx.Response(
        201, json={"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"}
    )


class TestRequest:
    async def test_posts_the_form_with_basic_auth(self, respx_mock: respx.MockRouter) -> None:
        route = respx_mock.post(URL).mock(return_value=created())

        await sender().send(NO_SESSION, SMS)

        request = route.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == URL
        expected = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        assert request.headers["Authorization"] == f"Basic {expected}"
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert form(request) == {"To": ["+2250701020304"], "From": ["+15005550006"], "Body": [TEXT]}

    async def test_messaging_service_sid_replaces_from(self, respx_mock: respx.MockRouter) -> None:
        route = respx_mock.post(URL).mock(return_value=created())

        await sender(from_="MG0123456789abcdef0123456789abcdef").send(NO_SESSION, SMS)

        sent = form(route.calls.last.request)
        assert sent["MessagingServiceSid"] == ["MG0123456789abcdef0123456789abcdef"]
        assert "From" not in sent

    async def test_uses_an_injected_client(self, respx_mock: respx.MockRouter) -> None:
        route = respx_mock.post(URL).mock(return_value=created())
        async with httpx.AsyncClient() as client:
            twilio = sender(client=client)
            await twilio.send(NO_SESSION, SMS)
            await twilio.send(NO_SESSION, SMS)
            assert not client.is_closed  # the caller owns it
        assert route.call_count == 2

    async def test_built_from_settings_with_a_custom_api_base(
        self, respx_mock: respx.MockRouter, make_settings: SettingsFactory
    ) -> None:
        settings = make_settings(
            HOSTOLINK_SMS_SENDER="twilio",
            TWILIO_ACCOUNT_SID=SID,
            TWILIO_AUTH_TOKEN=TOKEN,
            TWILIO_FROM="Hostolink",
            TWILIO_API_BASE="http://twilio.test/",
        )
        route = respx_mock.post(f"http://twilio.test/2010-04-01/Accounts/{SID}/Messages.json").mock(
            return_value=created()
        )

        await build_senders(settings).for_channel("sms").send(NO_SESSION, SMS)

        assert form(route.calls.last.request)["From"] == ["Hostolink"]

    async def test_refuses_an_email_message(self) -> None:
        email = OutgoingMessage(channel="email", to="a@b.ci", subject="s", text="t")
        with pytest.raises(ValueError, match="sms"):
            await sender().send(NO_SESSION, email)


class TestFailures:
    @pytest.mark.parametrize(
        ("status", "body"),
        [
            (
                400,
                {"code": 21211, "message": f"Invalid 'To' Phone Number: {SMS.to}", "status": 400},
            ),
            (401, {"code": 20003, "message": "Authenticate", "status": 401}),
            (429, {"code": 20429, "message": "Too Many Requests", "status": 429}),
            (500, {"code": 20500, "message": "Internal Server Error", "status": 500}),
        ],
    )
    async def test_an_error_answer_is_a_sender_error(
        self,
        respx_mock: respx.MockRouter,
        caplog: pytest.LogCaptureFixture,
        status: int,
        body: dict[str, object],
    ) -> None:
        respx_mock.post(URL).mock(return_value=httpx.Response(status, json=body))
        caplog.set_level(logging.DEBUG)

        with pytest.raises(SenderError) as raised:
            await sender().send(NO_SESSION, SMS)

        assert raised.value.status == 503
        assert raised.value.code == "SenderError"
        assert raised.value.message.startswith("Le code n'a pas pu être envoyé")
        record = next(r for r in caplog.records if r.getMessage() == "twilio refused the message")
        assert record.__dict__["http_status"] == status
        assert record.__dict__["twilio_code"] == body["code"]

    async def test_a_non_json_error_page_is_a_sender_error(
        self, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(URL).mock(return_value=httpx.Response(502, text="<html>Bad gateway</html>"))
        with pytest.raises(SenderError):
            await sender().send(NO_SESSION, SMS)

    @pytest.mark.parametrize(
        "error",
        [
            httpx.ConnectTimeout("timed out"),
            httpx.ReadTimeout("timed out"),
            httpx.ConnectError("connection refused"),
        ],
    )
    async def test_a_transport_error_is_a_sender_error(
        self, respx_mock: respx.MockRouter, error: Exception
    ) -> None:
        respx_mock.post(URL).mock(side_effect=error)
        with pytest.raises(SenderError) as raised:
            await sender().send(NO_SESSION, SMS)
        assert raised.value.__cause__ is None  # nothing of httpx's request leaks upward

    async def test_logs_never_hold_the_token_the_body_or_the_number(
        self, respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        respx_mock.post(URL).mock(
            side_effect=[
                created(),
                httpx.Response(400, json={"code": 21211, "message": f"Bad number {SMS.to}"}),
                httpx.ConnectTimeout("timed out"),
            ]
        )
        twilio = sender()
        await twilio.send(NO_SESSION, SMS)
        for _ in range(2):
            with pytest.raises(SenderError):
                await twilio.send(NO_SESSION, SMS)

        logged = everything_logged(caplog)
        assert logged  # the sender did log something
        for secret in (TOKEN, "482913", TEXT, SMS.to):
            assert secret not in logged
        assert TOKEN not in repr(twilio)
