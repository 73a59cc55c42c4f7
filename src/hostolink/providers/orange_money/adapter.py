"""Orange Money Côte d'Ivoire through Orange's "Web Payment" API (OM WebPay).

Facts: [DOC] = Orange Developer, « Orange Money WebPay Dev — Getting started » (sections 2,
3.1.1, 3.3, 4; read in a stored text copy, see tests/providers/conformance/orange_money/);
[3P] = consistent across many third-party integrations (Orange's API reference, with its error
codes, is behind a developer login):
- token: `POST /oauth/v3/token`, HTTP Basic `client_id:client_secret`, form
  `grant_type=client_credentials` → `{access_token, expires_in}` (« about 90 days » [DOC]);
- initiation: `POST /orange-money-webpay/{env}/v1/webpayment` (`dev` sandbox, `ci`
  production) → `{status: 201, message, pay_token, payment_url, notif_token}` [DOC];
- status: `POST /orange-money-webpay/{env}/v1/transactionstatus` with
  `{order_id, amount, pay_token}` → 201 `{status, order_id, txnid}`, status INITIATED (waiting
  for the payer; it stays so if the payer does nothing), PENDING (confirmed, in progress),
  EXPIRED (confirmed after the 10-minute validity of the pay_token), SUCCESS, FAILED [DOC];
- notification: Orange POSTs `{status, notif_token, txnid}` to `notif_url`, only for a
  confirmed payment ending SUCCESS or FAILED; unsigned: « make sure this token matches the
  token sent in the notification » is Orange's whole authentication [DOC].
- payout: no self-serve API for Côte d'Ivoire; withdrawals to Orange numbers go through the
  aggregator (the registry routes them there).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from hostolink.config import Settings
from hostolink.providers.base import (
    Callback,
    CollectionRequest,
    InvalidCallback,
    OperationRef,
    Outcome,
    PayoutRequest,
    ProviderAnswer,
    ProviderError,
    ProviderMisconfigured,
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnavailable,
    ProviderUnreachable,
)
from hostolink.providers.http import (
    TokenCache,
    callback_object,
    field,
    json_object,
    send,
    whole_francs,
)

logger = logging.getLogger("hostolink.providers.orange_money")

CODE = "orange_money"
PROVIDER = CODE  # the name `send()` and the error details use

# Orange's limits on the initiation fields [3P].
ORDER_ID_MAX = 30
NOTIF_URL_MAX = 120
# Shown to the payer on Orange's payment page (≤30 characters).
PAYER_REFERENCE = "Hostolink"
SANDBOX = "dev"  # the sandbox takes the test currency "OUV", never XOF [3P]

HTTP_OK_MIN, HTTP_OK_MAX = 200, 299
UNAUTHORIZED, NOT_FOUND = 401, 404
# Our credentials, the application's subscription or the URL refused: every request would be
# refused alike (Orange's gateway: 401 codes 40-42, 403 code 50…) [3P].
AUTH_FAILURES = frozenset({401, 403})
WRONG_PLACE = frozenset({404, 405})  # on the initiation: a wrong base URL or environment
# Nothing decided: a timeout at a proxy, a conflict (the order_id exists: an earlier request
# of ours reached Orange), too many requests. Never a refusal, never a failure [INF].
UNKNOWN_STATE = frozenset({408, 409, 429})

NO_PAYOUT = (
    "Orange Money ne propose pas d'API de retrait en Côte d'Ivoire ; les retraits vers "
    "Orange Money passent par l'agrégateur."
)
CONFIGURATION = (
    "Orange Money n'est pas disponible : la configuration du compte marchand est à revoir."
)
NOTIF_URL_TOO_LONG = (
    "Orange Money n'est pas disponible : l'adresse de notification dépasse 120 caractères."
)
REFUSED = "Orange Money a refusé la demande de paiement."
FAILED = "Paiement Orange Money refusé"
EXPIRED = "Délai de paiement Orange Money dépassé"
EXPIRED_STATUS = "EXPIRED"

# Transaction statuses of the status call (and of notifications, which only send SUCCESS or
# FAILED) [DOC]. EXPIRED is final: the payer confirmed after the pay_token's validity.
STATUSES: dict[str, tuple[Outcome, str | None]] = {
    "INITIATED": (Outcome.PENDING, None),
    "PENDING": (Outcome.PENDING, None),
    "SUCCESS": (Outcome.SUCCEEDED, None),
    "FAILED": (Outcome.FAILED, FAILED),
    EXPIRED_STATUS: (Outcome.FAILED, EXPIRED),
}


def order_id_for(reference: str) -> str:
    """Orange's `order_id` (≤30 characters) for our 36-character UUID reference: its hex
    digits without dashes, cut to 30. Deterministic, so it can be recomputed, and 120 bits of
    the UUID stay in it (collisions are not a practical concern)."""
    return reference.replace("-", "").lower()[:ORDER_ID_MAX]


def _without_secrets(body: Mapping[str, Any]) -> dict[str, Any]:
    # The notif_token authenticates notifications: the flow keeps only its SHA-256.
    return {key: value for key, value in body.items() if key != "notif_token"}


def _error_detail(response: httpx.Response) -> str:
    """Status and Orange's error code for the logs; never a request field (no secrets)."""
    code: Any = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = body.get("code")
    return f"{PROVIDER}: HTTP {response.status_code}" + (f" code {code}" if code else "")


