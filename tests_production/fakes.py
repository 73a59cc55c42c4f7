"""The outside world of the production stage in one process: Twilio, an SMTP relay,
Cloudinary and Wave, simulated at their HTTP (or SMTP) boundary. Our code runs unpatched;
only the base URLs in its settings point here. All state is in memory.

    python -m tests_production.fakes --http-port 8900 --smtp-port 8925 \\
        --public-url http://127.0.0.1:8900 \\
        --wave-webhook-url http://127.0.0.1:8080/api/fournisseurs/wave/notifications \\
        --wave-webhook-secret S --wave-api-key K --twilio-sid AC… --twilio-token T \\
        --cloudinary-key K --cloudinary-secret S

Every option may come from the environment instead (`--wave-api-key` is FAKES_WAVE_API_KEY…),
which keeps secrets out of `ps`. `--host` (default 127.0.0.1): where both servers listen;
`--public-url` (default http://<host>:<http-port>): how our product reaches this process,
written into the URLs the fakes hand out; `--cloudinary-cloud`, optional: the only cloud
name accepted. Prints `fakes ready` once both servers listen; exits 0 on SIGTERM or SIGINT.

Our settings: TWILIO_API_BASE=<public-url>; SMTP_HOST/SMTP_PORT with SMTP_STARTTLS=false (no
TLS offered; AUTH offered, any credentials accepted); CLOUDINARY_URL=cloudinary://<key>:
<secret>@<cloud>?upload_prefix=<public-url>; WAVE_BASE_URL=<public-url>.

Control API (for the tests; our product never calls it):
- GET /_fake/health; GET /_fake/messages?to=&channel= (newest first; DELETE empties it);
  GET /_fake/cloudinary/assets; GET /_fake/wave/state ({"sessions", "payouts", "deliveries"}).
- POST /_fake/wave/checkout/{id}/pay: the payer pays, `checkout.session.completed` goes to
  --wave-webhook-url, retried until a 2xx; 200 {"delivered": true, "status": <our status>,
  "attempts", "event_id"}, 502 when never delivered. {id}: the session id or our
  client_reference. Paying a paid session delivers the same event again (Wave delivers at
  least once). Optional body {"payer_mobile": "+225…"}, checked against restrict_payer_mobile.
- POST /_fake/wave/checkout/{id}/fail: `checkout.session.payment_failed`, delivered likewise;
  POST /_fake/wave/checkout/{id}/expire: the session expires (Wave sends no event for that).
- POST /_fake/wave/outage {"silent": true|false}: Wave answers 503 to every API call (an
  outage: nothing is created, nothing can be read) until silent is false again.
- POST /_fake/wave/payout/{id}/settle {"status": "succeeded"|"failed"|"reversed"}: Wave has
  no payout event, so nothing is delivered; our product learns it from its status call.
Payouts by the recipient's number: ending in 99 → `failed` with a payout_error, 98 → HTTP 500
and nothing created, 97 → stays `processing`, anything else → `succeeded`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import copy
import hashlib
import hmac
import html
import io
import json
import logging
import os
import re
import secrets
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

import httpx
import uvicorn
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from PIL import Image, UnidentifiedImageError
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

logger = logging.getLogger("tests_production.fakes")

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# Twilio's alphanumeric sender ID: up to 11 letters, digits and spaces, one letter at least.
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
TWILIO_BODY_LIMIT = 1600
CLOUDINARY_STALE_SECONDS = 3600
# Cloudinary signs every Upload API parameter but these (the SDK's sign_request and
# Cloudinary's "authentication signatures" page).
CLOUDINARY_UNSIGNED = frozenset({"file", "cloud_name", "resource_type", "api_key", "signature"})
PIL_FORMATS = {"PNG": "png", "JPEG": "jpg", "MPO": "jpg", "WEBP": "webp", "GIF": "gif"}
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}
SAVE_AS = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP", "gif": "GIF"}
WAVE_BUSINESS_NAME = "Hostolink"
WAVE_SESSION_LIFETIME = timedelta(minutes=30)
WAVE_PAYMENT_REASON_MAX = 40
WAVE_PAYOUT_ERROR = {
    "error_code": "recipient-account-blocked",
    "error_message": "The recipient's Wave account is blocked.",
}
WEBHOOK_PAUSES_SECONDS = (0.0, 0.2, 0.5, 1.0, 2.0)  # before each delivery attempt
WEBHOOK_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Config:
    host: str
    http_port: int
    smtp_port: int
    public_url: str
    wave_webhook_url: str
    wave_webhook_secret: str
    wave_api_key: str
    twilio_sid: str
    twilio_token: str
    cloudinary_key: str
    cloudinary_secret: str
    cloudinary_cloud: str | None = None


@dataclass
class Asset:
    cloud: str
    type: str
    public_id: str
    content: bytes
    format: str
    width: int
    height: int
    version: int
    created_at: str
    asset_id: str = field(default_factory=lambda: secrets.token_hex(16))


def iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_error(
    status: int, body: Mapping[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(dict(body), status_code=status, headers=headers)


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def same_recipient(wanted: str, recipient: str) -> bool:
    if "@" in wanted:
        return wanted.strip().casefold() == recipient.strip().casefold()
    # "+" in a query string arrives as a space: phone numbers compare digit by digit.
    return bool(digits(wanted)) and digits(wanted) == digits(recipient)


def whole_francs(value: Any) -> int | None:
    text = str(value).strip() if isinstance(value, str | int) else ""
    return int(text) if text.isdigit() and int(text) > 0 else None


# ----------------------------------------------------------------------------- Twilio


def twilio_error(status: int, code: int, message: str, **headers: str) -> JSONResponse:
    more = f"https://www.twilio.com/docs/errors/{code}"
    body = {"code": code, "message": message, "more_info": more, "status": status}
    return json_error(status, body, headers)


def twilio_problem(to: str, sender: str, service: str, body: str) -> tuple[int, str] | None:
    """Twilio's validation, in its order, of what our sender can send."""
    checks = (
        (not to, 21604, "A 'To' phone number is required."),
        (not E164.match(to), 21211, f"Invalid 'To' Phone Number: {to}"),
        (not sender and not service, 21603, "A 'From' phone number is required."),
        (
            bool(sender) and not (E164.match(sender) or ALPHANUMERIC_SENDER.match(sender)),
            21212,
            f"Invalid From Number (caller ID): {sender}",
        ),
        (not body.strip(), 21602, "Message body is required."),
        (
            len(body) > TWILIO_BODY_LIMIT,
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ),
    )
    return next(((code, message) for bad, code, message in checks if bad), None)


