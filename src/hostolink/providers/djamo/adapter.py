"""Djamo Business API (CI neobank, https://docs.djamo.com): withdrawals to a Djamo account.

Access is granted "to selected partners" only [DOC authentication]; the key is sent as
`Authorization: Bearer <API_KEY>` and its prefix names the environment and the country
(`djamo_staging_civ_…`, `djamo_production_civ_…`) [DOC].

- Withdrawal = `POST /v1/transactions` {msisdn (+225…), amount, reference, description,
  type "transfer"} → a transaction `txn_…` whose status is pending | completed | failed
  [DOC api/transaction, api/transfer]. The documented amount range is 5 000–500 000 F CFA
  [DOC] (the FAQ quotes a 200 000 000 maximum: the stricter range is enforced until Djamo says
  otherwise).
- Our reference is unique on Djamo's side: reusing it answers 409, "a collision happened. For
  example you used the same reference twice" [DOC errors]. So the POST is retried after a
  timeout or a 5xx (a second transfer cannot be created), and a 409 means "already
  submitted": the transaction is looked up by our reference and read — never a refusal.
- Deposit: Djamo "charges" collect from Djamo accounts only [DOC FAQ]: `collect` says the rail
  is unavailable.
- Status = `GET /v1/transactions/{id}` [DOC]; without the id, `GET /v1/transactions?reference=`
  [3P: a client written from Djamo's docs; not on the pages we read]. Not found either way is
  UNKNOWN, which proves nothing.
- Webhooks (topics transactions/started, transactions/completed, transactions/failed) carry
  `x-djamo-hmac-sha256` [DOC api/webhooks]. What exactly is signed is not on the page [INF]:
  we verify HMAC-SHA256(webhook secret, raw body), base64 (as every integration we read does)
  or hex.
- Base URL: none is safe to guess — the docs only say `<BASE_URL>` and Djamo gives it at
  onboarding (third-party code shows `https://api-civ.djamo.com` and a staging host). Without
  `DJAMO_BASE_URL` the rail is not built (and production refuses to start with a key alone).
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
    ProviderMisconfigured,
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnavailable,
    ProviderUnreachable,
)
from hostolink.providers.http import (
    any_matches,
    callback_object,
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
HTTP_CONFLICT = 409
# "The API Key is either missing or is incorrect" (401), "not allowed to access the resource"
# (403) [DOC errors]: our configuration, not the user's request.
AUTH_FAILURES = frozenset({401, 403})
# Not processed now, ask again (429: "the rate limit was exceeded" [DOC errors]; 408): no
# refusal, the operation stays pending.
TRY_AGAIN_LATER = frozenset({408, 429})

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
# Why the rail is listed unavailable when the key is there but not the address (registry).
MISSING_BASE_URL = (
    "Djamo n'est pas configuré sur ce serveur : l'adresse de l'API Djamo (DJAMO_BASE_URL, "
    "donnée par Djamo à l'ouverture du compte) est absente."
)
CONFIGURATION_MESSAGE = "Djamo refuse notre clé d'API : vérifiez la configuration."
WITHDRAWAL_REFUSED = (
    "Djamo a refusé le retrait : vérifiez que ce numéro a bien un compte Djamo, et le montant."
)
WITHDRAWAL_FAILED = "Le retrait vers Djamo a échoué."
# `failureReason` exists on the transaction [DOC api/transfer] but its values are not listed
# on the pages we read [INF]; the few names below are guesses and anything else gets the
# generic sentence.
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


def _failure(response: httpx.Response) -> ProviderError:
    """A 4xx other than 404/409 on a Djamo call. Our key refused is a configuration problem,
    429/408 are "ask again later", and any other 4xx is "an error with your input" [DOC
    errors]: the transfer was not created."""
    code = _error_code(response)
    detail = f"{PROVIDER}: HTTP {response.status_code}" + (f" {code}" if code else "")
    if response.status_code in AUTH_FAILURES:
        logger.error("djamo refused our API key", extra={"detail": detail})
        return ProviderMisconfigured(CONFIGURATION_MESSAGE, detail=detail)
    if response.status_code in TRY_AGAIN_LATER:
        return ProviderUnreachable(detail=detail)
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


def _ours(body: Any, reference: str) -> Mapping[str, Any] | None:
    """Our transaction in a lookup answer: a list (bare or under `data`, Djamo's list shape
    [DOC webhooks list]) or one object. Only an exact `reference` match counts — a filter the
    API ignored must not hand us someone else's transfer — and two different transactions
    under one unique reference are a doubt, not an answer."""
    items: list[Any]
    if isinstance(body, list):
        items = body
    elif isinstance(body, Mapping) and isinstance(body.get("data"), list):
        items = body["data"]
    elif isinstance(body, Mapping):
        items = [body.get("data") if isinstance(body.get("data"), Mapping) else body]
    else:
        return None
    ours = {
        str(item.get("id")): item
        for item in items
        if isinstance(item, Mapping) and item.get("reference") == reference and item.get("id")
    }
    if len(ours) != 1:
        if ours:
            logger.error("djamo lists several transactions under one reference")
        return None
    return next(iter(ours.values()))


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
    # The lookup by our reference is not on Djamo's pages we read: when it finds nothing,
    # "unknown" does not mean "never received" (the flow never releases a withdrawal on it).
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
        # Retried after a timeout or a 5xx: the reference is unique at Djamo, so a repeat
        # either creates the one transfer (the first never arrived) or answers 409.
        response = await send(
            self._client,
            "POST",
            f"{self._base}/v1/transactions",
            provider=PROVIDER,
            idempotent=True,
            headers=self._headers(),
            json={
                "msisdn": request.msisdn,  # E.164, as in Djamo's sample "+22507…" [DOC]
                "amount": request.amount,
                "reference": request.reference,
                "description": request.description,
                "type": "transfer",
            },
        )
        if response.status_code == HTTP_CONFLICT:
            return await self._already_submitted(request.reference)
        if response.is_client_error:
            raise _failure(response)
        return transaction_answer(json_object(response, provider=PROVIDER))

    async def _already_submitted(self, reference: str) -> ProviderAnswer:
        """A 409: Djamo holds a transaction under our reference (our own earlier attempt,
        whose answer was lost). Its state is the answer; when the lookup cannot see it, the
        withdrawal stays pending — it was submitted, it is not refused."""
        logger.warning("djamo: reference already submitted, looking it up")
        transaction = await self._find(reference)
        if transaction is None:
            raise ProviderUnreachable(detail="djamo: HTTP 409, transaction not found by reference")
        return transaction_answer(transaction)

    async def _find(self, reference: str) -> Mapping[str, Any] | None:
        """The transaction carrying our reference, or None when the lookup cannot tell."""
        response = await send(
            self._client,
            "GET",
            f"{self._base}/v1/transactions",
            provider=PROVIDER,
            idempotent=True,
            headers=self._headers(),
            params={"reference": reference},
        )
        if response.status_code in AUTH_FAILURES or response.status_code in TRY_AGAIN_LATER:
            raise _failure(response)
        if not response.is_success:
            # The lookup is not documented on the pages we read: a 4xx says nothing of the
            # transfer itself.
            logger.warning("djamo lookup by reference answered HTTP %d", response.status_code)
            return None
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProviderProtocolError(detail=f"{PROVIDER}: lookup body is not JSON") from exc
        return _ours(body, reference)

    async def status(self, operation: OperationRef) -> ProviderAnswer:
        transaction_id = operation.external_id or operation.provider_data.get("transaction_id")
        if not transaction_id:
            found = await self._find(operation.reference)
            if found is None:
                return ProviderAnswer(outcome=Outcome.UNKNOWN)
            return transaction_answer(found)
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
        if response.status_code in AUTH_FAILURES or response.status_code in TRY_AGAIN_LATER:
            raise _failure(response)
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
        event = callback_object(body, what="djamo notification")
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


def base_url_missing(settings: Settings) -> bool:
    """Credentials present, address absent: the rail is listed unavailable, never guessed."""
    api_key = settings.djamo_api_key.get_secret_value().strip() if settings.djamo_api_key else ""
    return bool(api_key) and not (settings.djamo_base_url or "").strip()


def build(settings: Settings, client: httpx.AsyncClient) -> DjamoProvider | None:
    """None when the credentials or the base URL are not configured (the rail is then listed
    unavailable)."""
    api_key = settings.djamo_api_key.get_secret_value().strip() if settings.djamo_api_key else ""
    if not api_key:
        return None
    base_url = (settings.djamo_base_url or "").strip()
    if not base_url:
        logger.warning("DJAMO_API_KEY is set but DJAMO_BASE_URL is not: Djamo stays unavailable")
        return None
    secret = settings.djamo_webhook_secret
    return DjamoProvider(
        api_key=api_key,
        webhook_secret=secret.get_secret_value() if secret else None,
        base_url=base_url,
        client=client,
    )