def _failure(response: httpx.Response, *, initiation: bool) -> ProviderError:
    """What a 4xx means. Only the initiation can be refused for good (`ProviderRejected`); our
    setup refused is `ProviderMisconfigured`; an undecided answer is `ProviderUnreachable` (the
    deposit stays pending), and any other 4xx of a status call is no answer."""
    status = response.status_code
    detail = _error_detail(response)
    if status in AUTH_FAILURES or (initiation and status in WRONG_PLACE):
        logger.error("orange_money refused our configuration", extra={"http_status": status})
        return ProviderMisconfigured(CONFIGURATION, detail=detail)
    if status in UNKNOWN_STATE:
        return ProviderUnreachable(detail=detail)
    if initiation:
        logger.warning("orange_money refused the payment request", extra={"http_status": status})
        return ProviderRejected(REFUSED, detail=detail)
    return ProviderProtocolError(detail=detail)


def _expires_in(body: Mapping[str, Any]) -> float:
    value = field(body, "expires_in", provider=PROVIDER)
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise ProviderProtocolError(detail=f"{PROVIDER}: expires_in {value!r} is not seconds")
    return float(text)


class OrangeMoneyProvider:
    """Collections through Orange Money WebPay; payouts are not offered (see module doc)."""

    code = CODE
    name = "Orange Money"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        merchant_key: str,
        environment: str,
        base_url: str,
        client: httpx.AsyncClient,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._merchant_key = merchant_key
        self._environment = environment.strip().lower()
        self._base_url = base_url.rstrip("/")
        self._client = client
        self._tokens = TokenCache(self._fetch_token)

    def __repr__(self) -> str:  # never show the secrets, even in a traceback
        return (
            f"OrangeMoneyProvider(environment={self._environment!r}, base_url={self._base_url!r})"
        )

    @property
    def currency(self) -> str:
        return "OUV" if self._environment == SANDBOX else "XOF"

    def _url(self, operation: str) -> str:
        return f"{self._base_url}/orange-money-webpay/{self._environment}/v1/{operation}"

    async def _fetch_token(self) -> tuple[str, float]:
        credentials = base64.b64encode(f"{self._client_id}:{self._client_secret}".encode())
        # Asking for a token moves no money: safe to retry.
        response = await send(
            self._client,
            "POST",
            f"{self._base_url}/oauth/v3/token",
            provider=PROVIDER,
            idempotent=True,
            headers={
                "Authorization": f"Basic {credentials.decode()}",
                "Accept": "application/json",
            },
            data={"grant_type": "client_credentials"},
        )
        if response.status_code in UNKNOWN_STATE:
            raise ProviderUnreachable(detail=_error_detail(response))
        if not HTTP_OK_MIN <= response.status_code <= HTTP_OK_MAX:
            # Wrong client id/secret (401 invalid_client), a malformed request (400), or the
            # application lost its WebPay subscription: asking again will not help.
            logger.error(
                "orange_money refused our credentials",
                extra={"http_status": response.status_code},
            )
            raise ProviderMisconfigured(CONFIGURATION, detail=_error_detail(response))
        body = json_object(response, provider=PROVIDER)
        token = field(body, "access_token", provider=PROVIDER)
        if not isinstance(token, str) or not token:
            raise ProviderProtocolError(detail=f"{PROVIDER}: access_token is not a string")
        return token, _expires_in(body)

    async def _post(
        self, operation: str, payload: dict[str, Any], *, idempotent: bool
    ) -> httpx.Response:
        """POST with the cached token; on 401 the token is forgotten and the call made once
        more with a fresh one. Resending after a 401 cannot pay twice even for the
        initiation: Orange refused the request before looking at it."""
        for attempt in range(2):
            token = await self._tokens.get()
            response = await send(
                self._client,
                "POST",
                self._url(operation),
                provider=PROVIDER,
                idempotent=idempotent,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                json=payload,
            )
            if response.status_code != UNAUTHORIZED or attempt:
                break
            self._tokens.forget()
        return response

    async def collect(self, request: CollectionRequest) -> ProviderAnswer:
        if len(request.callback_url) > NOTIF_URL_MAX:
            # Orange limits notif_url to 120 characters [DOC]: our deployment, not the payer.
            raise ProviderMisconfigured(
                NOTIF_URL_TOO_LONG,
                detail=f"{PROVIDER}: notif_url has {len(request.callback_url)} characters",
            )
        order_id = order_id_for(request.reference)
        payload: dict[str, Any] = {
            "merchant_key": self._merchant_key,
            "currency": self.currency,
            "order_id": order_id,
            "amount": request.amount,  # an integer: XOF has no minor unit
            "return_url": request.return_url,
            "cancel_url": request.return_url,
            "notif_url": request.callback_url,
            "lang": "fr",
            "reference": PAYER_REFERENCE,
        }
        # Not idempotent: Orange has no idempotency key; order_id must be unique per
        # merchant [INF], so a blind resend after a timeout could create a second payment
        # page or be refused as a duplicate. The flow asks `status` instead.
        response = await self._post("webpayment", payload, idempotent=False)
        if not HTTP_OK_MIN <= response.status_code <= HTTP_OK_MAX:
            raise _failure(response, initiation=True)
        body = json_object(response, provider=PROVIDER)
        pay_token = field(body, "pay_token", provider=PROVIDER)
        payment_url = field(body, "payment_url", provider=PROVIDER)
        notif_token = field(body, "notif_token", provider=PROVIDER)
        if not all(isinstance(value, str) and value for value in (pay_token, payment_url)):
            raise ProviderProtocolError(detail=f"{PROVIDER}: pay_token/payment_url not text")
        if not isinstance(notif_token, str) or not notif_token:
            raise ProviderProtocolError(detail=f"{PROVIDER}: notif_token is not text")
        return ProviderAnswer(
            outcome=Outcome.PENDING,
            external_id=pay_token,
            payment_url=payment_url,
            notification_token=notif_token,
            provider_data={"order_id": order_id, "pay_token": pay_token},
            raw=_without_secrets(body),
        )

    async def payout(self, request: PayoutRequest) -> ProviderAnswer:
        raise ProviderUnavailable(NO_PAYOUT, detail=f"{PROVIDER}: no payout API in CI")

    async def status(self, operation: OperationRef) -> ProviderAnswer:
        data = operation.provider_data
        pay_token = data.get("pay_token") or operation.external_id
        if not pay_token:
            # The initiation never got an answer: Orange has no payment we could look up.
            return ProviderAnswer(outcome=Outcome.UNKNOWN)
        order_id = data.get("order_id") or order_id_for(operation.reference)
        payload = {"order_id": order_id, "amount": operation.amount, "pay_token": pay_token}
        # A read: repeating it changes nothing.
        response = await self._post("transactionstatus", payload, idempotent=True)
        if response.status_code == NOT_FOUND:
            return ProviderAnswer(outcome=Outcome.UNKNOWN)
        if not HTTP_OK_MIN <= response.status_code <= HTTP_OK_MAX:
            # A 4xx on a read says nothing about the payment: it stays pending and
            # reconciliation asks again.
            raise _failure(response, initiation=False)
        body = json_object(response, provider=PROVIDER)
        status = str(field(body, "status", provider=PROVIDER)).strip().upper()
        mapped = STATUSES.get(status)
        if mapped is None:
            raise ProviderProtocolError(detail=f"{PROVIDER}: unknown status {status!r}")
        outcome, reason = mapped
        # The status answer may echo the amount [INF]; when it does, the flow cross-checks it.
        amount = body.get("amount")
        return ProviderAnswer(
            outcome=outcome,
            external_id=str(pay_token),
            reason=reason,
            expired=status == EXPIRED_STATUS,
            amount=None if amount is None else whole_francs(amount, provider=PROVIDER),
            provider_data={"order_id": order_id, "pay_token": pay_token},
            raw=_without_secrets(body),
        )

    def parse_callback(self, body: bytes, headers: Mapping[str, str], *, now: float) -> Callback:
        """Orange signs nothing (an `X-Orange-Signature` header seen in some projects is not
        documented): the notification carries the `notif_token` returned at initiation, which
        the flow compares with the SHA-256 it stored. Hence `trusted=False`, and no timestamp
        to check."""
        payload = callback_object(body, what="orange_money notification")
        token = payload.get("notif_token")
        status = payload.get("status")
        if not isinstance(token, str) or not token:
            raise InvalidCallback("orange_money notification lacks notif_token")
        if not isinstance(status, str) or not status.strip():
            raise InvalidCallback("orange_money notification lacks status")
        status = status.strip().upper()
        # Orange sends SUCCESS or FAILED; anything else is left to the status call.
        mapped = STATUSES.get(status)
        # Dedupe key: one notification per (payment, status); the token itself never goes
        # into the inbox, only a digest of it.
        event_id = f"{hashlib.sha256(token.encode()).hexdigest()[:32]}:{status}"
        return Callback(
            event_id=event_id,
            event_type=None,
            reference=None,
            external_id=None,
            outcome=None if mapped is None else mapped[0],
            trusted=False,
            notification_token=token,
            raw=_without_secrets(payload),
        )


def build(settings: Settings, client: httpx.AsyncClient) -> OrangeMoneyProvider | None:
    """None when the credentials are not configured (the rail is then listed unavailable)."""
    client_id = settings.orange_money_client_id
    client_secret = settings.orange_money_client_secret
    merchant_key = settings.orange_money_merchant_key
    if not client_id or client_secret is None or merchant_key is None:
        return None
    secret = client_secret.get_secret_value()
    key = merchant_key.get_secret_value()
    if not secret or not key:
        return None
    return OrangeMoneyProvider(
        client_id=client_id,
        client_secret=secret,
        merchant_key=key,
        environment=settings.orange_money_environment,
        base_url=settings.orange_money_base_url,
        client=client,
    )
