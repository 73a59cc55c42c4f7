"""Hub2 (aggregator based in Abidjan, https://docs.hub2.io): Moov Money deposits and
withdrawals, Orange Money withdrawals, and MTN MoMo / Wave when the merchant account has them.

Every call carries the headers `ApiKey`, `MerchantId` and `Environment` (live | sandbox)
[DOC api-reference]. Amounts are integers in the smallest unit, i.e. whole francs for the
zero-decimal XOF [DOC].

- Deposit (pay-in) = two calls [DOC payments_integration]: create a PaymentIntent
  (`POST /payment-intents`, with `overrideBusinessName`, mandatory for aggregators [DOC
  reference]), which answers an `id` (pi_…) and a `token` (a JWT), then attempt a payment on
  it (`POST /payment-intents/{id}/payments`) with the mobile-money method; that route
  authenticates with the intent's `token` in the body [DOC reference: `token` required], our
  API key not being needed there [DOC guide]. The attempt's `nextAction` says what the payer
  does next [DOC payments_authentication]: open `data.url` (`redirection`: Wave, Orange's web
  circuit), or type the code the operator sent them (`otp`), which `submit_code` confirms on
  `POST /payment-intents/{id}/authentication` with `token` and `confirmationCode`; otherwise
  the payer confirms on the phone (USSD push).
- Withdrawal (pay-out) = `POST /transfers` [DOC transfers_integration].
- Status = `GET /payment-intents/{id}` or `GET /transfers/{id}`; when the initiation's answer
  was lost, the collections are searched by our reference (`purchaseReference` /
  `reference` query filters) [DOC api-reference].
- Webhooks: see `webhooks.py`.

Repeats: the flow sends an initiation again, with the same reference, when its first answer
never came. Hub2 documents no idempotency on our references (a second `POST /transfers` is a
second transfer, a second attempt a second debit request), so `collect` and `payout` first
look our reference up (`purchaseReference` / `reference` filters) and never create what
already exists.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
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
    ProviderMisconfigured,
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnavailable,
)
from hostolink.providers.http import field, json_object, send
from hostolink.providers.hub2.answers import (
    INTENT_ID,
    INTENT_TOKEN,
    PROVIDER,
    RANK,
    TRANSFER_ID,
    intent_answer,
    last_payment,
    transfer_answer,
)
from hostolink.providers.hub2.webhooks import read_event, verify_signature

logger = logging.getLogger("hostolink.providers.hub2")

ENVIRONMENTS = frozenset({"live", "sandbox"})
COUNTRY = "CI"
DEFAULT_BUSINESS_NAME = "Hostolink"
# Our rail → Hub2's `provider` value [DOC transfers sample "orange"; 3P code for the others].
HUB2_PROVIDERS = {
    "orange_money": "orange",
    "mtn_momo": "mtn",
    "moov_money": "moov",
    "wave": "wave",
}
# The collections default to "since the first day of this month" [DOC]: a search by reference
# right after midnight on the 1st would miss yesterday's operation, so it looks back a month.
LOOKUP_WINDOW = timedelta(days=31)
LOOKUP_PAGE_SIZE = 10

HTTP_NOT_FOUND = 404
HTTP_UNAUTHORIZED = 401
HTTP_FORBIDDEN = 403
HTTP_TOO_MANY = 429

# For the logs and the operators (the payer reads ProviderMisconfigured's own message).
CONFIGURATION_DETAIL = "hub2 refused our credentials: check HUB2_API_KEY, HUB2_MERCHANT_ID, "
CONFIGURATION_DETAIL += "HUB2_ENVIRONMENT"
OVERLOADED_MESSAGE = "Le service de paiement est surchargé. Réessayez dans un instant."
DEPOSIT_REFUSED = "Hub2 a refusé le paiement : vérifiez le numéro et le montant."
WITHDRAWAL_REFUSED = "Hub2 a refusé le retrait : vérifiez le numéro et le montant."
CODE_REFUSED = "L'opérateur n'a pas accepté ce code. Vérifiez le code reçu par SMS et réessayez."
CODE_IMPOSSIBLE = "Ce paiement ne peut pas être confirmé par un code : recommencez le dépôt."

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


def _detail(response: httpx.Response) -> str:
    code = _error_code(response)
    return f"{PROVIDER}: HTTP {response.status_code}" + (f" {code}" if code else "")


def _misconfigured(response: httpx.Response) -> ProviderMisconfigured:
    detail = _detail(response)
    logger.error(CONFIGURATION_DETAIL, extra={"detail": detail})
    return ProviderMisconfigured(detail=detail)


def _refusal(response: httpx.Response, default_message: str) -> ProviderError:
    """The error a 4xx answer to a request that would move money stands for: nothing was
    accepted, so nothing happened."""
    if response.status_code in (HTTP_UNAUTHORIZED, HTTP_FORBIDDEN):
        return _misconfigured(response)
    if response.status_code == HTTP_TOO_MANY:
        return ProviderRejected(OVERLOADED_MESSAGE, detail=_detail(response))
    message = REQUEST_ERRORS.get(_error_code(response) or "", default_message)
    return ProviderRejected(message, detail=_detail(response))


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
        business_name: str = DEFAULT_BUSINESS_NAME,
    ) -> None:
        if environment not in ENVIRONMENTS:
            raise ValueError(f"Hub2 environment must be 'live' or 'sandbox', not {environment!r}")
        self._api_key = api_key
        self._merchant_id = merchant_id
        self._environment = environment
        self._webhook_secret = webhook_secret
        self._base = base_url.rstrip("/")
        self._client = client
        self._business_name = business_name.strip() or DEFAULT_BUSINESS_NAME

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

    # --------------------------------------------------------------------------- deposits

    async def collect(self, request: CollectionRequest) -> ProviderAnswer:
        provider = self._hub2_provider(request.rail)
        # 0. A repeat of this initiation: an attempt already made is never made again; an
        #    intent left without one is used rather than doubled.
        found = await self._search("/payment-intents", "purchaseReference", request.reference)
        attempted = [item for item in found if last_payment(item) is not None]
        if attempted:
            return self._repeated(attempted, request.rail)
        unpaid = next((item for item in found if isinstance(item.get("token"), str)), None)
        if unpaid is not None:
            return await self._attempt(request, provider, unpaid)
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
                # The name the payer sees instead of "Hub2" [DOC: mandatory for aggregators].
                "overrideBusinessName": self._business_name,
            },
        )
        if response.is_client_error:
            raise _refusal(response, DEPOSIT_REFUSED)
        return await self._attempt(request, provider, json_object(response, provider=PROVIDER))

    async def _attempt(
        self, request: CollectionRequest, provider: str, intent: Mapping[str, Any]
    ) -> ProviderAnswer:
        intent_id = str(field(intent, "id", provider=PROVIDER))
        token = str(field(intent, "token", provider=PROVIDER))
        # 2. The attempt: this one asks the payer's operator for the money, so it is never
        #    repeated by us (a second attempt could push a second debit). If its answer is
        #    lost, `status` (and a repeated `collect`) finds the intent by `purchaseReference`.
        mobile_money: dict[str, Any] = {
            # E.164 ("+225…"): the only number format Hub2's documentation shows (its transfer
            # sample); the payment reference gives none [to confirm in Hub2's sandbox].
            "msisdn": request.msisdn,
        }
        if provider == "wave":
            # Wave confirms on its own page, then sends the payer back; names of the
            # PayMobileMoneyDto fields [3P].
            mobile_money["onSuccessRedirectionUrl"] = request.return_url
            mobile_money["onFailedRedirectionUrl"] = request.return_url
        response = await send(
            self._client,
            "POST",
            f"{self._base}/payment-intents/{quote(intent_id, safe='')}/payments",
            provider=PROVIDER,
            idempotent=False,
            # The route authenticates with `token`; the reference lists our headers as on
            # every route, so they are sent too (Hub2's own API, nobody else's).
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
        answer = intent_answer(json_object(response, provider=PROVIDER), rail=request.rail)
        kept = {**answer.provider_data, INTENT_TOKEN: token}
        if answer.outcome is Outcome.UNKNOWN:
            # The attempt was just accepted: a moment's lag before it shows on the intent.
            return replace(answer, outcome=Outcome.PENDING, provider_data=kept)
        return replace(answer, provider_data=kept)

    def _repeated(self, intents: list[Mapping[str, Any]], rail: str) -> ProviderAnswer:
        """The answer to a repeated initiation: what became of the attempt already made."""
        best = min(
            ((intent_answer(i, rail=rail), i) for i in intents),
            key=lambda pair: RANK[pair[0].outcome],
        )
        answer, intent = best
        token = intent.get("token")
        if isinstance(token, str):
            answer = replace(answer, provider_data={**answer.provider_data, INTENT_TOKEN: token})
        return answer

    async def submit_code(self, operation: OperationRef, code: str) -> ProviderAnswer:
        """The code the operator sent the payer (`nextAction.type == "otp"`), confirmed on
        `POST /payment-intents/{id}/authentication` with the intent's token and
        `confirmationCode` [DOC payments_authentication; body field names also in 3P
        clients]. Never repeated (the operator may count wrong codes); the code is never
        logged. A 4xx is a refusal of this code: the deposit itself stays pending, and
        whether the operator now fails the payment is read on the intent."""
        intent_id = operation.external_id or operation.provider_data.get(INTENT_ID)
        token = operation.provider_data.get(INTENT_TOKEN)
        if not intent_id or not token:
            raise ProviderRejected(CODE_IMPOSSIBLE, detail="hub2: no intent token kept")
        response = await send(
            self._client,
            "POST",
            f"{self._base}/payment-intents/{quote(str(intent_id), safe='')}/authentication",
            provider=PROVIDER,
            idempotent=False,
            headers=self._headers(),
            json={"token": str(token), "confirmationCode": code},
        )
        if response.is_client_error:
            raise _refusal(response, CODE_REFUSED)
        answer = intent_answer(json_object(response, provider=PROVIDER), rail=operation.rail)
        return replace(answer, provider_data={**answer.provider_data, INTENT_TOKEN: str(token)})

    # ------------------------------------------------------------------------ withdrawals

    async def payout(self, request: PayoutRequest) -> ProviderAnswer:
        provider = self._hub2_provider(request.rail)
        # Not idempotent: Hub2 creates "a unique ID for each transfer request" [DOC] and
        # documents no refusal of a reused `reference`; its `duplicate_request` failure is a
        # short anti-double-click window ("a similar operation has just been recorded"), not
        # an idempotency key. So the POST is never retried here, and a repeated initiation
        # (the first answer lost) finds the transfer by our reference instead of sending
        # a second one.
        found = await self._search("/transfers", "reference", request.reference)
        if found:
            return self._best([transfer_answer(item) for item in found])
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
                # The name the recipient sees instead of "Hub2" [DOC: mandatory for
                # aggregators].
                "overrideBusinessName": self._business_name,
            },
        )
        if response.is_client_error:
            raise _refusal(response, WITHDRAWAL_REFUSED)
        return transfer_answer(json_object(response, provider=PROVIDER))

    # ----------------------------------------------------------------------------- status

    async def status(self, operation: OperationRef) -> ProviderAnswer:
        if operation.direction == "depot":
            intent_id = operation.external_id or operation.provider_data.get(INTENT_ID)
            if intent_id:
                body = await self._get(f"/payment-intents/{quote(str(intent_id), safe='')}")
                if body is None:
                    return ProviderAnswer(outcome=Outcome.UNKNOWN)
                return intent_answer(body, rail=operation.rail)
            found = await self._search("/payment-intents", "purchaseReference", operation.reference)
            return self._best([intent_answer(item, rail=operation.rail) for item in found])
        transfer_id = operation.external_id or operation.provider_data.get(TRANSFER_ID)
        if transfer_id:
            body = await self._get(f"/transfers/{quote(str(transfer_id), safe='')}")
            if body is None:
                return ProviderAnswer(outcome=Outcome.UNKNOWN)
            return transfer_answer(body)
        found = await self._search("/transfers", "reference", operation.reference)
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
        self, path: str, reference_field: str, reference: str
    ) -> list[Mapping[str, Any]]:
        """The objects carrying our reference (an initiation whose answer was lost)."""
        since = datetime.now(UTC) - LOOKUP_WINDOW
        response = await send(
            self._client,
            "GET",
            f"{self._base}{path}",
            provider=PROVIDER,
            idempotent=True,
            headers=self._headers(),
            params={
                reference_field: reference,
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
            if isinstance(item, Mapping) and item.get(reference_field) == reference
        ]

    @staticmethod
    def _check_read(response: httpx.Response) -> None:
        if response.status_code in (HTTP_UNAUTHORIZED, HTTP_FORBIDDEN):
            raise _misconfigured(response)
        if response.is_client_error:
            # A read we cannot make (429, 400…) is no answer about the operation.
            raise ProviderProtocolError(detail=_detail(response))

    @staticmethod
    def _best(answers: list[ProviderAnswer]) -> ProviderAnswer:
        if not answers:
            return ProviderAnswer(outcome=Outcome.UNKNOWN)
        if len(answers) > 1:
            logger.warning(
                "hub2 holds several operations for one reference",
                extra={"external_ids": [a.external_id for a in answers]},
            )
        return min(answers, key=lambda answer: RANK[answer.outcome])

    # --------------------------------------------------------------------------- webhooks

    def parse_callback(self, body: bytes, headers: Mapping[str, str], *, now: float) -> Callback:
        if not self._webhook_secret:
            raise InvalidCallback("hub2 webhook secret is not configured")
        verify_signature(self._webhook_secret, body, headers)
        return read_event(body)


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
        business_name=settings.hub2_business_name,
    )
