"""Message senders: how an OTP (and, later, a notification) leaves the building.

One sender per channel, chosen by configuration (`build_senders`):
- `OutboxSender` (development default) writes the message to `message_sortant` in the
  request's transaction, so a developer reads it with `hostolink outbox`;
- `TwilioSmsSender` posts to Twilio's Programmable Messaging REST API;
- `SmtpEmailSender` hands the e-mail to an SMTP relay.

A delivery failure is a `SenderError` (503, in French), raised to the caller so that the
request's transaction rolls back: no half-created account, no stored code nobody received.
Logs never carry a message body (it holds the code), a token or a password.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Literal, Protocol
from urllib.parse import quote

import aiosmtplib
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.config import EmailSender, Settings, SmsSender
from hostolink.errors import HostolinkError
from hostolink.models.message_sortant import MessageSortant

logger = logging.getLogger("hostolink.notifications")

Channel = Literal["sms", "email"]

TWILIO_TIMEOUT_SECONDS = 10.0
SMTP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class OutgoingMessage:
    channel: Channel
    to: str  # E.164 phone (+2250701020304) or normalised e-mail
    subject: str | None  # e-mail only
    text: str
    html: str | None = None


class SenderError(HostolinkError):
    status_code = 503
    message = "Le code n'a pas pu être envoyé. Réessayez dans quelques instants."


class MessageSender(Protocol):
    async def send(self, session: AsyncSession, message: OutgoingMessage) -> None: ...


def mask_recipient(to: str) -> str:
    """Enough of an address to correlate logs, not enough to identify the person."""
    if "@" in to:
        local, _, domain = to.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(to) <= 6:
        return "***"
    return f"{to[:4]}***{to[-2:]}"


def _expect_channel(message: OutgoingMessage, channel: Channel, sender: str) -> None:
    # A programming error (wrong sender for the channel), not a delivery failure.
    if message.channel != channel:
        raise ValueError(f"{sender} sends {channel} messages, got {message.channel!r}")


class OutboxSender:
    """Development sender: the message becomes a `message_sortant` row.

    The row is written with the caller's session and never committed here: it becomes
    visible when the request's transaction commits, and disappears with it on rollback, so
    the outbox only ever shows codes that were really stored."""

    async def send(self, session: AsyncSession, message: OutgoingMessage) -> None:
        session.add(
            MessageSortant(
                canal=message.channel,
                destinataire=message.to,
                sujet=message.subject,
                corps=message.text,
            )
        )
        # Flush now so a bad row fails here, inside the sender, not at commit time.
        await session.flush()
        logger.info(
            "message written to outbox",
            extra={"channel": message.channel, "recipient": mask_recipient(message.to)},
        )


class TwilioSmsSender:
    """SMS through Twilio's REST API (`POST /2010-04-01/Accounts/{sid}/Messages.json`)."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_base: str = "https://api.twilio.com",
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._sender = sender
        self._url = (
            f"{api_base.rstrip('/')}/2010-04-01/Accounts/{quote(account_sid, safe='')}"
            "/Messages.json"
        )
        self._client = client

    def __repr__(self) -> str:  # never show the token, even in a debugger or a traceback
        return f"TwilioSmsSender(account_sid={self._account_sid!r}, sender={self._sender!r})"

    def _form(self, message: OutgoingMessage) -> dict[str, str]:
        form = {"To": message.to, "Body": message.text}
        # A Messaging Service SID (MG…) lets Twilio pick the number or alphanumeric sender
        # per destination country; anything else is a sending number or sender ID.
        if self._sender.startswith("MG"):
            form["MessagingServiceSid"] = self._sender
        else:
            form["From"] = self._sender
        return form

    async def send(self, session: AsyncSession, message: OutgoingMessage) -> None:
        _expect_channel(message, "sms", "TwilioSmsSender")
        recipient = mask_recipient(message.to)
        try:
            if self._client is not None:
                response = await self._post(self._client, message)
            else:
                async with httpx.AsyncClient(timeout=TWILIO_TIMEOUT_SECONDS) as client:
                    response = await self._post(client, message)
        except httpx.HTTPError as exc:
            logger.warning(
                "twilio request failed",
                extra={"error_type": type(exc).__name__, "recipient": recipient},
            )
            raise SenderError from None
        if not response.is_success:
            # Twilio's error body is {"code", "message", "more_info", "status"}; its message
            # may quote the destination, so only the numeric code and the status are logged.
            logger.warning(
                "twilio refused the message",
                extra={
                    "http_status": response.status_code,
                    "twilio_code": _twilio_error_code(response),
                    "recipient": recipient,
                },
            )
            raise SenderError
        logger.info(
            "sms sent through twilio",
            extra={"twilio_sid": _json_field(response, "sid"), "recipient": recipient},
        )

    async def _post(self, client: httpx.AsyncClient, message: OutgoingMessage) -> httpx.Response:
        return await client.post(
            self._url,
            data=self._form(message),
            auth=httpx.BasicAuth(self._account_sid, self._auth_token),
            headers={"Accept": "application/json"},
            timeout=TWILIO_TIMEOUT_SECONDS,
        )


