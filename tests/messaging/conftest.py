"""The outside world of the senders, simulated at its boundary: a real local SMTP server
(aiosmtpd) and settings built without reading the machine's environment for sender keys."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from hostolink.config import Settings

SMTP_USER = "mailer"
SMTP_PASSWORD = "smtp-password-not-for-logs"


def free_port() -> int:
    """A port nobody listens on (bound then released: connecting to it is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SettingsFactory(Protocol):
    def __call__(self, **values: Any) -> Settings: ...


@pytest.fixture
def closed_port() -> int:
    return free_port()


@pytest.fixture
def make_settings() -> SettingsFactory:
    return _make_settings


def _make_settings(**values: Any) -> Settings:
    """Settings whose sender keys are all explicit, so a developer's or CI's environment
    (a real TWILIO_AUTH_TOKEN, say) cannot change what a test sees."""
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
    }
    explicit.update(values)
    return Settings.model_validate(explicit)


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[Envelope] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refused_recipients: set[str] = field(default_factory=set)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refused_recipients:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Session, envelope: Envelope
    ) -> str:
        self.received.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            self.logins.append((login, password))
            if (login, password) == (SMTP_USER, SMTP_PASSWORD):
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (no TLS; AUTH offered in clear for the test only)."""
    server = SmtpServer(host="127.0.0.1", port=free_port())
    controller = Controller(
        server,
        hostname=server.host,
        port=server.port,
        authenticator=server.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
