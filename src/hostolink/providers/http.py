"""HTTP plumbing every provider adapter shares: bounded retries, honest error mapping,
cached OAuth tokens, and the signed-header helpers of webhook schemes.

Retry policy: a request is retried only when repeating it cannot pay twice — a GET, or a
POST that carries our idempotency key (the adapter says so with `idempotent=True`). Timeouts,
connection errors and 5xx are retried with a short backoff; a 4xx is the provider's answer and
is returned to the adapter, which maps it (refusal, unknown operation…).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from hostolink.kit.metrics import PROVIDER_ERRORS
from hostolink.providers.base import InvalidCallback, ProviderProtocolError, ProviderUnreachable

logger = logging.getLogger("hostolink.providers")

DEFAULT_ATTEMPTS = 3
# Short: a user is waiting on the initiation; reconciliation asks again later anyway.
BACKOFF_SECONDS = (0.2, 0.6)
SERVER_ERROR = 500
CLIENT_ERROR = 400


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    provider: str,
    idempotent: bool,
    attempts: int = DEFAULT_ATTEMPTS,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request, retrying transport failures and 5xx when `idempotent`. Returns the
    last response below 500; raises `ProviderUnreachable` when none came."""
    tries = attempts if idempotent else 1
    last: str = "no attempt"
    for attempt in range(tries):
        if attempt:
            await asyncio.sleep(BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)])
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            last, kind = "timeout", "timeout"
        except httpx.TransportError as exc:
            last, kind = f"transport error: {type(exc).__name__}", "transport"
        else:
            if response.status_code < SERVER_ERROR:
                if response.status_code >= CLIENT_ERROR:  # the adapter maps it; still counted
                    PROVIDER_ERRORS.labels(provider=provider, kind="4xx").inc()
                return response
            last, kind = f"HTTP {response.status_code}", "5xx"
        PROVIDER_ERRORS.labels(provider=provider, kind=kind).inc()
        logger.warning(
            "%s %s %s: %s (attempt %d/%d)", provider, method, url, last, attempt + 1, tries
        )
    raise ProviderUnreachable(detail=f"{provider}: {last}")


def json_object(response: httpx.Response, *, provider: str) -> dict[str, Any]:
    """The response body as a JSON object, or `ProviderProtocolError`."""
    try:
        value = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        PROVIDER_ERRORS.labels(provider=provider, kind="protocol").inc()
        raise ProviderProtocolError(detail=f"{provider}: body is not JSON") from exc
    if not isinstance(value, dict):
        PROVIDER_ERRORS.labels(provider=provider, kind="protocol").inc()
        raise ProviderProtocolError(detail=f"{provider}: body is not a JSON object")
    return value


def callback_object(body: bytes, *, what: str) -> dict[str, Any]:
    """A webhook body as a JSON object, or `InvalidCallback` saying `what` was not one."""
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidCallback(f"{what} is not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidCallback(f"{what} is not a JSON object")
    return value


def field(body: Mapping[str, Any], name: str, *, provider: str) -> Any:
    """A required field of an answer (`ProviderProtocolError` when missing or null)."""
    value = body.get(name)
    if value is None:
        raise ProviderProtocolError(detail=f"{provider}: answer lacks {name!r}")
    return value


def whole_francs(value: Any, *, provider: str) -> int:
    """An amount as providers write it ("1000", 1000) → int; never through float."""
    text = str(value).strip()
    if text.endswith(".00"):
        text = text[:-3]
    if not text.isdigit():
        raise ProviderProtocolError(detail=f"{provider}: amount {value!r} is not whole francs")
    return int(text)


class TokenCache:
    """An OAuth access token, fetched once and reused until shortly before it expires.
    Concurrent callers wait for one fetch instead of each asking for a token."""

    def __init__(self, fetch: Callable[[], Awaitable[tuple[str, float]]], margin: float = 60.0):
        self._fetch = fetch  # returns (token, lifetime in seconds)
        self._margin = margin
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                token, lifetime = await self._fetch()
                self._token = token
                self._expires_at = time.monotonic() + max(lifetime - self._margin, 1.0)
            return self._token

    def forget(self) -> None:
        """After a 401: the next call fetches a fresh token."""
        self._token = None


def hmac_sha256_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def parse_signature_header(value: str) -> dict[str, list[str]]:
    """`t=1700000000,v1=abc,v1=def` → {"t": ["1700000000"], "v1": ["abc", "def"]}."""
    parts: dict[str, list[str]] = {}
    for item in value.split(","):
        key, sep, val = item.strip().partition("=")
        if not sep or not key or not val:
            raise InvalidCallback(f"malformed signature header item {item!r}")
        parts.setdefault(key, []).append(val)
    return parts


def any_matches(expected: str, candidates: list[str]) -> bool:
    """Constant-time comparison against every candidate (several during a secret rotation)."""
    found = False
    for candidate in candidates:
        found |= hmac.compare_digest(expected.encode(), candidate.encode())
    return found


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by case-insensitive name (Starlette's headers already are; a dict is not)."""
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None
