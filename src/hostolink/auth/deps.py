"""Request dependencies shared by every domain: the session, the caller, permissions, rate
limits.

Every route declares who may call it, in its route table entry:
- public: on a `public_router` (its `PUBLIC` marker is a dependency of each route);
- authenticated: on an `authenticated_router` (`current_principal`); the route then serves
  only the caller's own data;
- a named permission: `Depends(require(permissions.KYC_REVIEW))` in the route's decorator,
  or a parameter annotated `Annotated[Principal, Depends(require(...))]`; the caller's
  permissions are read from the database with the caller, on every request;
- authenticated in the handler (`AUTHENTICATED_IN_HANDLER`): the WebSocket.
- the metrics token (`METRICS_TOKEN`): `/metrics`, for a scraper (hostolink.metrics).
`tests/test_authorization_matrix.py` reads these from `app.routes` and fails on a route that
declares none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.applications import Starlette

from hostolink.auth import principal as principals
from hostolink.auth.principal import Principal
from hostolink.auth.roles import ROLES
from hostolink.auth.service import AccountSuspended, AuthService
from hostolink.auth.tokens import read_access_token
from hostolink.config import Settings
from hostolink.db import database_of
from hostolink.errors import (
    Forbidden,
    InvalidToken,
    SessionEnded,
    TooManyRequests,
    Unauthorized,
)
from hostolink.kit import errors_reporting
from hostolink.kit.deps import client_ip, signing_key_of
from hostolink.kit.ratelimit import RateLimiter

_bearer = HTTPBearer(auto_error=False, description="Jeton d'accès obtenu à la connexion.")


def auth_service_of(app: Starlette) -> AuthService:
    service: AuthService = app.state.auth_service
    return service


async def get_auth_service(request: Request) -> AuthService:
    return auth_service_of(request.app)


async def authenticate(token: str, app: Starlette) -> Principal:
    """The person an access token names, read from the database with their permissions:
    `InvalidToken` for a token that is not ours, expired, or names no one (a deleted account
    included); `AccountSuspended` for a suspended account (a suspension ends every session
    too: say why, rather than « session ended »); `SessionEnded` once its session was closed.
    The routes (`current_principal`) and the rooms' WebSocket both authenticate here."""
    user_id, session = read_access_token(token, key=signing_key_of(app))
    row = await database_of(app).read_one(
        principals.PRINCIPAL_BY_SESSION, {"user_id": user_id, "session": session}
    )
    if row is None or row.date_suppression is not None:
        raise InvalidToken
    principal = principals.from_row(row)
    if not principal.actif:
        raise AccountSuspended
    if not row.session_active:
        raise SessionEnded
    return principal


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized
    principal = await authenticate(credentials.credentials, request.app)
    errors_reporting.note_user(principal.id)  # the id only; a no-op without Sentry
    return principal


class RequirePermission:
    """A dependency: the caller is authenticated and holds `permission`. The instance stays
    in the route table, so the permission a route needs can be read from `app.routes`."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    async def __call__(
        self, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        if self.permission not in principal.permissions:
            raise Forbidden(f"Permission requise : {self.permission}.")
        return principal

    def __repr__(self) -> str:
        return f"require({self.permission!r})"


_REQUIREMENTS: dict[str, RequirePermission] = {}
_KNOWN = frozenset(name for role in ROLES for name in role.permissions)


def require(permission: str) -> RequirePermission:
    """The dependency that demands `permission` (one instance per name). A name no role
    grants is refused at import time: a typo would otherwise lock everyone out."""
    if permission not in _KNOWN:
        raise ValueError(f"unknown permission {permission!r}: add it to a role in auth.roles")
    requirement = _REQUIREMENTS.get(permission)
    if requirement is None:
        requirement = _REQUIREMENTS.setdefault(permission, RequirePermission(permission))
    return requirement


class PublicAccess:
    """Marks a route open to anyone (no token needed); does nothing at request time."""

    async def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC = PublicAccess()


class AuthenticatedInHandler:
    """Marks a route that authenticates the caller itself (a WebSocket reads its token from
    the subprotocol or the query string, and closes with 4401/4403 rather than answering
    401/403); does nothing at request time."""

    async def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "AUTHENTICATED_IN_HANDLER"


AUTHENTICATED_IN_HANDLER = AuthenticatedInHandler()


class MetricsTokenAccess:
    """Marks a route that checks the metrics token itself (`HOSTOLINK_METRICS_TOKEN`, a
    credential of the operator's scraper, not of a person; hostolink.metrics.endpoint);
    does nothing at request time."""

    async def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "METRICS_TOKEN"


METRICS_TOKEN = MetricsTokenAccess()


CurrentUser = Annotated[Principal, Depends(current_principal)]
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


class RateLimits:
    """Per client address and per identifier limits on the public onboarding routes. The
    limiter never fails a request: without Redis it counts in-process (kit.ratelimit)."""

    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self._limiter = limiter
        self._settings = settings

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    async def client(self, request: Request) -> None:
        if not self._settings.rate_limit_enabled:
            return
        key = f"ip:{client_ip(request) or 'inconnu'}"
        decision = await self._limiter.hit(key, self._settings.rate_limit_per_ip_per_minute, 60)
        if not decision.allowed:
            raise TooManyRequests(retry_after=decision.retry_after)

    async def directory(self, request: Request) -> None:
        if not self._settings.rate_limit_enabled:
            return
        key = f"annuaire:{client_ip(request) or 'inconnu'}"
        limit = self._settings.directory_rate_limit_per_minute
        decision = await self._limiter.hit(key, limit, 60)
        if not decision.allowed:
            raise TooManyRequests(retry_after=decision.retry_after)

    async def identifier(self, identifier: str) -> None:
        if not self._settings.rate_limit_enabled:
            return
        limit = self._settings.rate_limit_per_identifier_per_minute
        decision = await self._limiter.hit(f"id:{identifier}", limit, 60)
        if not decision.allowed:
            raise TooManyRequests(
                "Trop de requêtes pour cet identifiant. Réessayez dans un instant.",
                retry_after=decision.retry_after,
            )


def rate_limits_of(app: Starlette) -> RateLimits:
    limits: RateLimits = app.state.rate_limits
    return limits


async def get_rate_limits(request: Request) -> RateLimits:
    return rate_limits_of(request.app)


async def limit_client(request: Request) -> None:
    await rate_limits_of(request.app).client(request)


async def limit_directory(request: Request) -> None:
    await rate_limits_of(request.app).directory(request)


RateLimitsDep = Annotated[RateLimits, Depends(get_rate_limits)]


def public_router(*, tags: list[str], dependencies: Sequence[Any] = ()) -> APIRouter:
    """A router whose routes anyone may call (explicitly public)."""
    return APIRouter(tags=list(tags), dependencies=[Depends(PUBLIC), *dependencies])


def authenticated_router(*, tags: list[str], dependencies: Sequence[Any] = ()) -> APIRouter:
    """A router whose every route requires a valid access token."""
    return APIRouter(tags=list(tags), dependencies=[Depends(current_principal), *dependencies])