def sms_segments(body: str) -> int:
    single, part = (160, 153) if body.isascii() else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // part)


def twilio_message(sid: str, message_sid: str, form: Mapping[str, str]) -> dict[str, Any]:
    """A Message resource as Twilio answers its creation."""
    stamp = format_datetime(datetime.now(UTC))  # RFC 2822 with "+0000", as Twilio writes it
    uri = f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}"
    sender = form["From"] or None
    return {
        "account_sid": sid,
        "api_version": "2010-04-01",
        "body": form["Body"],
        "date_created": stamp,
        "date_sent": None,
        "date_updated": stamp,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": sender,
        "messaging_service_sid": form["MessagingServiceSid"] or None,
        "num_media": "0",
        "num_segments": str(sms_segments(form["Body"])),
        "price": None,
        "price_unit": "USD",
        "sid": message_sid,
        # Through a Messaging Service without From, Twilio first answers "accepted".
        "status": "queued" if sender else "accepted",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": form["To"],
        "uri": f"{uri}.json",
    }


# ------------------------------------------------------------------------------- SMTP


class SmtpInbox:
    """aiosmtpd handler: each accepted e-mail becomes one message per recipient."""

    def __init__(self, world: World) -> None:
        self.world = world

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        email = message_from_bytes(content, policy=policy.default)
        assert isinstance(email, EmailMessage)  # what policy.default builds
        part = email.get_body(("plain", "html"))
        text = str(part.get_content()) if part is not None else ""
        for recipient in envelope.rcpt_tos:
            self.world.record(
                "email",
                recipient,
                text,
                subject=str(email["Subject"] or ""),
                sender=str(envelope.mail_from or ""),
            )
        return "250 Message accepted for delivery"


def accept_any_login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    return AuthResult(success=True)


# ------------------------------------------------------------------------- Cloudinary


def cloudinary_error(status: int, message: str) -> JSONResponse:
    return json_error(status, {"error": {"message": message}}, {"X-Cld-Error": message})


def cloudinary_string_to_sign(params: Mapping[str, str]) -> str:
    """The SDK's `api_string_to_sign` with signature_version 2 (its default): non-empty
    parameters as `k=v`, "&" escaped as %26, sorted, joined with "&"."""
    pairs = [f"{k}={v}".replace("&", "%26") for k, v in params.items() if v]
    return "&".join(sorted(pairs))


def cloudinary_sha1(text: str, secret: str) -> str:
    # SHA-1: the SDK's default signature_algorithm (cloudinary.Config) and Cloudinary's.
    return hashlib.sha1((text + secret).encode()).hexdigest()  # noqa: S324 (their protocol)


def image_facts(content: bytes) -> tuple[str, int, int] | None:
    try:
        with Image.open(io.BytesIO(content)) as image:
            fmt = PIL_FORMATS.get(str(image.format))
            return None if fmt is None else (fmt, image.width, image.height)
    except (UnidentifiedImageError, OSError):
        return None


def rendered(asset: Asset, fmt: str) -> bytes | None:
    """The asset in `fmt`: Cloudinary converts on delivery when the extension differs."""
    fmt = "jpg" if fmt == "jpeg" else fmt
    if fmt == asset.format:
        return asset.content
    if fmt not in SAVE_AS:
        return None
    with Image.open(io.BytesIO(asset.content)) as image:
        out = io.BytesIO()
        (image.convert("RGB") if fmt == "jpg" else image).save(out, SAVE_AS[fmt])
        return out.getvalue()


