"""Hub2 (aggregator based in Abidjan, https://docs.hub2.io): Moov Money deposits and
withdrawals, Orange Money withdrawals, and MTN MoMo / Wave when the merchant account has them.

Every call carries the headers `ApiKey`, `MerchantId` and `Environment` (live | sandbox)
[DOC api-reference]. Amounts are integers in the smallest unit, i.e. whole francs for the
zero-decimal XOF [DOC].

- Deposit (pay-in) = two calls [DOC payments_integration]: create a PaymentIntent
  (`POST /payment-intents`), which answers an `id` (pi_…) and a `token` (a JWT), then attempt
  a payment on it (`POST /payment-intents/{id}/payments`) with the mobile-money method; that
  route authenticates with the intent's `token` in the body, not with the API key [DOC]. The
  payer then confirms on the phone (USSD push) or, for Wave, on the page given in
  `nextAction.data.url` [DOC payments_authentication].
- Withdrawal (pay-out) = `POST /transfers` [DOC transfers_integration].
- Status = `GET /payment-intents/{id}` or `GET /transfers/{id}`; when the initiation's answer
  was lost, the collections are searched by our reference (`purchaseReference` /
  `reference` query filters) [DOC api-reference].
- Webhooks are signed `Hub2-Signature: s1=<hex>,s0=<hex>`, HMAC-SHA256 of the JSON body with
  the current (s1) and the previous (s0, kept 24 h after a rotation) secret [DOC webhooks].
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
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
    hmac_sha256_hex,
    json_object,
    parse_signature_header,
    send,
    whole_francs,
)

PROVIDER = "hub2"
logger = logging.getLogger("hostolink.providers.hub2")

ENVIRONMENTS = frozenset({"live", "sandbox"})
COUNTRY = "CI"
# Our rail → Hub2's `provider` value [DOC transfers sample "orange"; 3P code for the others].
HUB2_PROVIDERS = {
    "orange_money": "orange",
    "mtn_momo": "mtn",
    "moov_money": "moov",
    "wave": "wave",
}
SIGNATURE_HEADER = "Hub2-Signature"
# The collections default to "since the first day of this month" [DOC]: a search by reference
# right after midnight on the 1st would miss yesterday's operation, so it looks back a month.
LOOKUP_WINDOW = timedelta(days=31)
LOOKUP_PAGE_SIZE = 10
# Never kept in `raw`: the intent's JWT lets anyone attempt payments on it.
SECRET_FIELDS = frozenset({"token", "secret", "oldSecret", "apiKey", "ApiKey"})

SUCCESS_STATUSES = frozenset({"successful", "succeeded"})
FAILURE_STATUSES = frozenset({"failed"})

HTTP_NOT_FOUND = 404
HTTP_UNAUTHORIZED = 401
HTTP_FORBIDDEN = 403
HTTP_TOO_MANY = 429

CONFIGURATION_MESSAGE = (
    "Hub2 refuse nos identifiants : vérifiez la configuration (clé d'API, identifiant "
    "marchand, environnement)."
)
OVERLOADED_MESSAGE = "Le service de paiement est surchargé. Réessayez dans un instant."
DEPOSIT_REFUSED = "Hub2 a refusé le paiement : vérifiez le numéro et le montant."
WITHDRAWAL_REFUSED = "Hub2 a refusé le retrait : vérifiez le numéro et le montant."
DEPOSIT_FAILED = "Le paiement a échoué."
WITHDRAWAL_FAILED = "Le retrait a échoué."

# Application error codes of a refused request [DOC error_management].
WITHDRAWAL_LATER = "Le retrait ne peut pas être effectué pour le moment. Réessayez plus tard."
REQUEST_ERRORS = {
    # The merchant's transfer account lacks float: not the user's fault, nor something to
    # describe to them.
    "insufficient-funds": WITHDRAWAL_LATER,
    "withdrawal-unavailable": WITHDRAWAL_LATER,
    "locked-account": "Le service de paiement est indisponible pour le moment.",
    "invalid-currency": "Cette devise n'est pas acceptée par le service de paiement.",
    "currency-not-found": "Cette devise n'est pas acceptée par le service de paiement.",
}

# `failureCause.code` of a failed payment [DOC payments_failure_causes].
PAYMENT_FAILURES = {
    "customer_insufficient_funds": "Solde insuffisant sur votre compte Mobile Money.",
    "authentication_failed": (
        "Le paiement n'a pas été validé : confirmation refusée ou code secret incorrect."
    ),
    "authentication_timeout": "Vous n'avez pas confirmé le paiement à temps. Réessayez.",
    "timeout": "Le délai de paiement est dépassé. Réessayez.",
    "canceled_by_customer": "Vous avez annulé le paiement.",
    "canceled": "L'opérateur a annulé le paiement.",
    "customer_account_locked": "Votre compte Mobile Money est bloqué par l'opérateur.",
    "invalid_msisdn": "Ce numéro Mobile Money est incorrect.",
    "payer_quota_exceeded": "Vous avez atteint le plafond de votre compte Mobile Money.",
    "fraud_suspicion": "L'opérateur a bloqué le paiement par mesure de sécurité.",
    "forbidden_by_provider": "L'opérateur a refusé le paiement.",
    "service_unavailable": "L'opérateur est indisponible pour le moment. Réessayez plus tard.",
    "too_many_request": "L'opérateur est surchargé. Réessayez dans quelques minutes.",
    "duplicate_request": (
        "Une opération identique vient d'être enregistrée. Réessayez dans quelques minutes."
    ),
    "unsupported_currency": "Cette devise n'est pas acceptée par l'opérateur.",
    "invalid_payment_processor": "Ce moyen de paiement ne permet pas cette opération.",
}

# `failureCause.code` of a failed transfer [DOC transfers_failure_causes].
TRANSFER_FAILURES = {
    "invalid_destination": "Le numéro du bénéficiaire n'est pas valide.",
    "destination_not_allowed": "L'opérateur n'autorise pas l'envoi vers ce numéro.",
    "blacklisted_msisdn": "Ce numéro est temporairement bloqué par l'opérateur.",
    "invalid_amount": "Ce montant n'est pas accepté par l'opérateur.",
    "insufficient_funds": WITHDRAWAL_LATER,
    "forbidden_by_provider": "L'opérateur a refusé le retrait.",
    "fraud_suspicion": "L'opérateur a bloqué le retrait par mesure de sécurité.",
    "canceled": "L'opérateur a annulé le retrait.",
    "timeout": "L'opérateur n'a pas répondu à temps. Réessayez.",
    "service_unavailable": "L'opérateur est indisponible pour le moment. Réessayez plus tard.",
    "too_many_request": "L'opérateur est surchargé. Réessayez dans quelques minutes.",
    "duplicate_request": (
        "Une opération identique vient d'être enregistrée. Réessayez dans quelques minutes."
    ),
    "unsupported_currency": "Cette devise n'est pas acceptée par l'opérateur.",
    "invalid_payment_processor": "Ce moyen de paiement ne permet pas cette opération.",
}

# When a search finds several operations for one reference, the one that says the most
# about the money wins: a success must never hide behind a failed duplicate.
_RANK = {Outcome.SUCCEEDED: 0, Outcome.PENDING: 1, Outcome.FAILED: 2, Outcome.UNKNOWN: 3}


def scrub(value: Any) -> Any:
    """The answer without any token or secret, at any depth."""
    if isinstance(value, Mapping):
        return {k: scrub(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


def _status_of(body: Mapping[str, Any]) -> str:
    return str(field(body, "status", provider=PROVIDER)).strip().lower()


def _failure_reason(body: Mapping[str, Any] | None, table: Mapping[str, str], default: str) -> str:
    cause = body.get("failureCause") if body is not None else None
    if isinstance(cause, Mapping):
        code = cause.get("code")
        if isinstance(code, str) and code in table:
            return table[code]
    return default


def _amount(body: Mapping[str, Any]) -> int | None:
    value = body.get("amount")
    return None if value is None else whole_francs(value, provider=PROVIDER)


def _error_code(response: httpx.Response) -> str | None:
    """`code` of Hub2's standardized error body ({status, code, message, request_id})."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, Mapping):
        code = body.get("code")
        if isinstance(code, str | int):
            return str(code)
    return None


