"""Djamo Business API (CI neobank, https://docs.djamo.com): withdrawals to a Djamo account.

Access is granted "to selected partners" only [DOC authentication]; the key is sent as
`Authorization: Bearer <API_KEY>` and its prefix names the environment and the country
(`djamo_staging_civ_…`, `djamo_production_civ_…`) [DOC].

- Withdrawal = `POST /v1/transactions` {msisdn (+225…), amount, reference, description,
  type "transfer"} → a transaction `txn_…` whose status is pending | completed | failed
  [DOC api/transaction]. The documented amount range is 5 000–500 000 F CFA [DOC] (the FAQ
  quotes a 200 000 000 maximum: the stricter range is enforced until Djamo says otherwise).
- Deposit: Djamo "charges" collect from Djamo accounts only and their API is not public
  [DOC FAQ]: `collect` says the rail is unavailable.
- Status = `GET /v1/transactions/{id}` [DOC]. No search by our reference is documented, so an
  operation whose initiation answer was lost cannot be found again (UNKNOWN).
- Webhooks (topics transactions/started, transactions/completed, transactions/failed) carry
  `x-djamo-hmac-sha256` [DOC api/webhooks]. What exactly is signed is not public [INF]: we
  verify HMAC-SHA256(webhook secret, raw body), hex or base64.
- Base URL: `https://api.djamo.com` is the settings' default [INF: the docs only say
  `<BASE_URL>`; Djamo gives the real one at onboarding].
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

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
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnavailable,
)
from hostolink.providers.http import (
    any_matches,
    field,
    header,
    json_object,
    send,
    whole_francs,
)

PROVIDER = "djamo"
logger = logging.getLogger("hostolink.providers.djamo")

SIGNATURE_HEADER = "x-djamo-hmac-sha256"
CURRENCY = "XOF"
MIN_TRANSFER = 5_000
MAX_TRANSFER = 500_000
TOPIC_OUTCOMES = {
    "transactions/started": Outcome.PENDING,
    "transactions/completed": Outcome.SUCCEEDED,
    "transactions/failed": Outcome.FAILED,
}
STATUS_OUTCOMES = {
    "pending": Outcome.PENDING,
    "completed": Outcome.SUCCEEDED,
    "failed": Outcome.FAILED,
}

HTTP_NOT_FOUND = 404
HTTP_UNAUTHORIZED = 401
HTTP_FORBIDDEN = 403
HTTP_TOO_MANY = 429

# French typography: narrow no-break spaces in numbers, a no-break space before the unit.
RANGE_MESSAGE = (
    "Un retrait vers Djamo doit être compris entre 5\u202f000 et 500\u202f000\u00a0F\u00a0CFA."
)
CURRENCY_MESSAGE = "Djamo ne reçoit que des francs CFA (XOF)."
UNAVAILABLE_DEPOSIT = (
    "Le rechargement depuis un compte Djamo n'est pas disponible : Djamo ne publie pas d'API "
    "pour encaisser un paiement (ses « charges » sont réservées aux comptes Djamo et à ses "
    "partenaires). Utilisez un autre moyen de paiement."
)
CONFIGURATION_MESSAGE = "Djamo refuse notre clé d'API : vérifiez la configuration."
OVERLOADED_MESSAGE = "Djamo est surchargé pour le moment. Réessayez dans un instant."
WITHDRAWAL_REFUSED = (
    "Djamo a refusé le retrait : vérifiez que ce numéro a bien un compte Djamo, et le montant."
)
WITHDRAWAL_FAILED = "Le retrait vers Djamo a échoué."
# `failureReason` values are not listed publicly [INF]; the few names below are guesses and
# anything else gets the generic sentence.
FAILURE_REASONS = {
    "account_not_found": "Aucun compte Djamo n'est associé à ce numéro.",
    "recipient_not_found": "Aucun compte Djamo n'est associé à ce numéro.",
    "limit_exceeded": "Le compte Djamo du bénéficiaire a atteint son plafond.",
    # Our business account lacks float: not the user's fault, nor something to describe.
    "insufficient_funds": (
        "Le retrait ne peut pas être effectué pour le moment. Réessayez plus tard."
    ),
}


def _error_code(response: httpx.Response) -> str | None:
    """A code from Djamo's error body; its format is not documented [INF]."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, Mapping):
        return None
    for key in ("code", "error", "type"):
        value = body.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None