def image_response(asset: Asset, fmt: str, headers: dict[str, str] | None = None) -> Response:
    content = rendered(asset, fmt)
    if content is None:
        return cloudinary_error(400, f"Invalid extension {fmt}")
    media_type = CONTENT_TYPES.get("jpg" if fmt == "jpeg" else fmt, "application/octet-stream")
    return Response(content, media_type=media_type, headers=headers)


# ------------------------------------------------------------------------------- Wave


def wave_error(status: int, code: str, message: str) -> JSONResponse:
    return json_error(status, {"code": code, "message": message})


def wave_invalid(names: list[str]) -> tuple[int, dict[str, Any]]:
    details = [{"loc": ["body", name], "msg": "invalid value"} for name in names]
    message = "Invalid request: " + ", ".join(names)
    return 400, {"code": "request-validation-error", "message": message, "details": details}


def wave_id(prefix: str) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(13))


def wave_signature(secret: str, timestamp: str, body: bytes) -> str:
    # What WaveProvider.parse_callback recomputes: HMAC-SHA256 keyed with the signing
    # secret, over the timestamp text glued to the raw body (no separator).
    return hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).hexdigest()


async def control_options(request: Request) -> dict[str, Any]:
    """The optional JSON object a control call may carry ({} when absent or unreadable)."""
    try:
        options = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return options if isinstance(options, dict) else {}


def wave_problems(body: Mapping[str, Any], rules: dict[str, bool]) -> list[str]:
    return [name for name, bad in rules.items() if bad] + (
        ["currency"] if body.get("currency") != "XOF" else []
    )


