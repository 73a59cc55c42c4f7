"""Request dependencies shared by every domain: the session, the caller, roles, rate limits.

Routers are authenticated by default (`authenticated_router`); public routes live on routers
named `public_router` so that what is open is visible at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hostolink.auth import principal as principals
from hostolink.auth.principal import Principal
from hostolink.auth.service import AccountSuspended, AuthService
from hostolink.auth.tokens import read_access_token
from hostolink.config import Settings
from hostolink.db import Database
from hostolink.errors import Forbidden, InvalidToken, TooManyRequests, Unauthorized
from hostolink.kit.ratelimit import RateLimiter

ADMIN_ROLES = frozenset({"admin", "super_admin"})
_bearer = HTTPBearer(auto_error=False, description="Jeton d'accès obtenu à la connexion.")


async def get_auth_service(request: Request) -> AuthService:
    service: AuthService = request.app.state.auth_service
    return service


def client_ip(request: Request) -> str | None:
    # Behind Render's proxy, uvicorn rewrites `client` from X-Forwarded-For when the proxy
    # is trusted (FORWARDED_ALLOW_IPS); never parse the header ourselves.
    return request.client.host if request.client else None


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized
    user_id = read_access_token(credentials.credentials, key=request.app.state.signing_key)
    db: Database = request.app.state.db
    row = await db.read_one(principals.PRINCIPAL_BY_ID, {"user_id": user_id})
    if row is None:
        raise InvalidToken
    principal = principals.from_row(row)
    if not principal.actif:
        raise AccountSuspended
    return principal


async def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.roles & ADMIN_ROLES:
        raise Forbidden("Réservé aux administrateurs.")
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
AdminUser = Annotated[Principal, Depends(admin_principal)]
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


class RateLimits:
    """Per client address and per identifier limits on the public onboarding routes."""

    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self._limiter = limiter
        self._settings = settings

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


async def get_rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


async def limit_client(request: Request) -> None:
    limits: RateLimits = request.app.state.rate_limits
    await limits.client(request)


async def limit_directory(request: Request) -> None:
    limits: RateLimits = request.app.state.rate_limits
    await limits.directory(request)


RateLimitsDep = Annotated[RateLimits, Depends(get_rate_limits)]


def public_router(*, tags: list[str], dependencies: Sequence[Any] = ()) -> APIRouter:
    """A router whose routes anyone may call (explicitly public)."""
    return APIRouter(tags=list(tags), dependencies=list(dependencies))


def authenticated_router(*, tags: list[str], dependencies: Sequence[Any] = ()) -> APIRouter:
    """A router whose every route requires a valid access token."""
    return APIRouter(tags=list(tags), dependencies=[Depends(current_principal), *dependencies])