def _refusal(response: httpx.Response, default_message: str) -> ProviderError:
    """The error a 4xx answer to an initiation stands for."""
    code = _error_code(response)
    detail = f"{PROVIDER}: HTTP {response.status_code}" + (f" {code}" if code else "")
    if response.status_code in (HTTP_UNAUTHORIZED, HTTP_FORBIDDEN):
        logger.error("hub2 refused our credentials", extra={"detail": detail})
        return ProviderUnavailable(CONFIGURATION_MESSAGE, detail=detail)
    if response.status_code == HTTP_TOO_MANY:
        # Rate limited: this request was not accepted, so nothing happened.
        return ProviderRejected(OVERLOADED_MESSAGE, detail=detail)
    message = REQUEST_ERRORS.get(code or "", default_message)
    return ProviderRejected(message, detail=detail)


def _payment_url(intent: Mapping[str, Any], last_payment: Mapping[str, Any] | None) -> str | None:
    """Where the payer confirms: `nextAction.data.url` of the attempt (Wave, Orange's web
    circuit) [DOC payments_authentication]; seen on the payment or on the intent [3P]."""
    for holder in (last_payment, intent):
        if holder is None:
            continue
        action = holder.get("nextAction")
        if isinstance(action, Mapping):
            data = action.get("data")
            if isinstance(data, Mapping) and isinstance(data.get("url"), str):
                return str(data["url"])
    return None