def _json_field(response: httpx.Response, field: str) -> Any:
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload.get(field) if isinstance(payload, dict) else None


def _twilio_error_code(response: httpx.Response) -> int | None:
    code = _json_field(response, "code")
    return code if isinstance(code, int) else None


class SmtpEmailSender:
    """E-mail through an SMTP relay (multipart: plain text, plus HTML when given).

    `use_tls` is implicit TLS (port 465); otherwise `starttls` upgrades the connection and
    is required, not opportunistic, so credentials never cross the network in clear."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        use_tls: bool = False,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._envelope_sender = parseaddr(sender)[1]
        self._username = username
        self._password = password
        self._use_tls = use_tls
        self._starttls = starttls and not use_tls
        self._timeout = timeout

    def __repr__(self) -> str:  # never show the password
        return f"SmtpEmailSender(host={self._host!r}, port={self._port}, sender={self._sender!r})"

    def build(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._sender
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self._envelope_sender.rpartition("@")[2] or None
        email["Message-ID"] = make_msgid(domain=domain)
        email.set_content(message.text)
        if message.html is not None:
            email.add_alternative(message.html, subtype="html")
        return email

    async def send(self, session: AsyncSession, message: OutgoingMessage) -> None:
        _expect_channel(message, "email", "SmtpEmailSender")
        recipient = mask_recipient(message.to)
        try:
            await aiosmtplib.send(
                self.build(message),
                sender=self._envelope_sender,
                recipients=[message.to],
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._use_tls,
                start_tls=self._starttls,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # SMTPResponseException carries the server's reply code; never log its text,
            # which some relays fill with the rejected recipient or the submitted data.
            logger.warning(
                "smtp delivery failed",
                extra={
                    "error_type": type(exc).__name__,
                    "smtp_code": getattr(exc, "code", None),
                    "recipient": recipient,
                },
            )
            raise SenderError from None
        logger.info("e-mail sent through smtp", extra={"recipient": recipient})


@dataclass(frozen=True)
class Senders:
    """The configured sender of each channel."""

    sms: MessageSender
    email: MessageSender

    def for_channel(self, channel: Channel) -> MessageSender:
        if channel == "sms":
            return self.sms
        if channel == "email":
            return self.email
        raise ValueError(f"unknown channel {channel!r}")

    async def send(self, session: AsyncSession, message: OutgoingMessage) -> None:
        await self.for_channel(message.channel).send(session, message)


def build_senders(settings: Settings, *, http_client: httpx.AsyncClient | None = None) -> Senders:
    """The senders `settings` asks for; a `ValueError` at startup when one is half-configured."""
    outbox = OutboxSender()
    sms: MessageSender = outbox
    email: MessageSender = outbox
    if settings.sms_sender is SmsSender.TWILIO:
        sms = _twilio(settings, http_client)
    if settings.email_sender is EmailSender.SMTP:
        email = _smtp(settings)
    return Senders(sms=sms, email=email)


def _twilio(settings: Settings, client: httpx.AsyncClient | None) -> TwilioSmsSender:
    sid = settings.twilio_account_sid or ""
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
    sender = settings.twilio_from or ""
    required = (("TWILIO_ACCOUNT_SID", sid), ("TWILIO_AUTH_TOKEN", token), ("TWILIO_FROM", sender))
    missing = [name for name, value in required if not value.strip()]
    if missing:
        raise ValueError(f"HOSTOLINK_SMS_SENDER=twilio requires {', '.join(missing)} to be set")
    return TwilioSmsSender(
        account_sid=sid.strip(),
        auth_token=token,
        sender=sender.strip(),
        api_base=settings.twilio_api_base,
        client=client,
    )


def _smtp(settings: Settings) -> SmtpEmailSender:
    host = (settings.smtp_host or "").strip()
    problems: list[str] = []
    if not host:
        problems.append("SMTP_HOST to be set")
    if "@" not in parseaddr(settings.smtp_from)[1]:
        problems.append("SMTP_FROM to be an address such as 'Hostolink <no-reply@example.com>'")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    if settings.smtp_username and not password:
        problems.append("SMTP_PASSWORD to be set when SMTP_USERNAME is")
    if problems:
        raise ValueError(f"HOSTOLINK_EMAIL_SENDER=smtp requires {'; '.join(problems)}")
    return SmtpEmailSender(
        host=host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        username=settings.smtp_username or None,
        password=password,
        starttls=settings.smtp_starttls,
        use_tls=settings.smtp_use_tls,
    )
