"""Signing in to the back-office: a session cookie, re-checked against the database on every
request, with the API's own lockout and CSRF protection.

- Sign-in goes through `AuthService.login`: the same per-account lockout (423 after five
  failures, growing delay) and per-address throttle as the app; an unverified, suspended or
  unprivileged account gets no session.
- The cookie (Starlette's signed session, `SameSite=Strict`, `HttpOnly`, `Secure` outside
  development) holds the digest of a refresh token issued at sign-in — never a token the API
  would accept — and a CSRF secret. Each request looks the token up: signing out, a
  suspension or a password reset revokes it, and the very next page is refused.
- Permissions are those of the person's roles, read on each request (`Principal.permissions`).
- CSRF: every state-changing request must come from our own origin (`Origin`, or `Referer`
  when a browser sends no `Origin`), and our own forms also carry a per-session token.
"""

from __future__ import annotations

import hmac
import secrets
import time
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from sqladmin.authentication import AuthenticationBackend
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hostolink.auth import permissions
from hostolink.auth import principal as principals
from hostolink.auth.principal import Principal
from hostolink.auth.service import AuthService
from hostolink.db import Database
from hostolink.errors import HostolinkError
from hostolink.kit.deps import client_ip
from hostolink.kit.identifiers import InvalidIdentifier, parse_identifier

COOKIE = "hostolink_admin"
SESSION_MAX_AGE = 8 * 3600  # a working day; then sign in again
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Holding any of these opens the back-office; each page then asks for its own.
ENTRY_PERMISSIONS = frozenset(
    (
        *permissions.ADMINISTRATION,
        *permissions.SUPER_ADMINISTRATION,
        permissions.USERS_READ,
        permissions.SUPPORT_ANSWER,
    )
)

# The signed-in person of the current request, for the audit hook and the pages.
current_admin: ContextVar[Principal | None] = ContextVar("backoffice_admin", default=None)
current_ip: ContextVar[str | None] = ContextVar("backoffice_ip", default=None)


class SignInRefused(Exception):
    """A French message and an honest status for the sign-in page."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def normalised(identifier: str) -> str:
    """The identifier as the API's sign-in reads it (`0771653733`, `+225 07 71 65 37 33`,
    `002250771653733` are one person: `+2250771653733`; e-mails lower-cased). Text that is
    neither goes on as typed and meets the same refusal as a wrong password."""
    try:
        return parse_identifier(identifier).value
    except InvalidIdentifier:
        return identifier


def csrf_token(request: Request) -> str:
    """The token our forms carry: tied to the session, so a page from elsewhere cannot know it."""
    secret = request.session.get("csrf")
    if not isinstance(secret, str):
        secret = secrets.token_urlsafe(32)
        request.session["csrf"] = secret
    return secret


def check_csrf(request: Request, form: FormData) -> bool:
    expected = request.session.get("csrf")
    given = form.get(CSRF_FIELD)
    return (
        isinstance(expected, str)
        and isinstance(given, str)
        and hmac.compare_digest(expected.encode(), given.encode())
    )


class BackofficeAuth(AuthenticationBackend):
    def __init__(self, *, db: Database, auth: AuthService, secret_key: str, secure: bool) -> None:
        super().__init__(
            secret_key=secret_key,
            session_cookie=COOKIE,
            max_age=SESSION_MAX_AGE,
            same_site="strict",
            https_only=secure,
            path="/admin",
        )
        self._db = db
        self._auth = auth
        self.templates: Any = None  # sqladmin's Jinja environment, set once mounted

    async def login(self, request: Request) -> Response | bool:
        form = await request.form()
        identifier = str(form.get("username") or "").strip()
        password = str(form.get("password") or "")
        try:
            if not identifier or not password:
                raise SignInRefused("Saisissez votre identifiant et votre mot de passe.", 400)
            digest = await self._sign_in(
                normalised(identifier),
                password,
                client_ip(request),
                request.headers.get("user-agent"),
            )
        except SignInRefused as refused:
            return await self._login_page(request, refused.message, refused.status, identifier)
        request.session.clear()
        request.session.update(
            {"jeton": digest, "depuis": int(time.time()), "csrf": secrets.token_urlsafe(32)}
        )
        return True

    async def _sign_in(
        self, identifier: str, password: str, ip: str | None, user_agent: str | None
    ) -> str:
        async with self._db.sessionmaker() as session:
            try:
                outcome = await self._auth.login(
                    session, identifier=identifier, password=password, ip=ip, user_agent=user_agent
                )
            except HostolinkError as error:  # wrong secret, locked (423), throttled (429)…
                await session.rollback()
                raise SignInRefused(error.message, error.status) from error
            if isinstance(outcome, str):  # unverified: a code was sent instead of tokens
                await session.commit()
                raise SignInRefused(
                    "Compte non vérifié : terminez d'abord l'inscription dans l'application.",
                    403,
                )
            digest = self._auth.refresh_tokens.digest(outcome.refresh)
            await session.flush()
            person = await self._principal(session, digest)
            if person is None or not person.permissions & ENTRY_PERMISSIONS:
                await session.rollback()  # no session opened for them
                raise SignInRefused("Accès réservé à l'équipe d'administration.", 403)
            await session.commit()
        return digest

    async def logout(self, request: Request) -> Response | bool:
        digest = request.session.get("jeton")
        if isinstance(digest, str):
            async with self._db.sessionmaker() as session, session.begin():
                await self._auth.refresh_tokens.revoke_digest(session, digest)
        request.session.clear()
        return False  # sqladmin then redirects to the sign-in page

    async def authenticate(self, request: Request) -> Response | bool:
        person = await self.principal(request)
        if person is None:
            request.session.clear()
            return False
        current_admin.set(person)
        current_ip.set(client_ip(request))
        return True

    async def get_user_id(self, request: Request) -> Any:
        person = current_admin.get()
        return person.id if person else None

    async def principal(self, request: HTTPConnection) -> Principal | None:
        """The signed-in person of a page or of a back-office WebSocket (the session
        middleware reads the cookie of both), or None."""
        digest = request.session.get("jeton")
        since = request.session.get("depuis")
        if not isinstance(digest, str) or not isinstance(since, int):
            return None
        if time.time() - since > SESSION_MAX_AGE:
            return None
        async with self._db.sessionmaker() as session:
            person = await self._principal(session, digest)
        if person is None or not person.actif or not person.permissions & ENTRY_PERMISSIONS:
            return None
        return person

    async def _principal(self, session: Any, digest: str) -> Principal | None:
        user_id = await self._auth.refresh_tokens.holder(session, digest)
        if user_id is None:
            return None
        row = (await session.execute(principals.PRINCIPAL_BY_ID, {"user_id": user_id})).first()
        return principals.from_row(row) if row is not None else None

    async def _login_page(
        self, request: Request, message: str, status: int, identifier: str
    ) -> Response:
        response: Response = await self.templates.TemplateResponse(
            request,
            "sqladmin/login.html",
            {"error": message, "identifier": identifier},
            status_code=status,
        )
        return response


class SameOriginMiddleware:
    """Refuses (403) a state-changing request to the back-office that does not come from one
    of its own pages: the browser says where a request comes from in `Origin` (or `Referer`),
    and a cross-site page cannot forge either."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            request = Request(scope)
            source = request.headers.get("origin") or request.headers.get("referer")
            host = request.headers.get("host", "")
            if not source or urlsplit(source).netloc != host:
                response = Response(
                    "Requête refusée : elle ne vient pas d'une page du back-office (CSRF).",
                    status_code=403,
                    media_type="text/plain; charset=utf-8",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