def _last_payment(intent: Mapping[str, Any]) -> Mapping[str, Any] | None:
    payments = intent.get("payments")
    if payments is None:
        return None
    if not isinstance(payments, list):
        raise ProviderProtocolError(detail=f"{PROVIDER}: 'payments' is not a list")
    if payments and isinstance(payments[-1], Mapping):
        last: Mapping[str, Any] = payments[-1]
        return last
    return None


def intent_answer(intent: Mapping[str, Any]) -> ProviderAnswer:
    """A PaymentIntent → our answer.

    Intent statuses: `payment_required` (no attempt yet, or the last one failed: Hub2 lets the
    merchant try again), `processing`, `action_required`, `successful` [DOC sample + 3P];
    `succeeded`/`failed` are accepted too [3P]. We never attempt twice, so an intent back to
    `payment_required` after a failed attempt is a failed deposit; one without any attempt
    holds no payment at all (the attempt never reached Hub2): UNKNOWN."""
    intent_id = str(field(intent, "id", provider=PROVIDER))
    status = _status_of(intent)
    last = _last_payment(intent)
    common: dict[str, Any] = {
        "external_id": intent_id,
        "amount": _amount(intent),
        "provider_data": {"intent_id": intent_id},
        "raw": scrub(dict(intent)),
    }
    if status in SUCCESS_STATUSES:
        return ProviderAnswer(outcome=Outcome.SUCCEEDED, **common)
    last_failed = last is not None and str(last.get("status", "")).lower() in FAILURE_STATUSES
    if status in FAILURE_STATUSES or (status == "payment_required" and last_failed):
        cause_holder = last if last is not None and last.get("failureCause") else intent
        reason = _failure_reason(cause_holder, PAYMENT_FAILURES, DEPOSIT_FAILED)
        return ProviderAnswer(outcome=Outcome.FAILED, reason=reason, **common)
    if status == "payment_required" and last is None:
        return ProviderAnswer(outcome=Outcome.UNKNOWN, **common)
    return ProviderAnswer(outcome=Outcome.PENDING, payment_url=_payment_url(intent, last), **common)


def transfer_answer(transfer: Mapping[str, Any]) -> ProviderAnswer:
    """A Transfer → our answer (`pending | successful | failed` [DOC]; `created`,
    `processing` and the like are read as pending)."""
    transfer_id = str(field(transfer, "id", provider=PROVIDER))
    status = _status_of(transfer)
    common: dict[str, Any] = {
        "external_id": transfer_id,
        "amount": _amount(transfer),
        "provider_data": {"transfer_id": transfer_id},
        "raw": scrub(dict(transfer)),
    }
    if status in SUCCESS_STATUSES:
        return ProviderAnswer(outcome=Outcome.SUCCEEDED, **common)
    if status in FAILURE_STATUSES:
        reason = _failure_reason(transfer, TRANSFER_FAILURES, WITHDRAWAL_FAILED)
        return ProviderAnswer(outcome=Outcome.FAILED, reason=reason, **common)
    return ProviderAnswer(outcome=Outcome.PENDING, **common)


def _payment_outcome(payment: Mapping[str, Any]) -> Outcome:
    status = _status_of(payment)
    if status in SUCCESS_STATUSES:
        return Outcome.SUCCEEDED
    if status in FAILURE_STATUSES:
        return Outcome.FAILED
    return Outcome.PENDING