def _refusal(response: httpx.Response) -> ProviderError:
    code = _error_code(response)
    detail = f"{PROVIDER}: HTTP {response.status_code}" + (f" {code}" if code else "")
    if response.status_code in (HTTP_UNAUTHORIZED, HTTP_FORBIDDEN):
        logger.error("djamo refused our API key", extra={"detail": detail})
        return ProviderUnavailable(CONFIGURATION_MESSAGE, detail=detail)
    if response.status_code == HTTP_TOO_MANY:
        return ProviderRejected(OVERLOADED_MESSAGE, detail=detail)
    return ProviderRejected(WITHDRAWAL_REFUSED, detail=detail)


def _failure_reason(transaction: Mapping[str, Any]) -> str:
    reason = transaction.get("failureReason")
    if isinstance(reason, str):
        return FAILURE_REASONS.get(reason.strip().lower(), WITHDRAWAL_FAILED)
    return WITHDRAWAL_FAILED


def transaction_answer(transaction: Mapping[str, Any]) -> ProviderAnswer:
    """A Djamo transaction → our answer."""
    transaction_id = str(field(transaction, "id", provider=PROVIDER))
    status = str(field(transaction, "status", provider=PROVIDER)).strip().lower()
    amount = transaction.get("amount")
    common: dict[str, Any] = {
        "external_id": transaction_id,
        "amount": None if amount is None else whole_francs(amount, provider=PROVIDER),
        "provider_data": {"transaction_id": transaction_id},
        "raw": dict(transaction),  # holds no secret: ids, amounts, fee, number, status
    }
    outcome = STATUS_OUTCOMES.get(status)
    if outcome is None:
        logger.warning("djamo status not documented, read as pending", extra={"status": status})
        outcome = Outcome.PENDING
    if outcome is Outcome.FAILED:
        return ProviderAnswer(outcome=outcome, reason=_failure_reason(transaction), **common)
    return ProviderAnswer(outcome=outcome, **common)


def _signature_matches(secret: str, body: bytes, received: str) -> bool:
    """HMAC-SHA256 of the raw body, as lowercase hex or as base64 [INF: encoding not
    documented]; a `sha256=` prefix is tolerated."""
    value = received.strip()
    if value.lower().startswith("sha256="):
        value = value[len("sha256=") :]
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    # Both comparisons always run (constant time whichever encoding Djamo uses).
    as_hex = any_matches(digest.hex(), [value.lower()])
    as_base64 = any_matches(base64.b64encode(digest).decode(), [value])
    return as_hex or as_base64


