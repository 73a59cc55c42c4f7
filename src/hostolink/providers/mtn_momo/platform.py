"""One MoMo platform: its base URL, its credentials, its tokens, and how its answers are sent
and classified.

MTN runs two platforms that speak the same API (same paths, bodies, subscription keys,
`X-Target-Environment` and callbacks) but do not share credentials or transactions:
- "classic": `proxy.momoapi.mtn.com` (and MTN's sandbox), an API user + API key; the token
  call takes no `X-Target-Environment` [DOC: CreateAccessToken];
- "openapi": MTN's newer MoMo API platform, `momoapi.momo.africa`, a User ID + Credential
  Token created under « System credentials » in the Partner Portal; its token call REQUIRES
  `X-Target-Environment` (400 without it) [3P: momo-openapi client, from testing the platform].
A transaction can be read only on the platform that created it (a 404 elsewhere) [3P], hence
one `MomoPlatform` per configured platform, and the adapter picks the operation's own.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from hostolink.kit.metrics import PROVIDER_ERRORS
from hostolink.providers.base import (
    Direction,
    ProviderMisconfigured,
    ProviderProtocolError,
    ProviderUnavailable,
    ProviderUnreachable,
)
from hostolink.providers.http import (
    BACKOFF_SECONDS,
    DEFAULT_ATTEMPTS,
    TokenCache,
    field,
    json_object,
)
from hostolink.providers.mtn_momo.codes import CONFIGURATION_CODES, decisive_code, error_code

logger = logging.getLogger("hostolink.providers.mtn_momo")

PROVIDER = "mtn_momo"
CLASSIC, OPENAPI = "classic", "openapi"
PLATFORMS = (CLASSIC, OPENAPI)

HTTP_OK_MIN, HTTP_OK_MAX = 200, 299
CLIENT_ERROR, UNAUTHORIZED, FORBIDDEN = 400, 401, 403
# Answers that say "not now" rather than "no": retried, then ProviderUnreachable.
REQUEST_TIMEOUT, TOO_MANY_REQUESTS, SERVER_ERROR = 408, 429, 500
# The newer platform takes 10-20 s to issue a token [3P]; a token call moves no money, so it
# may wait longer than the other calls (the token is then cached for its hour).
TOKEN_TIMEOUT_SECONDS = 30.0
# The newer platform's gateway refuses python-requests' User-Agent with an HTML 403 [3P]:
# name ourselves rather than rely on the HTTP library's default.
USER_AGENT = "Hostolink"

MISCONFIGURED = (
    "MTN MoMo n'est pas disponible pour le moment : un réglage est à corriger de notre côté, "
    "l'équipe est prévenue."
)
NO_COLLECTION = "Les dépôts par MTN MoMo ne sont pas disponibles pour le moment."
NO_DISBURSEMENT = "Les retraits vers MTN MoMo ne sont pas disponibles pour le moment."

HINTS: dict[int, str] = {
    UNAUTHORIZED: "credentials refused (API user/key, or the product's subscription key)",
    FORBIDDEN: "access refused (the server's IP must be whitelisted, or the product subscribed)",
}


@dataclass(frozen=True, repr=False)
class PlatformConfig:
    """A platform's settings. `user`/`key`: the API user and API key (classic) or the User ID
    and Credential Token (openapi), always taken as a pair: one platform's never work on the
    other."""

    name: str
    base_url: str
    user: str
    key: str
    collection_key: str | None
    disbursement_key: str | None

    def __repr__(self) -> str:  # never show the secrets, even in a traceback
        return f"PlatformConfig(name={self.name!r}, base_url={self.base_url!r})"


@dataclass(frozen=True)
class Product:
    """One MoMo product on one platform (its own subscription key and its own token)."""

    name: str  # "collection" | "disbursement": the URL prefix
    operation: str  # "requesttopay" | "transfer"
    party: str  # "payer" | "payee": who the MSISDN is
    subscription_key: str
    tokens: TokenCache


def describe(response: httpx.Response) -> str:
    code = error_code(response)
    return f"HTTP {response.status_code}" + (f" code {code}" if code else "")


def _transient(response: httpx.Response) -> bool:
    """A 5xx without a configuration or refusal code (an outage, INTERNAL_PROCESSING_ERROR,
    SERVICE_UNAVAILABLE), a timeout answer or a throttle: asking again may succeed."""
    if response.status_code in (REQUEST_TIMEOUT, TOO_MANY_REQUESTS):
        return True
    return response.status_code >= SERVER_ERROR and decisive_code(response) is None


class MomoPlatform:
    """The calls to one platform, with its credentials and its cached tokens."""

    def __init__(
        self, config: PlatformConfig, *, environment: str, client: httpx.AsyncClient
    ) -> None:
        self.name = config.name
        self.base_url = config.base_url.rstrip("/")
        self._config = config
        self._environment = environment
        self._client = client
        self._products: dict[Direction, Product | None] = {
            "depot": self._product("collection", "requesttopay", "payer", config.collection_key),
            "retrait": self._product("disbursement", "transfer", "payee", config.disbursement_key),
        }

    def __repr__(self) -> str:
        return f"MomoPlatform(name={self.name!r}, base_url={self.base_url!r})"

    def _product(
        self, name: str, operation: str, party: str, subscription_key: str | None
    ) -> Product | None:
        if not subscription_key:
            return None

        async def fetch() -> tuple[str, float]:
            return await self._fetch_token(name, subscription_key)

        return Product(name, operation, party, subscription_key, TokenCache(fetch))

    def product(self, direction: Direction) -> Product:
        product = self._products[direction]
        if product is None:
            name = "Collection" if direction == "depot" else "Disbursement"
            raise ProviderUnavailable(
                NO_COLLECTION if direction == "depot" else NO_DISBURSEMENT,
                detail=f"{PROVIDER} ({self.name}): no {name} subscription key",
            )
        return product

    def detail(self, response: httpx.Response, hint: str | None = None) -> str:
        text = f"{PROVIDER} ({self.name}): {describe(response)}"
        return text if hint is None else f"{text}: {hint}"

    def misconfigured(self, response: httpx.Response) -> ProviderMisconfigured:
        code = decisive_code(response)
        hint = CONFIGURATION_CODES.get(code or "") or HINTS.get(response.status_code)
        return ProviderMisconfigured(MISCONFIGURED, detail=self.detail(response, hint))

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        json_body: dict[str, Any] | None = None,
        token_call: bool = False,
    ) -> httpx.Response:
        """One request, retried on transport failures and transient answers (every MTN call
        here is idempotent: GETs, token calls, and POSTs keyed by `X-Reference-Id`, which MTN
        answers 409 on a resend). Returns the first other answer, including a 5xx carrying a
        configuration or refusal code: MTN's way of saying "no", which no retry changes."""
        extra: dict[str, Any] = {"timeout": TOKEN_TIMEOUT_SECONDS} if token_call else {}
        last = "no attempt"
        for attempt in range(DEFAULT_ATTEMPTS):
            if attempt:
                await asyncio.sleep(BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)])
            try:
                response = await self._client.request(
                    method,
                    url,
                    headers={"User-Agent": USER_AGENT, **headers},
                    json=json_body,
                    **extra,
                )
            except httpx.TimeoutException:
                last, kind = "timeout", "timeout"
            except httpx.TransportError as exc:
                last, kind = f"transport error: {type(exc).__name__}", "transport"
            else:
                status = response.status_code
                kind = "5xx" if status >= SERVER_ERROR else "4xx"
                if not _transient(response):
                    if status >= CLIENT_ERROR:  # the caller maps it; still counted
                        PROVIDER_ERRORS.labels(provider=PROVIDER, kind=kind).inc()
                    return response
                last = describe(response)
            PROVIDER_ERRORS.labels(provider=PROVIDER, kind=kind).inc()
            logger.warning(
                "%s (%s) %s %s: %s (attempt %d/%d)",
                PROVIDER,
                self.name,
                method,
                url,
                last,
                attempt + 1,
                DEFAULT_ATTEMPTS,
            )
        raise ProviderUnreachable(detail=f"{PROVIDER} ({self.name}): {last}")

    async def _fetch_token(self, product: str, subscription_key: str) -> tuple[str, float]:
        # Taken as the portal shows them: base64 of "user:key", never URL-encoded first (the
        # newer platform answers 500 to that) [3P].
        credentials = f"{self._config.user}:{self._config.key}".encode()
        headers = {
            "Authorization": f"Basic {base64.b64encode(credentials).decode()}",
            "Ocp-Apim-Subscription-Key": subscription_key,
        }
        if self.name == OPENAPI:
            headers["X-Target-Environment"] = self._environment
        response = await self.send(
            "POST",
            f"{self.base_url}/{product}/token/",
            headers=headers,
            token_call=True,
        )
        if not HTTP_OK_MIN <= response.status_code <= HTTP_OK_MAX:
            # A token call carries no user input: any refusal (401 wrong user/key or
            # subscription key, 400 a missing X-Target-Environment, 500 login_failed…) is
            # our configuration.
            raise self.misconfigured(response)
        body = json_object(response, provider=PROVIDER)
        token = field(body, "access_token", provider=PROVIDER)
        if not isinstance(token, str) or not token:
            raise ProviderProtocolError(detail=f"{PROVIDER}: access_token is not a string")
        return token, _expires_in(body)

    async def call(
        self,
        product: Product,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """One API call with the product's cached token. On 401 the token is forgotten and
        the call made once more with a fresh one; a second 401, a 403 or a configuration code
        (whatever the HTTP status) is `ProviderMisconfigured`. Returns any other answer."""
        for attempt in range(2):
            token = await product.tokens.get()
            response = await self.send(
                method,
                f"{self.base_url}{path}",
                headers={
                    "Authorization": f"Bearer {token}",
                    "X-Target-Environment": self._environment,
                    "Ocp-Apim-Subscription-Key": product.subscription_key,
                    **(headers or {}),
                },
                json_body=json_body,
            )
            if response.status_code != UNAUTHORIZED:
                break
            product.tokens.forget()
            if attempt:
                raise self.misconfigured(response)
            logger.info("%s (%s) %s token refused, fetching a new one", PROVIDER, self.name, path)
        if response.status_code == FORBIDDEN or decisive_code(response) in CONFIGURATION_CODES:
            # "FORBIDDEN IP" (the server's IP not whitelisted, usual on Disbursement), a
            # product the subscription does not cover, a callback host, currency or target
            # environment MTN does not accept: ours to fix, not the user's.
            raise self.misconfigured(response)
        return response


def _expires_in(body: Mapping[str, Any]) -> float:
    value = field(body, "expires_in", provider=PROVIDER)
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise ProviderProtocolError(detail=f"{PROVIDER}: expires_in {value!r} is not seconds")
    return float(text)