class World:
    """All the fakes' state, and their HTTP endpoints."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.public = config.public_url.rstrip("/")
        self.messages: list[dict[str, Any]] = []
        self.assets: dict[tuple[str, str, str], Asset] = {}  # (cloud, type, public_id)
        # Raw files (the data exports): (cloud, type, public_id) -> bytes.
        self.raw_files: dict[tuple[str, str, str], bytes] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.payouts: dict[str, dict[str, Any]] = {}
        self.events: dict[tuple[str, str], dict[str, Any]] = {}  # (session id, event type)
        self.deliveries: list[dict[str, Any]] = []
        # (path, idempotency key) → (digest of the body, status, answer)
        self.idempotency: dict[tuple[str, str], tuple[str, int, dict[str, Any]]] = {}
        self.http: httpx.AsyncClient | None = None
        # Wave silent (an outage): every API call answers 503, nothing is created or read.
        self.wave_silent = False

    def record(self, channel: str, to: str, body: str, **extra: str) -> None:
        self.messages.append({"channel": channel, "to": to, "body": body, "at": iso(), **extra})

    def smtp_protocol(self) -> SMTP:
        return SMTP(
            SmtpInbox(self),
            hostname="fakes.hostolink.test",
            authenticator=accept_any_login,
            auth_require_tls=False,
            enable_SMTPUTF8=True,
        )

    def app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS) as client:
                self.http = client
                yield

        routes = [
            Route("/_fake/health", self.health),
            Route("/_fake/messages", self.list_messages, methods=["GET", "DELETE"]),
            Route("/_fake/cloudinary/assets", self.list_assets),
            Route("/_fake/wave/state", self.wave_state),
            Route("/_fake/wave/outage", self.wave_outage, methods=["POST"]),
            Route("/_fake/wave/checkout/{id}/{action}", self.wave_control, methods=["POST"]),
            Route("/_fake/wave/payout/{id}/settle", self.wave_settle, methods=["POST"]),
            Route("/2010-04-01/Accounts/{sid}/Messages.json", self.twilio, methods=["POST"]),
            Route("/v1_1/{cloud}/image/upload", self.cloudinary_upload, methods=["POST"]),
            Route("/v1_1/{cloud}/image/destroy", self.cloudinary_destroy, methods=["POST"]),
            Route("/v1_1/{cloud}/image/download", self.cloudinary_download),
            Route("/v1_1/{cloud}/raw/upload", self.cloudinary_raw_upload, methods=["POST"]),
            Route("/v1_1/{cloud}/raw/destroy", self.cloudinary_raw_destroy, methods=["POST"]),
            Route("/v1_1/{cloud}/raw/download", self.cloudinary_raw_download),
            Route("/res/{cloud}/image/{type}/{rest:path}", self.cloudinary_deliver),
            Route("/v1/checkout/sessions", self.wave_create_session, methods=["POST"]),
            Route("/v1/checkout/sessions/search", self.wave_search_sessions),
            Route("/v1/checkout/sessions/{id}", self.wave_get_session),
            Route("/v1/payout", self.wave_create_payout, methods=["POST"]),
            Route("/v1/payout/{id}", self.wave_get_payout),
            Route("/v1/payouts/search", self.wave_search_payouts),
            Route("/c/{id}", self.wave_launch_page),
        ]
        return Starlette(routes=routes, lifespan=lifespan)

    # ----------------------------------------------------------------------- control API

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def list_messages(self, request: Request) -> Response:
        if request.method == "DELETE":
            count = len(self.messages)
            self.messages.clear()
            return JSONResponse({"deleted": count})
        wanted = request.query_params.get("to")
        channel = request.query_params.get("channel")
        return JSONResponse(
            [
                message
                for message in reversed(self.messages)
                if (wanted is None or same_recipient(wanted, message["to"]))
                and channel in (None, message["channel"])
            ]
        )

    async def list_assets(self, request: Request) -> Response:
        keys = ("cloud", "type", "public_id", "format", "version")
        return JSONResponse(
            [
                {**{k: getattr(a, k) for k in keys}, "bytes": len(a.content)}
                for a in self.assets.values()
            ]
        )

    # --------------------------------------------------------------------------- Twilio

    async def twilio(self, request: Request) -> Response:
        sid = request.path_params["sid"]
        if not self._twilio_login(request):
            realm = {"WWW-Authenticate": 'Basic realm="Twilio API"'}
            return twilio_error(401, 20003, "Authenticate", **realm)
        if sid != self.config.twilio_sid:
            return twilio_error(
                404, 20404, f"The requested resource {request.url.path} was not found"
            )
        received = await request.form()
        names = ("To", "From", "MessagingServiceSid", "Body")
        form = {name: str(received.get(name) or "") for name in names}
        for name in ("To", "From", "MessagingServiceSid"):
            form[name] = form[name].strip()
        problem = twilio_problem(
            form["To"], form["From"], form["MessagingServiceSid"], form["Body"]
        )
        if problem is not None:
            return twilio_error(400, *problem)
        message_sid = "SM" + secrets.token_hex(16)
        sender = form["From"] or form["MessagingServiceSid"]
        self.record("sms", form["To"], form["Body"], sender=sender, sid=message_sid)
        return JSONResponse(twilio_message(sid, message_sid, form), status_code=201)

    def _twilio_login(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return (
            scheme.lower() == "basic"
            and hmac.compare_digest(user.encode(), self.config.twilio_sid.encode())
            and hmac.compare_digest(password.encode(), self.config.twilio_token.encode())
        )

    # ----------------------------------------------------------------------- Cloudinary

    def _cloudinary_refusal(
        self, request: Request, params: Mapping[str, str], *, fresh: bool = True
    ) -> JSONResponse | None:
        """None when the call is signed with our key and secret; Cloudinary's error else."""
        cloud = request.path_params["cloud"]
        api_key = params.get("api_key", "")
        timestamp = params.get("timestamp", "")
        if self.config.cloudinary_cloud and cloud != self.config.cloudinary_cloud:
            return cloudinary_error(401, f"Invalid cloud_name {cloud}")
        if not hmac.compare_digest(api_key.encode(), self.config.cloudinary_key.encode()):
            return cloudinary_error(
                401, f"Unknown API key {api_key}" if api_key else "Must supply api_key"
            )
        if not timestamp.isdigit():
            return cloudinary_error(400, "Missing required parameter - timestamp")
        if fresh and time.time() - int(timestamp) > CLOUDINARY_STALE_SECONDS:
            reported = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d %H:%M:%S")
            message = (
                f"Stale request - reported time is {reported} +0000 which is more than 1 hour ago"
            )
            return cloudinary_error(400, message)
        to_sign = cloudinary_string_to_sign(
            {k: v for k, v in params.items() if k not in CLOUDINARY_UNSIGNED}
        )
        given = params.get("signature", "")
        expected = cloudinary_sha1(to_sign, self.config.cloudinary_secret)
        if not hmac.compare_digest(given.lower().encode(), expected.encode()):
            return cloudinary_error(
                401, f"Invalid Signature {given}. String to sign - '{to_sign}'."
            )
        return None

    async def cloudinary_upload(self, request: Request) -> Response:
        form = await request.form()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        refused = self._cloudinary_refusal(request, params)
        if refused is not None:
            return refused
        upload = form.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        facts = image_facts(content)
        if facts is None:
            return cloudinary_error(400, "Invalid image file")
        kind = params.get("type") or "upload"
        if kind not in ("upload", "private", "authenticated"):
            return cloudinary_error(400, f"Invalid type {kind}")
        cloud = request.path_params["cloud"]
        public_id = params.get("public_id") or secrets.token_hex(10)
        existing = self.assets.get((cloud, kind, public_id))
        if existing is not None and params.get("overwrite", "1").lower() in ("0", "false"):
            # Cloudinary keeps the first asset and says so: no error.
            return JSONResponse({**self._asset_json(existing), "existing": True})
        version = max(int(time.time()), existing.version + 1 if existing else 0)
        asset = Asset(cloud, kind, public_id, content, *facts, version=version, created_at=iso())
        self.assets[(cloud, kind, public_id)] = asset
        return JSONResponse({**self._asset_json(asset), "existing": False})

    def _asset_json(self, asset: Asset) -> dict[str, Any]:
        name = f"v{asset.version}/{asset.public_id}.{asset.format}"
        url = f"{self.public}/res/{asset.cloud}/image/{asset.type}/{name}"
        signed = f"public_id={asset.public_id}&version={asset.version}"
        return {
            "asset_id": asset.asset_id,
            "public_id": asset.public_id,
            "version": asset.version,
            "version_id": hashlib.sha256(name.encode()).hexdigest()[:32],
            # What the SDK's verify_api_response_signature recomputes.
            "signature": cloudinary_sha1(signed, self.config.cloudinary_secret),
            "width": asset.width,
            "height": asset.height,
            "format": asset.format,
            "resource_type": "image",
            "created_at": asset.created_at,
            "tags": [],
            "bytes": len(asset.content),
            "type": asset.type,
            "etag": hashlib.md5(asset.content).hexdigest(),  # noqa: S324 (Cloudinary's etag)
            "placeholder": False,
            "url": url,
            "secure_url": url,
            "asset_folder": "",
            "original_filename": "file",
            "api_key": self.config.cloudinary_key,
        }

    async def cloudinary_destroy(self, request: Request) -> Response:
        params = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        refused = self._cloudinary_refusal(request, params)
        if refused is not None:
            return refused
        kind, public_id = params.get("type") or "upload", params.get("public_id", "")
        gone = self.assets.pop((request.path_params["cloud"], kind, public_id), None)
        return JSONResponse({"result": "ok" if gone else "not found"})

    def _signed_download(
        self, request: Request
    ) -> Response | tuple[dict[str, str], tuple[str, str, str]]:
        """The query of a signed download link (images and raw files alike) and the slot it
        names, or Cloudinary's refusal (bad signature, expired link)."""
        params = dict(request.query_params)
        # A link is made to be opened later: expires_at bounds it, not the timestamp.
        refused = self._cloudinary_refusal(request, params, fresh=False)
        if refused is not None:
            return refused
        expires_at = params.get("expires_at", "")
        deadline = int(expires_at) if expires_at.isdigit() else int(params["timestamp"]) + 3600
        if time.time() > deadline:
            return cloudinary_error(401, "Expired download URL")
        public_id = params.get("public_id", "")
        return params, (request.path_params["cloud"], params.get("type") or "upload", public_id)

    async def cloudinary_download(self, request: Request) -> Response:
        """What `cloudinary.utils.private_download_url` builds: GET <upload_prefix>/v1_1/
        <cloud>/image/download?timestamp&public_id&format&type&expires_at&signature&api_key
        (it honours upload_prefix because it goes through cloudinary_api_url)."""
        checked = self._signed_download(request)
        if isinstance(checked, Response):
            return checked
        params, slot = checked
        public_id = slot[2]
        asset = self.assets.get(slot)
        if asset is None:
            return cloudinary_error(404, f"Resource not found - {public_id}")
        fmt = params.get("format") or asset.format
        headers = {"Cache-Control": "private, no-store"}
        if params.get("attachment"):
            headers["Content-Disposition"] = f'attachment; filename="{public_id}.{fmt}"'
        return image_response(asset, fmt, headers)

    async def cloudinary_raw_upload(self, request: Request) -> Response:
        """A file that is not an image (`resource_type="raw"`: the data exports), kept as
        sent; private or authenticated ones are served only by the signed download API."""
        form = await request.form()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        refused = self._cloudinary_refusal(request, params)
        if refused is not None:
            return refused
        upload = form.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        kind = params.get("type") or "upload"
        if kind not in ("upload", "private", "authenticated"):
            return cloudinary_error(400, f"Invalid type {kind}")
        cloud = request.path_params["cloud"]
        public_id = params.get("public_id") or secrets.token_hex(10)
        if (cloud, kind, public_id) in self.raw_files and params.get("overwrite", "1").lower() in (
            "0",
            "false",
        ):
            return JSONResponse({"public_id": public_id, "existing": True})
        self.raw_files[(cloud, kind, public_id)] = content
        version = int(time.time())
        url = f"{self.public}/res/{cloud}/raw/{kind}/v{version}/{public_id}"
        return JSONResponse(
            {
                "public_id": public_id,
                "version": version,
                "resource_type": "raw",
                "type": kind,
                "bytes": len(content),
                "created_at": iso(),
                "url": url,
                "secure_url": url,
                "existing": False,
            }
        )

    async def cloudinary_raw_destroy(self, request: Request) -> Response:
        params = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        refused = self._cloudinary_refusal(request, params)
        if refused is not None:
            return refused
        kind, public_id = params.get("type") or "upload", params.get("public_id", "")
        gone = self.raw_files.pop((request.path_params["cloud"], kind, public_id), None)
        return JSONResponse({"result": "ok" if gone is not None else "not found"})

    async def cloudinary_raw_download(self, request: Request) -> Response:
        """`private_download_url(..., resource_type="raw")`: the signed, expiring link."""
        checked = self._signed_download(request)
        if isinstance(checked, Response):
            return checked
        params, slot = checked
        public_id = slot[2]
        content = self.raw_files.get(slot)
        if content is None:
            return cloudinary_error(404, f"Resource not found - {public_id}")
        headers = {"Cache-Control": "private, no-store"}
        if params.get("attachment"):
            headers["Content-Disposition"] = (
                f'attachment; filename="{public_id.rsplit("/", 1)[-1]}"'
            )
        return Response(content, media_type="application/octet-stream", headers=headers)

    async def cloudinary_deliver(self, request: Request) -> Response:
        """res.cloudinary.com's `/<cloud>/image/<type>/[v<version>/]<public_id>.<ext>`."""
        kind = request.path_params["type"]
        rest = re.sub(r"^v[0-9]+/", "", request.path_params["rest"])  # versions bust caches
        public_id, dot, fmt = rest.rpartition(".")
        asset = self.assets.get((request.path_params["cloud"], kind, public_id)) if dot else None
        if asset is None:
            return Response(status_code=404, headers={"X-Cld-Error": "Resource not found"})
        if kind != "upload":
            # Authenticated and private originals need a signed URL; ours take the download
            # API above.
            return Response(status_code=401, headers={"X-Cld-Error": "Authentication required"})
        return image_response(asset, fmt)

    # ----------------------------------------------------------------------------- Wave

    def _wave_refusal(self, request: Request) -> JSONResponse | None:
        if self.wave_silent:
            return wave_error(503, "service-unavailable", "Service temporarily unavailable")
        header = request.headers.get("authorization")
        if header is None:
            return wave_error(401, "missing-auth-header", "Missing Authorization header")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return wave_error(401, "invalid-auth", "Authorization header can't be processed")
        if not hmac.compare_digest(key.strip().encode(), self.config.wave_api_key.encode()):
            return wave_error(401, "no-matching-api-key", "No API key matches")
        return None

    async def _wave_post(
        self,
        request: Request,
        create: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]],
        *,
        key_required: bool,
    ) -> Response:
        refused = self._wave_refusal(request)
        if refused is not None:
            return refused
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        key = request.headers.get("idempotency-key")
        if not isinstance(body, dict) or (key_required and not key):
            missing = "a JSON object body" if not isinstance(body, dict) else "idempotency-key"
            return wave_error(400, "request-validation-error", f"Expected {missing}")
        status, answer = self._idempotent((request.url.path, key) if key else None, body, create)
        return JSONResponse(answer, status_code=status)

    def _idempotent(
        self,
        slot: tuple[str, str] | None,
        body: dict[str, Any],
        create: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]],
    ) -> tuple[int, dict[str, Any]]:
        """Same key and same body: the first answer again, no second object. Same key and
        another body: refused (our adapter maps `idempotency-mismatch` to a refusal)."""
        if slot is None:
            return create(body)
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        seen = self.idempotency.get(slot)
        if seen is not None and seen[0] != digest:
            message = "This idempotency key was already used with another request"
            return 409, {"code": "idempotency-mismatch", "message": message}
        if seen is not None:
            return seen[1], copy.deepcopy(seen[2])
        status, answer = create(body)
        if status < 500:  # a failure is not remembered: the retry gets another chance
            self.idempotency[slot] = (digest, status, copy.deepcopy(answer))
        return status, answer

    async def wave_create_session(self, request: Request) -> Response:
        return await self._wave_post(request, self._new_session, key_required=False)

    def _new_session(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        amount = whole_francs(body.get("amount"))
        payer = body.get("restrict_payer_mobile")
        problems = wave_problems(
            body,
            {
                "amount": amount is None,
                "success_url": not isinstance(body.get("success_url"), str),
                "error_url": not isinstance(body.get("error_url"), str),
                "restrict_payer_mobile": payer is not None and not E164.match(str(payer)),
                "client_reference": len(str(body.get("client_reference") or "")) > 255,
            },
        )
        if problems:
            return wave_invalid(problems)
        session_id = wave_id("cos-")
        created = datetime.now(UTC)
        query = f"a={amount}&c=XOF&m={quote(WAVE_BUSINESS_NAME)}"
        session = {
            "id": session_id,
            "amount": str(amount),
            "currency": "XOF",
            "business_name": WAVE_BUSINESS_NAME,
            "checkout_status": "open",
            "payment_status": "processing",
            "client_reference": body.get("client_reference"),
            "success_url": body["success_url"],
            "error_url": body["error_url"],
            "restrict_payer_mobile": payer,
            "aggregated_merchant_id": body.get("aggregated_merchant_id"),
            "last_payment_error": None,
            "transaction_id": None,
            "wave_launch_url": f"{self.public}/c/{session_id}?{query}",
            "when_created": iso(created),
            "when_completed": None,
            "when_expires": iso(created + WAVE_SESSION_LIFETIME),
        }
        self.sessions[session_id] = session
        return 200, copy.deepcopy(session)

    def _session(self, ref: str) -> dict[str, Any] | None:
        """A session by id, or the newest one with this client_reference; an open session
        past when_expires is expired (Wave expires them by itself)."""
        session = self.sessions.get(ref) or next(
            (s for s in reversed(self.sessions.values()) if s["client_reference"] == ref), None
        )
        if session and session["checkout_status"] == "open" and session["when_expires"] < iso():
            session.update(checkout_status="expired", when_completed=session["when_expires"])
        return session

    async def wave_get_session(self, request: Request) -> Response:
        refused = self._wave_refusal(request)
        session_id = request.path_params["id"]
        if refused is None and session_id not in self.sessions:
            refused = wave_error(404, "checkout-session-not-found", "No such checkout session")
        return refused or JSONResponse(self._session(session_id))

    async def wave_search_sessions(self, request: Request) -> Response:
        return self._search(request, self.sessions, self._session)

    def _search(
        self,
        request: Request,
        table: dict[str, dict[str, Any]],
        fresh: Callable[[str], dict[str, Any] | None],
    ) -> Response:
        refused = self._wave_refusal(request)
        reference = request.query_params.get("client_reference")
        if refused is None and not reference:
            refused = wave_error(400, "request-validation-error", "client_reference is required")
        found = [fresh(i) for i, item in table.items() if item["client_reference"] == reference]
        return refused or JSONResponse({"result": found})

    async def wave_create_payout(self, request: Request) -> Response:
        # Wave's payout POST requires the idempotency-key header (docs.wave.com/payout).
        return await self._wave_post(request, self._new_payout, key_required=True)

    def _new_payout(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        amount = whole_francs(body.get("receive_amount"))
        mobile = str(body.get("mobile") or "")
        reason = body.get("payment_reason")
        problems = wave_problems(
            body,
            {
                "receive_amount": amount is None,
                "mobile": not E164.match(mobile),
                "payment_reason": len(str(reason or "")) > WAVE_PAYMENT_REASON_MAX,
            },
        )
        if problems or amount is None:
            return wave_invalid(problems)
        if mobile.endswith("98"):
            return 500, {"code": "internal-server-error", "message": "Internal server error"}
        payout: dict[str, Any] = {
            "id": wave_id("pt-"),
            "currency": "XOF",
            "receive_amount": str(amount),
            "fee": str(amount // 100),  # Wave's 1 %
            "mobile": mobile,
            "name": body.get("name"),
            "national_id": body.get("national_id"),
            "client_reference": body.get("client_reference"),
            "payment_reason": reason,
            "aggregated_merchant_id": body.get("aggregated_merchant_id"),
            "status": "succeeded",
            "timestamp": iso(),
        }
        if mobile.endswith("99"):
            payout.update(status="failed", payout_error=dict(WAVE_PAYOUT_ERROR))
        elif mobile.endswith("97"):
            payout["status"] = "processing"
        self.payouts[payout["id"]] = payout
        return 200, copy.deepcopy(payout)

    async def wave_get_payout(self, request: Request) -> Response:
        refused = self._wave_refusal(request)
        payout = self.payouts.get(request.path_params["id"])
        if refused is None and payout is None:
            refused = wave_error(404, "payout-not-found", "No such payout")
        return refused or JSONResponse(payout)

    async def wave_search_payouts(self, request: Request) -> Response:
        return self._search(request, self.payouts, self.payouts.get)

    # ------------------------------------------------------------------ Wave: control API

    async def wave_state(self, request: Request) -> Response:
        sessions = [self._session(session_id) for session_id in list(self.sessions)]
        payouts = list(self.payouts.values())
        return JSONResponse(
            {"sessions": sessions, "payouts": payouts, "deliveries": self.deliveries}
        )

    async def wave_outage(self, request: Request) -> Response:
        """{"silent": true}: Wave stops answering (503 to every API call) until false."""
        self.wave_silent = bool((await request.json()).get("silent"))
        return JSONResponse({"silent": self.wave_silent})

    async def wave_control(self, request: Request) -> Response:
        session = self._session(request.path_params["id"])
        action = request.path_params["action"]
        options = await control_options(request)
        if session is None or action not in ("pay", "fail", "expire"):
            return json_error(404, {"error": "no such checkout session or action"})
        status = session["checkout_status"]
        if action == "expire":
            if status == "open":  # when_completed: "completed or expired" (Wave's docs)
                session.update(checkout_status="expired", when_completed=iso())
            return JSONResponse(session)
        if status == "expired" or (action == "fail" and status != "open"):
            return json_error(409, {"error": f"the session is {status}"})
        payer, restricted = options.get("payer_mobile"), session.get("restrict_payer_mobile")
        if payer and restricted and digits(str(payer)) != digits(restricted):
            return json_error(409, {"error": "only restrict_payer_mobile may pay this session"})
        if action == "fail":
            failure = {"code": "payment-failure", "message": "Payment declined"}
            session.update(payment_status="cancelled", last_payment_error=failure)
        elif status == "open":
            transaction = "T_" + secrets.token_hex(8).upper()
            session.update(checkout_status="complete", payment_status="succeeded")
            session.update(transaction_id=transaction, when_completed=iso())
        kind = (
            "checkout.session.completed" if action == "pay" else "checkout.session.payment_failed"
        )
        delivery = await self.deliver(self._event(session, kind))
        return JSONResponse(delivery, status_code=200 if delivery["delivered"] else 502)

    def _event(self, session: dict[str, Any], kind: str) -> dict[str, Any]:
        # One event per session and type: paying twice re-delivers the same event id, which
        # our inbox must take for a duplicate.
        slot = (session["id"], kind)
        if slot not in self.events:
            event_id = "AE_" + secrets.token_urlsafe(12)
            self.events[slot] = {"id": event_id, "type": kind, "data": copy.deepcopy(session)}
        return self.events[slot]

    async def deliver(self, event: dict[str, Any]) -> dict[str, Any]:
        """POST the event to our webhook, signed as Wave signs it, until a 2xx answers."""
        assert self.http is not None  # set by the lifespan
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        history: list[int | str] = []
        for pause in WEBHOOK_PAUSES_SECONDS:
            await asyncio.sleep(pause)
            # Signed again at each attempt: the receiver refuses timestamps 5 minutes old.
            stamp = str(int(time.time()))
            signature = wave_signature(self.config.wave_webhook_secret, stamp, body)
            headers = {
                "Content-Type": "application/json",
                "Wave-Signature": f"t={stamp},v1={signature}",
            }
            try:
                answer = await self.http.post(
                    self.config.wave_webhook_url, content=body, headers=headers
                )
            except httpx.HTTPError as exc:
                history.append(type(exc).__name__)
                continue
            history.append(answer.status_code)
            if answer.is_success:
                break
        last = history[-1]
        result = {
            "delivered": isinstance(last, int) and 200 <= last < 300,
            "status": last if isinstance(last, int) else None,
            "attempts": len(history),
            "event_id": event["id"],
            "type": event["type"],
        }
        self.deliveries.append({**result, "history": history})
        logger.info("webhook %s %s: %s", event["type"], event["id"], history)
        return result

    async def wave_settle(self, request: Request) -> Response:
        payout = self.payouts.get(request.path_params["id"])
        wanted = (await control_options(request)).get("status", "succeeded")
        if payout is None:
            return json_error(404, {"error": "no such payout"})
        allowed = {"processing": ("succeeded", "failed"), "succeeded": ("reversed",)}
        if wanted not in allowed.get(payout["status"], ()):
            message = f"the payout is {payout['status']}, it cannot become {wanted}"
            return json_error(409, {"error": message})
        payout["status"] = wanted
        if wanted == "failed":
            payout["payout_error"] = dict(WAVE_PAYOUT_ERROR)
        return JSONResponse(payout)

    async def wave_launch_page(self, request: Request) -> Response:
        """What `wave_launch_url` opens: one button that pays (for browser tests)."""
        session = self._session(request.path_params["id"])
        if session is None:
            return HTMLResponse("<p>Session inconnue</p>", status_code=404)
        sid, amount = html.escape(session["id"]), html.escape(session["amount"])
        return HTMLResponse(
            f"<!doctype html><html lang='fr'><title>Wave (simulé)</title>"
            f"<p>{html.escape(WAVE_BUSINESS_NAME)} : {amount} F CFA "
            f"({html.escape(session['checkout_status'])})</p>"
            f"<form method='post' action='/_fake/wave/checkout/{sid}/pay'>"
            f"<button>Payer</button></form></html>"
        )


# ------------------------------------------------------------------------------- main


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # serve() routes SIGTERM and SIGINT through the event loop instead: uvicorn's own
        # handlers re-raise the signal once shut down, which ends the process with -15.
        yield


async def serve(config: Config) -> None:
    world = World(config)
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(world.smtp_protocol, config.host, config.smtp_port)
    settings = uvicorn.Config(
        world.app(),
        host=config.host,
        port=config.http_port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = _Server(settings)

    def stop() -> None:
        server.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    http = asyncio.create_task(server.serve())
    try:
        # uvicorn exposes a `started` flag, no event to wait on.
        while not server.started and not http.done():  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        if server.started:
            print("fakes ready", flush=True)  # the line the caller waits for
        await http  # raises why it could not start (a port taken…)
    finally:
        smtp.close()
        await smtp.wait_closed()


OPTIONAL = {"host": "127.0.0.1", "public_url": "", "cloudinary_cloud": ""}


def parse_config(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m tests_production.fakes",
        description="Twilio, SMTP, Cloudinary and Wave stand-ins (see the module docstring).",
    )
    for option in fields(Config):  # one option per setting, from the command line or FAKES_*
        name = option.name
        env = f"FAKES_{name.upper()}"
        default = os.environ.get(env, OPTIONAL.get(name, ""))
        parser.add_argument("--" + name.replace("_", "-"), default=default, help=f"or {env}")
    values: dict[str, str] = vars(parser.parse_args(argv))
    missing = [name for name, value in values.items() if not value and name not in OPTIONAL]
    if missing:
        parser.error("missing " + ", ".join("--" + n.replace("_", "-") for n in missing))
    if not (values["http_port"].isdigit() and values["smtp_port"].isdigit()):
        parser.error("--http-port and --smtp-port are port numbers")
    http_port = int(values["http_port"])
    return Config(
        host=values["host"],
        http_port=http_port,
        smtp_port=int(values["smtp_port"]),
        public_url=values["public_url"] or f"http://{values['host']}:{http_port}",
        wave_webhook_url=values["wave_webhook_url"],
        wave_webhook_secret=values["wave_webhook_secret"],
        wave_api_key=values["wave_api_key"],
        twilio_sid=values["twilio_sid"],
        twilio_token=values["twilio_token"],
        cloudinary_key=values["cloudinary_key"],
        cloudinary_secret=values["cloudinary_secret"],
        cloudinary_cloud=values["cloudinary_cloud"] or None,
    )


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="fakes %(levelname)s %(message)s")
    asyncio.run(serve(parse_config(argv)))


if __name__ == "__main__":
    main()
