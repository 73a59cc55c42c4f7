"""The usual case of the hottest routes, answered without FastAPI's per-request machinery.

`POST /api/check-user` (the app's first call, before sign-up or sign-in) and `GET
/api/user/me` (on every screen that shows the person) did about 0.3 ms of CPU each in
FastAPI's request path — the request object, the dependency solve, the body's validation
wrapper, the response classes — against about 0.1 ms for the work itself (bench/README.md,
« Le plancher »). This middleware, the innermost of ours, serves the ordinary request of
these routes with the same functions the endpoints call and the same answer bytes:

- check-user: a JSON body that the route's own model accepts; the per-client and
  per-identifier rate limits, the read, `CheckUserAnswer`;
- `/api/user/me`: a bearer token that authenticates; `MeAnswer`.

Anything else is handed, untouched, to FastAPI: a body the model refuses (its 422 is
FastAPI's), a missing or refused token (its 401/403 is the dependency's), another method,
path or content type. The routes stay declared in FastAPI, so the OpenAPI document, the
authorization matrix and the route label of the metrics (`scope["route"]`) are theirs. An
error once the limits counted (429, the database unavailable) is answered by the same
function as the application's exception handlers; any other exception goes on to the last
resort, as it would from FastAPI. `tests/test_hot_routes.py` sends the same requests both
ways and compares status, headers and body.

Off when OpenTelemetry tracing is on: FastAPI makes the request spans.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hostolink.auth.deps import auth_service_of, authenticate, rate_limits_of
from hostolink.auth.schemas import CheckUserAnswer, IdentifierBody
from hostolink.errors import HostolinkError, answer_to
from hostolink.kit import errors_reporting
from hostolink.users.schemas import MeAnswer, UserOut

Handler = Callable[[Scope, bytes], Awaitable[bytes | None]]
CHECK_USER = "/api/check-user"
ME = "/api/user/me"
_JSON = b"application/json"


class HotRoutes:
    def __init__(self, app: ASGIApp, *, application: FastAPI) -> None:
        self.app = app
        self.application = application
        self.handlers: dict[tuple[str, str], tuple[APIRoute, Handler, bool]] = {}
        for context in iter_route_contexts(application.routes):
            route = context.original_route
            if not isinstance(route, APIRoute):
                continue
            if str(context.path) == CHECK_USER and "POST" in (context.methods or ()):
                self.handlers[("POST", CHECK_USER)] = (route, self._check_user, True)
            elif str(context.path) == ME and "GET" in (context.methods or ()):
                self.handlers[("GET", ME)] = (route, self._me, False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = (
            self.handlers.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        )
        if entry is None:
            await self.app(scope, receive, send)
            return
        route, handler, reads_body = entry
        body = b""
        if reads_body:
            if _content_type(scope) != _JSON:
                await self.app(scope, receive, send)
                return
            body = await _read_body(receive)
        scope["route"] = route  # as the router would: the metrics' label, Sentry's facts
        scope["endpoint"] = route.endpoint
        try:
            answer = await handler(scope, body)
        except Exception as exc:
            response = answer_to(exc, scope["method"], scope["path"])
            if response is None:
                raise  # a bug: the last resort answers 500, as from FastAPI
            await response(scope, receive, send)
            return
        if answer is None:  # not the usual case: FastAPI answers it
            await self.app(scope, _replay(body, receive) if reads_body else receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                # As json_answer's Response writes them, in its order.
                "headers": [
                    (b"content-length", str(len(answer)).encode()),
                    (b"content-type", _JSON),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})

    async def _check_user(self, scope: Scope, body: bytes) -> bytes | None:
        try:
            parsed = json.loads(body)
        except ValueError:
            return None
        if not isinstance(parsed, dict):
            return None
        try:
            identifier = IdentifierBody.model_validate(parsed).identifier
        except ValidationError:
            return None
        limits = rate_limits_of(self.application)
        await limits.client(Request(scope))  # the router's dependency, then the route's
        await limits.identifier(identifier)
        exists, has_password = await auth_service_of(self.application).status(identifier)
        answer = CheckUserAnswer(exists=exists, identifier=identifier, has_password=has_password)
        return answer.model_dump_json().encode()

    async def _me(self, scope: Scope, _: bytes) -> bytes | None:
        token = _bearer(scope)
        if token is None:
            return None
        try:
            principal = await authenticate(token, self.application)
        except HostolinkError:
            return None  # the dependency says why, in FastAPI
        errors_reporting.note_user(principal.id)
        return MeAnswer(data=UserOut.of(principal)).model_dump_json().encode()


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _content_type(scope: Scope) -> bytes:
    return (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()


def _bearer(scope: Scope) -> str | None:
    """The token of `Authorization: Bearer <token>`, as FastAPI's HTTPBearer reads it."""
    value = _header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return token


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, once, then whatever the connection says next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        message: Any = await receive()
        return dict(message)

    return replay
