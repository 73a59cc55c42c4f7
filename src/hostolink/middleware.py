"""Pure ASGI middleware (no per-request task overhead): the client's address behind trusted
proxies, request id + access log, the last-resort answer to a bug (500 in the error
envelope, inside the request's context), and the guard that turns oversized or non-JSON
bodies into clean 4xx answers before any parsing."""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Sequence
from typing import Any

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hostolink.errors import (
    HostolinkError,
    InternalError,
    NullCharacter,
    PayloadTooLarge,
    RefusedWhileReading,
    UnsupportedMediaType,
    error_response,
)
from hostolink.logging import request_id_var

logger = logging.getLogger("hostolink.access")
error_logger = logging.getLogger("hostolink.errors")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_UPLOAD_TYPE = "multipart/form-data"
_ACCEPTED_TYPES = ("application/json", _UPLOAD_TYPE)
# HTML forms post url-encoded fields: accepted only by the pages that are HTML forms (the
# sandbox's payment page, the back-office), never by the JSON API — the contract's
# `/admin/utilisateurs…` routes are JSON even though they live under `/admin/`.
_FORM_TYPE = "application/x-www-form-urlencoded"
_FORM_PATHS = ("/sandbox/", "/admin/")
_JSON_UNDER_FORM_PATHS = ("/admin/utilisateurs",)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _answer(send: Send, exc: HostolinkError) -> None:
    status, headers, payload = error_response(exc)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str) -> str | None:
    """The address in an X-Forwarded-For entry (`203.0.113.7`, `2001:db8::1`, or with a
    port: `203.0.113.7:4711`, `[2001:db8::1]:4711`), normalised; None for anything else."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


class ClientAddressMiddleware:
    """Puts the real client's address in `scope["client"]` behind trusted reverse proxies,
    so that everything reading `request.client` (rate limits, lockout counters, the audit
    journal, the access log) sees the person, not the proxy.

    X-Forwarded-For is read only on a connection from a trusted proxy. Each proxy on the
    way appends the address it saw; a client can write anything to the left of them. So
    the client is the entry `hops` places from the right end (Render: its proxy and the
    Cloudflare edge, 2 hops) — never the leftmost entry, which is whatever the client sent.
    With fewer entries than hops, the leftmost is still one a proxy wrote (a client's own
    entries can only lengthen the list)."""

    def __init__(self, app: ASGIApp, *, trusted: Sequence[Network], hops: int = 1) -> None:
        self.app = app
        self.trusted = tuple(trusted)
        self.hops = hops

    def _is_trusted(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def client_of(self, peer: str, forwarded: list[str]) -> str:
        if not forwarded or not self._is_trusted(peer):
            return peer
        chain = [entry for header in forwarded for entry in header.split(",") if entry.strip()]
        if not chain:
            return peer
        chosen = chain[-self.hops] if len(chain) >= self.hops else chain[0]
        return _ip(chosen) or peer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if self.trusted and scope["type"] in ("http", "websocket") and client:
            forwarded = [
                value.decode("latin-1")
                for key, value in scope["headers"]
                if key == b"x-forwarded-for"
            ]
            host = self.client_of(client[0], forwarded)
            if host != client[0]:
                scope = {**scope, "client": (host, 0), "hostolink.peer": client[0]}
            proto = _header(scope, b"x-forwarded-proto")
            if proto in ("http", "https") and self._is_trusted(client[0]):
                secure = proto == "https"
                if scope["type"] == "websocket":
                    scope = {**scope, "scheme": "wss" if secure else "ws"}
                else:
                    scope = {**scope, "scheme": proto}
        await self.app(scope, receive, send)


class UnhandledErrorMiddleware:
    """The answer to a bug. Starlette's own last resort runs outside every middleware, so
    its 500 had no X-Request-ID, no CORS headers, and its log line no request id. This one
    sits inside them: the 500 is the API's error envelope and goes back out through the
    request-id and CORS middleware, and the traceback is logged with the request id.
    A response already started cannot be replaced: the connection is then closed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception:
            error_logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            await _answer(send, InternalError())


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if logger.isEnabledFor(logging.INFO):
                self._log(scope, status_holder["status"], started)
            request_id_var.reset(token)

    @staticmethod
    def _log(scope: Scope, status: int, started: float) -> None:
        client = scope.get("client")
        extra: dict[str, Any] = {
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "client": client[0] if client else None,
        }
        if "hostolink.peer" in scope:  # the proxy the request came through
            extra["proxy"] = scope["hostolink.peer"]
        logger.info("%s %s %s", scope["method"], scope["path"], status, extra=extra)


# A JSON string escape of U+0000 that is not itself escaped (an odd run of backslashes).
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_NUL_FORM = re.compile(rb"%00")


class BodyGuardMiddleware:
    """413 above the limit (declared or streamed), 415 for a body that is neither JSON nor
    a multipart upload, 422 for U+0000 in a JSON body, the query string or the path
    (PostgreSQL text cannot store it: it would fail deep in a query, as a 500). Nothing
    reaches the endpoint, so nothing can be written.

    The limit is `max_bytes` for JSON and `max_upload_bytes` for multipart/form-data: a
    phone photo (a QR code to read, later a profile picture) weighs megabytes, a JSON body
    never needs more than a few kilobytes."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int = 8 * 1024 * 1024
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or b"%00" in scope.get("raw_path", b""):
            await _answer(send, NullCharacter())
            return
        if scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        limit = self.max_upload_bytes if content_type == _UPLOAD_TYPE else self.max_bytes
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _answer(send, PayloadTooLarge())
            return
        html_form = (
            content_type == _FORM_TYPE
            and scope["path"].startswith(_FORM_PATHS)
            and not scope["path"].startswith(_JSON_UNDER_FORM_PATHS)
        )
        if content_type and not content_type.startswith(_ACCEPTED_TYPES) and not html_form:
            await _answer(send, UnsupportedMediaType())
            return
        received = 0
        # U+0000 as JSON writes it, or as a form (the back-office's) encodes it.
        null_pattern = (
            _NUL_ESCAPE
            if content_type == "application/json"
            else (_NUL_FORM if html_form else None)
        )
        chunks: list[bytes] = []

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise RefusedWhileReading(PayloadTooLarge())
                if null_pattern is not None:  # small by the limit; checked whole, once
                    chunks.append(chunk)
                    if not message.get("more_body") and null_pattern.search(b"".join(chunks)):
                        raise RefusedWhileReading(NullCharacter())
            return message

        # Refusals raised from `receive` (streamed past the limit without a Content-Length,
        # U+0000) are answered by the app's error handlers; one that escapes them is
        # answered here.
        try:
            await self.app(scope, counting_receive, send)
        except RefusedWhileReading as refused:
            await _answer(send, refused.error)


class StaticCompressionMiddleware:
    """Gzip for the files of the web app and the back-office (their JavaScript is most of
    a first visit on a phone: ~530 KB raw, ~130 KB compressed). API answers are left alone:
    they are small, and compressing them would cost CPU on every request."""

    PREFIXES = ("/app/", "/admin/statique/", "/static/swagger/")

    def __init__(self, app: ASGIApp, *, minimum_size: int = 1024) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.PREFIXES):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