class DjamoProvider:
    """Djamo Business API: transfers from our business account to Djamo accounts."""

    code = "djamo"
    name = "Djamo"
    # Djamo documents no search by our reference: without its transaction id, "unknown" does
    # not mean "never received" (the flow then never releases a withdrawal on its own).
    finds_by_reference = False

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str | None,
        base_url: str,
        client: httpx.AsyncClient,
    ) -> None:
        self._api_key = api_key
        self._webhook_secret = webhook_secret
        self._base = base_url.rstrip("/")
        self._client = client

    def __repr__(self) -> str:  # never show the key or the webhook secret
        return f"DjamoProvider(base_url={self._base!r})"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}

    async def collect(self, request: CollectionRequest) -> ProviderAnswer:
        raise ProviderUnavailable(UNAVAILABLE_DEPOSIT, detail="djamo: no public collection API")

    async def payout(self, request: PayoutRequest) -> ProviderAnswer:
        # Refused here rather than by Djamo: the range is documented, and an answer we can
        # give without a call is one that cannot be lost.
        if request.currency != CURRENCY:
            raise ProviderRejected(CURRENCY_MESSAGE, detail=f"djamo: currency {request.currency}")
        if not MIN_TRANSFER <= request.amount <= MAX_TRANSFER:
            raise ProviderRejected(RANGE_MESSAGE, detail=f"djamo: amount {request.amount}")
        # Not idempotent: Djamo documents `reference` as free text ("can be your internal
        # ID"), not as a unique key, so a repeated POST could credit twice [INF]. A lost
        # answer stays pending for reconciliation.
        response = await send(
            self._client,
            "POST",
            f"{self._base}/v1/transactions",
            provider=PROVIDER,
            idempotent=False,
            headers=self._headers(),
            json={
                "msisdn": request.msisdn,  # E.164, as in Djamo's sample "+22507…" [DOC]
                "amount": request.amount,
                "reference": request.reference,
                "description": request.description,
                "type": "transfer",
            },
        )
        if response.is_client_error:
            raise _refusal(response)
        return transaction_answer(json_object(response, provider=PROVIDER))

    async def status(self, operation: OperationRef) -> ProviderAnswer:
        transaction_id = operation.external_id or operation.provider_data.get("transaction_id")
        if not transaction_id:
            # No documented search by reference: Djamo cannot tell us about it.
            return ProviderAnswer(outcome=Outcome.UNKNOWN)
        response = await send(
            self._client,
            "GET",
            f"{self._base}/v1/transactions/{quote(str(transaction_id), safe='')}",
            provider=PROVIDER,
            idempotent=True,
            headers=self._headers(),
        )
        if response.status_code == HTTP_NOT_FOUND:
            return ProviderAnswer(outcome=Outcome.UNKNOWN)
        if response.status_code in (HTTP_UNAUTHORIZED, HTTP_FORBIDDEN):
            raise _refusal(response)
        if response.is_client_error:
            raise ProviderProtocolError(detail=f"{PROVIDER}: HTTP {response.status_code}")
        return transaction_answer(json_object(response, provider=PROVIDER))

    def parse_callback(self, body: bytes, headers: Mapping[str, str], *, now: float) -> Callback:
        # No timestamp is documented for Djamo's deliveries: replays are absorbed by the
        # inbox's dedupe on the event id, and the outcome is the transaction's own status.
        if not self._webhook_secret:
            raise InvalidCallback("djamo webhook secret is not configured")
        received = header(headers, SIGNATURE_HEADER)
        if not received:
            raise InvalidCallback(f"missing {SIGNATURE_HEADER} header")
        if not _signature_matches(self._webhook_secret, body, received):
            raise InvalidCallback("djamo signature does not match")
        try:
            event = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidCallback("djamo notification is not JSON") from exc
        if not isinstance(event, dict):
            raise InvalidCallback("djamo notification is not a JSON object")
        # The payload's shape is not published [INF]: either {topic, data: transaction} or the
        # transaction object itself.
        nested = event.get("data")
        data: Mapping[str, Any] = nested if isinstance(nested, Mapping) else event
        topic = event.get("topic") if isinstance(event.get("topic"), str) else None
        transaction_id = data.get("id")
        if not isinstance(transaction_id, str) or not transaction_id:
            raise InvalidCallback("djamo notification lacks the transaction id")
        raw_status = data.get("status")
        status = raw_status.strip().lower() if isinstance(raw_status, str) else None
        if topic is None and status is None:
            raise InvalidCallback("djamo notification has neither topic nor status")
        # The transaction's status says more than the topic it was sent under.
        outcome = STATUS_OUTCOMES.get(status or "") or TOPIC_OUTCOMES.get(topic or "")
        amount = data.get("amount")
        try:
            parsed_amount = None if amount is None else whole_francs(amount, provider=PROVIDER)
        except ProviderProtocolError as exc:
            raise InvalidCallback("djamo notification amount is not whole francs") from exc
        reference = data.get("reference")
        return Callback(
            # One notification per (transaction, state): the id alone would drop the
            # "completed" that follows a "started".
            event_id=f"{transaction_id}:{topic or status}",
            event_type=topic,
            reference=reference if isinstance(reference, str) and reference else None,
            external_id=transaction_id,
            outcome=outcome,
            trusted=True,
            amount=parsed_amount,
            raw=dict(event),
        )


def build(settings: Settings, client: httpx.AsyncClient) -> DjamoProvider | None:
    """None when the credentials are not configured (the rail is then listed unavailable)."""
    api_key = settings.djamo_api_key.get_secret_value() if settings.djamo_api_key else ""
    if not api_key:
        return None
    secret = settings.djamo_webhook_secret
    return DjamoProvider(
        api_key=api_key,
        webhook_secret=secret.get_secret_value() if secret else None,
        base_url=settings.djamo_base_url,
        client=client,
    )