class Hub2Provider:
    """Hub2's PAY-IN and PAY-OUT APIs, for the Côte d'Ivoire rails it aggregates."""

    code = "hub2"
    name = "Hub2"

    def __init__(
        self,
        *,
        api_key: str,
        merchant_id: str,
        environment: str,
        webhook_secret: str | None,
        base_url: str,
        client: httpx.AsyncClient,
    ) -> None:
        if environment not in ENVIRONMENTS:
            raise ValueError(f"Hub2 environment must be 'live' or 'sandbox', not {environment!r}")
        self._api_key = api_key
        self._merchant_id = merchant_id
        self._environment = environment
        self._webhook_secret = webhook_secret
        self._base = base_url.rstrip("/")
        self._client = client

    def __repr__(self) -> str:  # never show the key or the webhook secret
        return f"Hub2Provider(merchant_id={self._merchant_id!r}, environment={self._environment!r})"

    def _headers(self) -> dict[str, str]:
        return {
            "ApiKey": self._api_key,
            "MerchantId": self._merchant_id,
            "Environment": self._environment,
            "Accept": "application/json",
        }

    @staticmethod
    def _hub2_provider(rail: str) -> str:
        provider = HUB2_PROVIDERS.get(rail)
        if provider is None:
            raise ProviderUnavailable(
                "Ce moyen de paiement n'est pas proposé par Hub2.", detail=f"hub2: rail {rail!r}"
            )
        return provider

    async def collect(self, request: CollectionRequest) -> ProviderAnswer:
        provider = self._hub2_provider(request.rail)
        # 1. The intent. Creating one moves no money (only a payment attempt does), so
        #    repeating it after a timeout is safe: at worst an intent nobody pays.
        #    `customerReference` takes our reference too: the restriction to A-Z a-z 0-9 - _ .
        #    and space [DOC] would refuse the "+" of an E.164 number [INF whether it applies to
        #    this field], and a UUID says nothing about the payer.
        response = await send(
            self._client,
            "POST",
            f"{self._base}/payment-intents",
            provider=PROVIDER,
            idempotent=True,
            headers=self._headers(),
            json={
                "customerReference": request.reference,
                "purchaseReference": request.reference,
                "amount": request.amount,
                "currency": request.currency,
            },
        )
        if response.is_client_error:
            raise _refusal(response, DEPOSIT_REFUSED)
        intent = json_object(response, provider=PROVIDER)
        intent_id = str(field(intent, "id", provider=PROVIDER))
        token = str(field(intent, "token", provider=PROVIDER))

        # 2. The attempt: this one asks the payer's operator for the money, so it is never
        #    repeated (a second attempt could push a second debit). If its answer is lost,
        #    `status` finds the intent again by `purchaseReference`.
        mobile_money: dict[str, Any] = {"msisdn": request.msisdn}
        if provider == "wave":
            # Wave confirms on its own page, then sends the payer back; names of the
            # PayMobileMoneyDto fields [3P]; E.164 `msisdn` as in the transfer sample [INF].
            mobile_money["onSuccessRedirectionUrl"] = request.return_url
            mobile_money["onFailedRedirectionUrl"] = request.return_url
        response = await send(
            self._client,
            "POST",
            f"{self._base}/payment-intents/{quote(intent_id, safe='')}/payments",
            provider=PROVIDER,
            idempotent=False,
            # The route authenticates with `token` [DOC]; our headers are sent as on every
            # call and are harmless there [INF].
            headers=self._headers(),
            json={
                "token": token,
                "paymentMethod": "mobile_money",
                "country": COUNTRY,
                "provider": provider,
                "mobileMoney": mobile_money,
            },
        )
        if response.is_client_error:
            raise _refusal(response, DEPOSIT_REFUSED)
        answer = intent_answer(json_object(response, provider=PROVIDER))
        if answer.outcome is Outcome.UNKNOWN:
            # The attempt was just accepted: a moment's lag before it shows on the intent.
            return ProviderAnswer(
                outcome=Outcome.PENDING,
                external_id=answer.external_id,
                amount=answer.amount,
                provider_data=answer.provider_data,
                raw=answer.raw,
            )
        return answer

    async def payout(self, request: PayoutRequest) -> ProviderAnswer:
        provider = self._hub2_provider(request.rail)
        # Not idempotent: Hub2 creates "a unique ID for each transfer request" [DOC] and
        # documents no refusal of a reused `reference`; its `duplicate_request` failure is a
        # short anti-double-click window ("a similar operation has just been recorded"), not
        # an idempotency key. Repeating the POST after a timeout could pay twice, so a lost
        # answer is left to `status` (search by reference) instead.
        response = await send(
            self._client,
            "POST",
            f"{self._base}/transfers",
            provider=PROVIDER,
            idempotent=False,
            headers=self._headers(),
            json={
                # A UUID only holds characters Hub2 allows (A-Z a-z 0-9 - _ . space) [DOC].
                "reference": request.reference,
                "amount": request.amount,
                "currency": request.currency,
                "description": request.description,
                "destination": {
                    "type": "mobile_money",
                    "country": COUNTRY,
                    "recipientName": request.recipient_name or request.msisdn,
                    # E.164, as in Hub2's sample ("+225…") [DOC].
                    "msisdn": request.msisdn,
                    "provider": provider,
                },
            },
        )
        if response.is_client_error:
            raise _refusal(response, WITHDRAWAL_REFUSED)
        return transfer_answer(json_object(response, provider=PROVIDER))

    async def status(self, operation: OperationRef) -> ProviderAnswer:
        if operation.direction == "depot":
            intent_id = operation.external_id or operation.provider_data.get("intent_id")
            if intent_id:
                body = await self._get(f"/payment-intents/{quote(str(intent_id), safe='')}")
                if body is None:
                    return ProviderAnswer(outcome=Outcome.UNKNOWN)
                return intent_answer(body)
            found = await self._search("/payment-intents", "purchaseReference", operation)
            return self._best([intent_answer(item) for item in found])
        transfer_id = operation.external_id or operation.provider_data.get("transfer_id")
        if transfer_id:
            body = await self._get(f"/transfers/{quote(str(transfer_id), safe='')}")
            if body is None:
                return ProviderAnswer(outcome=Outcome.UNKNOWN)
            return transfer_answer(body)
        found = await self._search("/transfers", "reference", operation)
        return self._best([transfer_answer(item) for item in found])

    async def _get(self, path: str) -> dict[str, Any] | None:
        """One object, or None when Hub2 does not know it (404)."""
        response = await send(
            self._client,
            "GET",
            f"{self._base}{path}",
            provider=PROVIDER,
            idempotent=True,
            headers=self._headers(),
        )
        if response.status_code == HTTP_NOT_FOUND:
            return None
        self._check_read(response)
        return json_object(response, provider=PROVIDER)

    async def _search(
        self, path: str, reference_field: str, operation: OperationRef
    ) -> list[Mapping[str, Any]]:
        """The objects carrying our reference (the answer to the initiation was lost)."""
        since = datetime.now(UTC) - LOOKUP_WINDOW
        response = await send(
            self._client,
            "GET",
            f"{self._base}{path}",
            provider=PROVIDER,
            idempotent=True,
            headers=self._headers(),
            params={
                reference_field: operation.reference,
                "from": since.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "perPage": str(LOOKUP_PAGE_SIZE),
            },
        )
        if response.status_code == HTTP_NOT_FOUND:
            return []
        self._check_read(response)
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderProtocolError(detail=f"{PROVIDER}: body is not JSON") from exc
        # An array [DOC for payment intents]; an envelope {"data": [...]} is read too [INF].
        if isinstance(body, Mapping) and isinstance(body.get("data"), list):
            body = body["data"]
        if not isinstance(body, list):
            raise ProviderProtocolError(detail=f"{PROVIDER}: collection is not a list")
        # Only exact matches: a filter that matched by prefix must not pick someone else's.
        return [
            item
            for item in body
            if isinstance(item, Mapping) and item.get(reference_field) == operation.reference
        ]

    @staticmethod
    def _check_read(response: httpx.Response) -> None:
        if response.status_code in (HTTP_UNAUTHORIZED, HTTP_FORBIDDEN):
            detail = f"{PROVIDER}: HTTP {response.status_code}"
            logger.error("hub2 refused our credentials", extra={"detail": detail})
            raise ProviderUnavailable(CONFIGURATION_MESSAGE, detail=detail)
        if response.is_client_error:
            # A read we cannot make (429, 400…) is no answer about the operation.
            code = _error_code(response)
            raise ProviderProtocolError(
                detail=f"{PROVIDER}: HTTP {response.status_code}" + (f" {code}" if code else "")
            )

    @staticmethod
    def _best(answers: list[ProviderAnswer]) -> ProviderAnswer:
        if not answers:
            return ProviderAnswer(outcome=Outcome.UNKNOWN)
        if len(answers) > 1:
            logger.warning(
                "hub2 holds several operations for one reference",
                extra={"external_ids": [a.external_id for a in answers]},
            )
        return min(answers, key=lambda answer: _RANK[answer.outcome])

    def parse_callback(self, body: bytes, headers: Mapping[str, str], *, now: float) -> Callback:
        # No timestamp is signed [DOC]: replays are absorbed by the inbox's dedupe on the
        # event id, and the outcome is the object's own status.
        if not self._webhook_secret:
            raise InvalidCallback("hub2 webhook secret is not configured")
        value = header(headers, SIGNATURE_HEADER)
        if not value:
            raise InvalidCallback(f"missing {SIGNATURE_HEADER} header")
        parts = parse_signature_header(value)
        # s1 is signed with the current secret, s0 with the previous one; ours may be either
        # during a rotation, so every value is a candidate [DOC].
        candidates = [sig.strip().lower() for values in parts.values() for sig in values]
        expected = hmac_sha256_hex(self._webhook_secret, body)
        if not any_matches(expected, candidates):
            raise InvalidCallback("hub2 signature does not match")
        try:
            event = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidCallback("hub2 notification is not JSON") from exc
        if not isinstance(event, dict):
            raise InvalidCallback("hub2 notification is not a JSON object")
        # Envelope {id, type, data, createdAt} [3P]; events such as payment_intent.created
        # [DOC], payment.succeeded / payment.failed / transfer.* [3P].
        event_id = event.get("id")
        if not isinstance(event_id, str | int) or not str(event_id):
            raise InvalidCallback("hub2 notification lacks an event id")
        event_type = event.get("type") or event.get("event")
        data = event.get("data")
        if not isinstance(data, Mapping):
            raise InvalidCallback("hub2 notification lacks its data object")
        try:
            return self._read_event(str(event_id), str(event_type or ""), data, event)
        except ProviderProtocolError as exc:
            raise InvalidCallback(f"hub2 notification unreadable: {exc.detail}") from exc

    @staticmethod
    def _read_event(
        event_id: str, event_type: str, data: Mapping[str, Any], event: Mapping[str, Any]
    ) -> Callback:
        kind = event_type.partition(".")[0]
        object_id = str(data.get("id") or "")
        external_id: str | None
        reference: str | None
        outcome: Outcome | None
        if kind == "payment_intent" or object_id.startswith("pi_"):
            answer = intent_answer(data)
            # An intent waiting for its first attempt is no news about money.
            outcome = None if answer.outcome is Outcome.UNKNOWN else answer.outcome
            external_id, amount = answer.external_id, answer.amount
            reference = data.get("purchaseReference")
        elif kind == "transfer" or object_id.startswith("tr_"):
            answer = transfer_answer(data)
            external_id, amount, outcome = answer.external_id, answer.amount, answer.outcome
            reference = data.get("reference")
        elif kind == "payment":
            # A payment attempt: our external id is its intent's [3P field name `intentId`].
            external_id = data.get("intentId") or data.get("paymentIntentId")
            outcome = _payment_outcome(data)
            amount = _amount(data)
            reference = data.get("purchaseReference")
        else:
            external_id, outcome, amount, reference = object_id or None, None, None, None
        return Callback(
            event_id=event_id,
            event_type=event_type or None,
            reference=str(reference) if reference else None,
            external_id=str(external_id) if external_id else None,
            outcome=outcome,
            trusted=True,
            amount=amount,
            raw=scrub(dict(event)),
        )


def build(settings: Settings, client: httpx.AsyncClient) -> Hub2Provider | None:
    """None when the credentials are not configured (the rail is then listed unavailable)."""
    api_key = settings.hub2_api_key.get_secret_value() if settings.hub2_api_key else ""
    merchant_id = (settings.hub2_merchant_id or "").strip()
    if not api_key or not merchant_id:
        return None
    environment = settings.hub2_environment.strip().lower()
    if environment not in ENVIRONMENTS:
        logger.error(
            "HUB2_ENVIRONMENT must be 'live' or 'sandbox'; Hub2 stays unavailable",
            extra={"value": settings.hub2_environment},
        )
        return None
    secret = settings.hub2_webhook_secret
    return Hub2Provider(
        api_key=api_key,
        merchant_id=merchant_id,
        environment=environment,
        webhook_secret=secret.get_secret_value() if secret else None,
        base_url=settings.hub2_base_url,
        client=client,
    )
