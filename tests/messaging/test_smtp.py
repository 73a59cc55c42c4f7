"""SmtpEmailSender against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import logging
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.messaging.senders import (
    OutgoingMessage,
    SenderError,
    SmtpEmailSender,
    build_senders,
)
from hostolink.messaging.templates import otp_message

from .conftest import SMTP_PASSWORD, SMTP_USER

if TYPE_CHECKING:
    from .conftest import SettingsFactory, SmtpServer

FROM = "Hostolink <no-reply@hostolink.test>"
TO = "awa.kone@example.ci"
CODE = "730418"
NO_SESSION: AsyncSession = None  # type: ignore[assignment]


def sender(server: SmtpServer, **options: object) -> SmtpEmailSender:
    values: dict[str, object] = {"starttls": False, **options}
    return SmtpEmailSender(host=server.host, port=server.port, sender=FROM, **values)  # type: ignore[arg-type]


def parsed(server: SmtpServer, index: int = -1) -> EmailMessage:
    content = server.received[index].content
    assert isinstance(content, bytes)
    message = message_from_bytes(content, policy=default)
    assert isinstance(message, EmailMessage)
    return message


class TestDelivery:
    async def test_delivers_a_multipart_otp_email(self, smtp_server: SmtpServer) -> None:
        message = otp_message("email", TO, CODE, "verification", 5)

        await sender(smtp_server).send(NO_SESSION, message)

        envelope = smtp_server.received[-1]
        assert envelope.mail_from == "no-reply@hostolink.test"
        assert envelope.rcpt_tos == [TO]
        email = parsed(smtp_server)
        assert email["From"] == FROM
        assert email["To"] == TO
        assert email["Subject"] == "Votre code de vérification Hostolink"
        assert email["Message-ID"].endswith("@hostolink.test>")
        assert email["Date"]
        assert email.get_content_type() == "multipart/alternative"
        text = email.get_body(("plain",))
        html = email.get_body(("html",))
        assert text is not None
        assert html is not None
        assert CODE in text.get_content()
        assert "vérification" in text.get_content()
        assert f">{CODE}</p>" in html.get_content()

    async def test_text_only_when_there_is_no_html(self, smtp_server: SmtpServer) -> None:
        message = OutgoingMessage(channel="email", to=TO, subject="Bonjour", text="Texte seul")
        await sender(smtp_server).send(NO_SESSION, message)
        email = parsed(smtp_server)
        assert email.get_content_type() == "text/plain"
        assert email.get_content().strip() == "Texte seul"

    async def test_logs_in_with_the_configured_credentials(self, smtp_server: SmtpServer) -> None:
        message = otp_message("email", TO, CODE, "reinitialisation", 5)
        await sender(smtp_server, username=SMTP_USER, password=SMTP_PASSWORD).send(
            NO_SESSION, message
        )
        assert smtp_server.logins == [(SMTP_USER, SMTP_PASSWORD)]
        assert parsed(smtp_server)["Subject"] == "Votre code de réinitialisation Hostolink"

    async def test_built_from_settings(
        self, smtp_server: SmtpServer, make_settings: SettingsFactory
    ) -> None:
        settings = make_settings(
            HOSTOLINK_EMAIL_SENDER="smtp",
            SMTP_HOST=smtp_server.host,
            SMTP_PORT=smtp_server.port,
            SMTP_STARTTLS=False,
            SMTP_FROM="Santé Hostolink <otp@hostolink.test>",
        )
        await (
            build_senders(settings)
            .for_channel("email")
            .send(NO_SESSION, otp_message("email", TO, CODE, "verification", 5))
        )
        assert smtp_server.received[-1].mail_from == "otp@hostolink.test"
        assert parsed(smtp_server)["From"] == "Santé Hostolink <otp@hostolink.test>"


class TestFailures:
    async def test_a_refused_connection_is_a_sender_error(self, closed_port: int) -> None:
        smtp = SmtpEmailSender(host="127.0.0.1", port=closed_port, sender=FROM, starttls=False)
        with pytest.raises(SenderError) as raised:
            await smtp.send(NO_SESSION, otp_message("email", TO, CODE, "verification", 5))
        assert raised.value.status == 503
        assert raised.value.__cause__ is None

    async def test_a_rejected_recipient_is_a_sender_error(self, smtp_server: SmtpServer) -> None:
        smtp_server.refused_recipients.add(TO)
        with pytest.raises(SenderError):
            await sender(smtp_server).send(
                NO_SESSION, otp_message("email", TO, CODE, "verification", 5)
            )
        assert smtp_server.received == []

    async def test_wrong_credentials_are_a_sender_error(self, smtp_server: SmtpServer) -> None:
        smtp = sender(smtp_server, username=SMTP_USER, password="wrong")
        with pytest.raises(SenderError):
            await smtp.send(NO_SESSION, otp_message("email", TO, CODE, "verification", 5))
        assert smtp_server.received == []

    async def test_required_starttls_is_not_downgraded(self, smtp_server: SmtpServer) -> None:
        # The server offers no STARTTLS: sending in clear would leak the password.
        smtp = sender(smtp_server, starttls=True, username=SMTP_USER, password=SMTP_PASSWORD)
        with pytest.raises(SenderError):
            await smtp.send(NO_SESSION, otp_message("email", TO, CODE, "verification", 5))
        assert smtp_server.logins == []
        assert smtp_server.received == []

    async def test_logs_never_hold_the_password_the_code_or_the_address(
        self, smtp_server: SmtpServer, closed_port: int, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        message = otp_message("email", TO, CODE, "verification", 5)
        good = sender(smtp_server, username=SMTP_USER, password=SMTP_PASSWORD)
        await good.send(NO_SESSION, message)
        with pytest.raises(SenderError):
            await sender(smtp_server, username=SMTP_USER, password="wrong").send(
                NO_SESSION, message
            )
        closed = SmtpEmailSender(
            host="127.0.0.1", port=closed_port, sender=FROM, password=SMTP_PASSWORD
        )
        with pytest.raises(SenderError):
            await closed.send(NO_SESSION, message)

        ours = [r for r in caplog.records if r.name.startswith("hostolink")]
        logged = "\n".join(str(vars(record)) for record in ours)
        assert len(ours) == 3
        for secret in (SMTP_PASSWORD, CODE, TO):
            assert secret not in logged
        assert SMTP_PASSWORD not in repr(good)

    async def test_refuses_an_sms_message(self, smtp_server: SmtpServer) -> None:
        sms = OutgoingMessage(channel="sms", to="+2250701020304", subject=None, text="t")
        with pytest.raises(ValueError, match="email"):
            await sender(smtp_server).send(NO_SESSION, sms)
