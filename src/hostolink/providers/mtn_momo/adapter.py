"""MTN Mobile Money Côte d'Ivoire through MTN's MoMo Open API (momodeveloper.mtn.com).

Facts (see /work/shared/reference/providers.md, A.3; [DOC] = MTN's callback page, [SDK] =
official SDK types, [3P] = consistent across many third-party integrations):
- two products, each with its own `Ocp-Apim-Subscription-Key`: Collection (deposits, the
  payer confirms on the phone) and Disbursement (withdrawals to a MoMo number) [3P];
- token: `POST /{product}/token/`, HTTP Basic `apiUser:apiKey` + the product's subscription
  key → `{access_token, expires_in}` (3600 s) [3P]; one token per product;
- initiation: `POST /collection/v1_0/requesttopay` or `/disbursement/v1_0/transfer` with
  `X-Reference-Id` = a UUID v4 we choose, which becomes the operation's id → 202 with an
  empty body [DOC + SDK]. Re-sending the same `X-Reference-Id` answers 409
  `RESOURCE_ALREADY_EXIST` and creates nothing [3P], so the POST is idempotent: our reference
  is that id, `send()` may retry it, and a 409 means "already created, ask its status";
- status: `GET /collection/v1_0/requesttopay/{id}` or `/disbursement/v1_0/transfer/{id}` →
  `{amount, currency, financialTransactionId, externalId, payer|payee, status, reason}`,
  `status` ∈ PENDING | SUCCESSFUL | FAILED [SDK + 3P];
- Côte d'Ivoire production takes `X-Target-Environment: mtnivorycoast` and XOF; the sandbox
  takes `sandbox` and EUR only [3P] (hence the configured currency, not the request's, is sent);
- disbursement calls may be refused with 403 until MTN whitelists the server's IP [3P].

Callbacks: MTN sends the final result to `X-Callback-Url` (by PUT or POST: the route must
accept both) with a body close to the status answer, and SIGNS NOTHING [DOC]. Anyone who
knows a reference could forge one, so a callback is only a hint: `parse_callback` returns
`trusted=False` and the flow must confirm with `status()` before touching the wallet.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from hostolink.config import Settings
from hostolink.providers.base import (
    Callback,
    CollectionRequest,
    Direction,
    InvalidCallback,
    OperationRef,
    Outcome,
    PayoutRequest,
    ProviderAnswer,
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnavailable,
)
from hostolink.providers.http import TokenCache, field, json_object, send, whole_francs

logger = logging.getLogger("hostolink.providers.mtn_momo")

CODE = "mtn_momo"
PROVIDER = CODE  # the name `send()` and the error details use

NOTE_MAX = 160  # payerMessage / payeeNote limit [DOC + SDK]

HTTP_OK_MIN, HTTP_OK_MAX = 200, 299
ACCEPTED = 202
UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT = 401, 403, 404, 409

CONFIGURATION = "MTN MoMo n'est pas disponible : configuration du compte marchand à vérifier."
FORBIDDEN_ACCESS = (
    "MTN MoMo n'est pas disponible : accès refusé par MTN (configuration ou adresse IP du "
    "serveur à faire autoriser)."
)
NO_COLLECTION = "Les dépôts par MTN MoMo ne sont pas disponibles pour le moment."
NO_DISBURSEMENT = "Les retraits vers MTN MoMo ne sont pas disponibles pour le moment."
INVALID_NUMBER = "Numéro de téléphone invalide pour MTN MoMo."

# French reasons for MTN's reason codes, shared by FAILED statuses and 4xx refusals
# [SDK enum + 3P]. NOT_ENOUGH_FUNDS depends on whose money is short (see `_reason`).
NUMBER_UNKNOWN = "Ce numéro n'a pas de compte MTN MoMo actif."
REASONS: dict[str, str] = {
    "APPROVAL_REJECTED": "Paiement refusé sur le téléphone.",
    "EXPIRED": "Délai de confirmation dépassé : l'opération n'a pas été validée à temps.",
    # The payer did not approve within ~5 minutes [3P].
    "COULD_NOT_PERFORM_TRANSACTION": (
        "Délai de confirmation dépassé : l'opération n'a pas été validée à temps."
    ),
    "PAYER_NOT_FOUND": NUMBER_UNKNOWN,
    "PAYEE_NOT_FOUND": NUMBER_UNKNOWN,
    "PAYER_LIMIT_REACHED": "Plafond du compte MTN MoMo atteint.",
    "PAYEE_LIMIT_REACHED": "Plafond du compte MTN MoMo du destinataire atteint.",
    "PAYEE_NOT_ALLOWED_TO_RECEIVE": "Ce compte MTN MoMo ne peut pas recevoir d'argent.",
    "NOT_ALLOWED": "Opération non autorisée par MTN MoMo.",
    "INVALID_CURRENCY": "MTN MoMo n'accepte pas cette devise.",
    "INTERNAL_PROCESSING_ERROR": "MTN MoMo n'a pas pu traiter l'opération. Réessayez plus tard.",
    "SERVICE_UNAVAILABLE": "MTN MoMo n'a pas pu traiter l'opération. Réessayez plus tard.",
    "TRANSACTION_CANCELED": "Opération annulée.",  # [INF]
}
NOT_ENOUGH_FUNDS: dict[Direction, str] = {
    "depot": "Solde MTN MoMo insuffisant.",
    # On a transfer, the short account is our disbursement account, not the user's.
    "retrait": "Le retrait ne peut pas être effectué pour le moment. Réessayez plus tard.",
}
FAILED_DEFAULT: dict[Direction, str] = {
    "depot": "Paiement MTN MoMo échoué.",
    "retrait": "Retrait MTN MoMo échoué.",
}
REFUSED_DEFAULT: dict[Direction, str] = {
    "depot": "MTN MoMo a refusé la demande de paiement.",
    "retrait": "MTN MoMo a refusé la demande de retrait.",
}

# Statuses of the status answer and of callbacks [SDK]. CREATED / ONGOING are seen in some
# integrations [INF]: both still wait for the payer.
STATUSES: dict[str, Outcome] = {
    "PENDING": Outcome.PENDING,
    "CREATED": Outcome.PENDING,
    "ONGOING": Outcome.PENDING,
    "SUCCESSFUL": Outcome.SUCCEEDED,
    "FAILED": Outcome.FAILED,
}


@dataclass(frozen=True)
class _Product:
    """One MoMo product (its own subscription key and its own token)."""

    name: str  # "collection" | "disbursement": the URL prefix
    operation: str  # "requesttopay" | "transfer"
    party: str  # "payer" | "payee": who the MSISDN is
    subscription_key: str
    tokens: TokenCache


def _error_code(response: httpx.Response) -> str | None:
    """MTN's error code (`{"code", "message"}`), or the gateway's message for the Azure
    front (`{"statusCode", "message"}` on 401/403); never a request field."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    code = body.get("code")
    if isinstance(code, str) and code:
        return code
    message = body.get("message")
    return message[:80] if isinstance(message, str) and message else None


def _error_detail(response: httpx.Response) -> str:
    code = _error_code(response)
    return f"{PROVIDER}: HTTP {response.status_code}" + (f" code {code}" if code else "")


def _reason_code(value: Any) -> str | None:
    """`reason` is a code string, or `{code, message}` in some versions of the API [3P]."""
    if isinstance(value, Mapping):
        value = value.get("code")
    if isinstance(value, str) and value.strip():
        return value.strip().upper()
    return None


def _reason(code: str | None, direction: Direction, default: dict[Direction, str]) -> str:
    if code == "NOT_ENOUGH_FUNDS":
        return NOT_ENOUGH_FUNDS[direction]
    if code is not None and code in REASONS:
        return REASONS[code]
    return default[direction]


def _expires_in(body: Mapping[str, Any]) -> float:
    value = field(body, "expires_in", provider=PROVIDER)
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise ProviderProtocolError(detail=f"{PROVIDER}: expires_in {value!r} is not seconds")
    return float(text)


def _party_id(msisdn: str) -> str:
    """E.164 ("+2250500000001") → MTN's MSISDN, country code included, no "+"."""
    digits = msisdn.strip().removeprefix("+")
    if not digits.isdigit():
        raise ProviderRejected(INVALID_NUMBER, detail=f"{PROVIDER}: MSISDN is not digits")
    return digits


class MtnMomoProvider:
    """Deposits (Collection: request to pay) and withdrawals (Disbursement: transfer)."""

    code = CODE
    name = "MTN MoMo"

    def __init__(
        self,
        *,
        api_user: str,
        api_key: str,
        collection_key: str | None,
        disbursement_key: str | None,
        environment: str,
        currency: str,
        base_url: str,
        client: httpx.AsyncClient,
    ) -> None:
        self._api_user = api_user
        self._api_key = api_key
        self._environment = environment.strip()
        self._currency = currency.strip().upper()
        self._base_url = base_url.rstrip("/")
        self._client = client
        self._collection = self._product("collection", "requesttopay", "payer", collection_key)
        self._disbursement = self._product("disbursement", "transfer", "payee", disbursement_key)

    def __repr__(self) -> str:  # never show the secrets, even in a traceback
        return f"MtnMomoProvider(environment={self._environment!r}, base_url={self._base_url!r})"

    def _product(
        self, name: str, operation: str, party: str, subscription_key: str | None
    ) -> _Product | None:
        if not subscription_key:
            return None

        async def fetch() -> tuple[str, float]:
            return await self._fetch_token(name, subscription_key)

        return _Product(name, operation, party, subscription_key, TokenCache(fetch))

    def _for(self, direction: Direction) -> _Product:
        if direction == "depot":
            if self._collection is None:
                raise ProviderUnavailable(
                    NO_COLLECTION, detail=f"{PROVIDER}: no Collection subscription key"
                )
            return self._collection
        if self._disbursement is None:
            raise ProviderUnavailable(
                NO_DISBURSEMENT, detail=f"{PROVIDER}: no Disbursement subscription key"
            )
        return self._disbursement

    async def _fetch_token(self, product: str, subscription_key: str) -> tuple[str, float]:
        credentials = base64.b64encode(f"{self._api_user}:{self._api_key}".encode()).decode()
        # Asking for a token moves no money: safe to retry.
        response = await send(
            self._client,
            "POST",
            f"{self._base_url}/{product}/token/",
            provider=PROVIDER,
            idempotent=True,
            headers={
                "Authorization": f"Basic {credentials}",
                "Ocp-Apim-Subscription-Key": subscription_key,
            },
        )
        if not HTTP_OK_MIN <= response.status_code <= HTTP_OK_MAX:
            # Wrong API user/key, or a subscription key of another product.
            raise ProviderUnavailable(CONFIGURATION, detail=_error_detail(response))
        body = json_object(response, provider=PROVIDER)
        token = field(body, "access_token", provider=PROVIDER)
        if not isinstance(token, str) or not token:
            raise ProviderProtocolError(detail=f"{PROVIDER}: access_token is not a string")
        return token, _expires_in(body)

    async def _call(
        self,
        product: _Product,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        json_body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """One API call with the product's cached token; on 401 the token is forgotten and
        the call made once more with a fresh one. Every call here is idempotent: GETs, and
        POSTs keyed by `X-Reference-Id` (a resend answers 409, never a second payment)."""
        for attempt in range(2):
            token = await product.tokens.get()
            response = await send(
                self._client,
                method,
                url,
                provider=PROVIDER,
                idempotent=True,
                headers={
                    "Authorization": f"Bearer {token}",
                    "X-Target-Environment": self._environment,
                    "Ocp-Apim-Subscription-Key": product.subscription_key,
                    **headers,
                },
                json=json_body,
            )
            if response.status_code != UNAUTHORIZED:
                break
            product.tokens.forget()
            if attempt:
                raise ProviderUnavailable(CONFIGURATION, detail=_error_detail(response))
            logger.info("%s %s token refused, fetching a new one", PROVIDER, product.name)
        if response.status_code == FORBIDDEN:
            # "FORBIDDEN IP" (the server's IP is not whitelisted, usual on Disbursement) or a
            # product the subscription does not cover: ours to fix, not the user's.
            raise ProviderUnavailable(FORBIDDEN_ACCESS, detail=_error_detail(response))
        return response

    async def _initiate(
        self,
        direction: Direction,
        *,
        reference: str,
        amount: int,
        currency: str,
        msisdn: str,
        rail: str,
        payer_message: str,
        payee_note: str,
        callback_url: str,
    ) -> ProviderAnswer:
        product = self._for(direction)
        payload: dict[str, Any] = {
            "amount": str(amount),  # a string of whole francs [DOC]
            "currency": self._currency,
            "externalId": reference,
            product.party: {"partyIdType": "MSISDN", "partyId": _party_id(msisdn)},
            "payerMessage": payer_message[:NOTE_MAX],
            "payeeNote": payee_note[:NOTE_MAX],
        }
        headers = {"X-Reference-Id": reference, "Content-Type": "application/json"}
        if callback_url:
            # Must be on the providerCallbackHost registered with the API user [DOC].
            headers["X-Callback-Url"] = callback_url
        response = await self._call(
            product,
            "POST",
            f"{self._base_url}/{product.name}/v1_0/{product.operation}",
            headers=headers,
            json_body=payload,
        )
        if response.status_code == ACCEPTED:
            return ProviderAnswer(outcome=Outcome.PENDING, external_id=reference)
        if response.status_code == CONFLICT:
            # RESOURCE_ALREADY_EXIST: an earlier attempt (a retry after a lost answer)
            # reached MTN already. Nothing new was created; report what that one became.
            logger.info("%s %s %s already exists", PROVIDER, product.operation, reference)
            answer = await self.status(
                OperationRef(
                    reference=reference,
                    direction=direction,
                    amount=amount,
                    currency=currency,
                    msisdn=msisdn,
                    rail=rail,
                    external_id=reference,
                )
            )
            if answer.outcome is Outcome.UNKNOWN:
                # MTN has it (409) but does not show it yet: it is pending, not absent.
                return ProviderAnswer(outcome=Outcome.PENDING, external_id=reference)
            return answer
        if HTTP_OK_MIN <= response.status_code <= HTTP_OK_MAX:
            # Another 2xx is undocumented: treat it as no answer, the flow asks `status`.
            raise ProviderProtocolError(detail=_error_detail(response))
        code = _reason_code(_error_code(response))
        raise ProviderRejected(
            _reason(code, direction, REFUSED_DEFAULT), detail=_error_detail(response)
        )

    async def collect(self, request: CollectionRequest) -> ProviderAnswer:
        return await self._initiate(
            "depot",
            reference=request.reference,
            amount=request.amount,
            currency=request.currency,
            msisdn=request.msisdn,
            rail=request.rail,
            payer_message=request.description,  # shown to the payer
            payee_note=request.description,  # our own MoMo statement
            callback_url=request.callback_url,
        )

    async def payout(self, request: PayoutRequest) -> ProviderAnswer:
        return await self._initiate(
            "retrait",
            reference=request.reference,
            amount=request.amount,
            currency=request.currency,
            msisdn=request.msisdn,
            rail=request.rail,
            payer_message=request.description,  # our own MoMo statement
            payee_note=request.description,  # shown to the recipient
            callback_url=request.callback_url,
        )

    async def status(self, operation: OperationRef) -> ProviderAnswer:
        product = self._for(operation.direction)
        reference = operation.reference  # the X-Reference-Id of the initiation
        response = await self._call(
            product,
            "GET",
            f"{self._base_url}/{product.name}/v1_0/{product.operation}/{reference}",
            headers={},
        )
        if response.status_code == NOT_FOUND:
            # RESOURCE_NOT_FOUND: the initiation never reached MTN.
            return ProviderAnswer(outcome=Outcome.UNKNOWN)
        if not HTTP_OK_MIN <= response.status_code <= HTTP_OK_MAX:
            # Another 4xx on a read says nothing about the payment: keep it pending and let
            # reconciliation ask again (ProviderProtocolError is "no answer").
            raise ProviderProtocolError(detail=_error_detail(response))
        body = json_object(response, provider=PROVIDER)
        status = field(body, "status", provider=PROVIDER)
        outcome = STATUSES.get(str(status).strip().upper())
        if outcome is None:
            raise ProviderProtocolError(detail=f"{PROVIDER}: unknown status {status!r}")
        reason = None
        if outcome is Outcome.FAILED:
            reason = _reason(_reason_code(body.get("reason")), operation.direction, FAILED_DEFAULT)
        amount = body.get("amount")
        financial_id = body.get("financialTransactionId")
        return ProviderAnswer(
            outcome=outcome,
            # The X-Reference-Id stays the operation's id for every later call; MTN's own
            # transaction number (on the user's SMS receipt) is kept for support.
            external_id=reference,
            reason=reason,
            amount=None if amount is None else whole_francs(amount, provider=PROVIDER),
            provider_data={"financial_transaction_id": str(financial_id)} if financial_id else {},
            raw=body,  # no secret in it: amounts, ids, the MSISDN and the status
        )

    def parse_callback(self, body: bytes, headers: Mapping[str, str], *, now: float) -> Callback:
        """MTN signs nothing (no header, no token): the content is read but `trusted=False`
        always, and no timestamp exists to check. The event id is the reference plus the
        status, so repeats of one status collapse while a later final status is new."""
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidCallback("mtn_momo callback is not JSON") from exc
        if not isinstance(payload, dict):
            raise InvalidCallback("mtn_momo callback is not a JSON object")
        external_id = payload.get("externalId")
        status = payload.get("status")
        if not isinstance(external_id, str) or not external_id.strip():
            raise InvalidCallback("mtn_momo callback lacks externalId")
        if not isinstance(status, str) or not status.strip():
            raise InvalidCallback("mtn_momo callback lacks status")
        external_id = external_id.strip()
        status = status.strip().upper()
        amount: int | None = None
        if payload.get("amount") is not None:
            try:
                amount = whole_francs(payload["amount"], provider=PROVIDER)
            except ProviderProtocolError as exc:
                raise InvalidCallback("mtn_momo callback amount is not whole francs") from exc
        return Callback(
            event_id=f"{external_id}:{status}",
            event_type=status,
            # We send our reference as externalId (and as X-Reference-Id).
            reference=external_id,
            external_id=external_id,
            outcome=STATUSES.get(status),
            trusted=False,
            amount=amount,
            raw=payload,
        )


def _secret(value: SecretStr | None) -> str | None:
    return (value.get_secret_value() or None) if value is not None else None


def build(settings: Settings, client: httpx.AsyncClient) -> MtnMomoProvider | None:
    """None when the credentials are not configured (the rail is then listed unavailable):
    the API user and key, and the subscription key of at least one product. A direction
    whose product key is missing answers `ProviderUnavailable`."""
    api_user = settings.mtn_momo_api_user
    api_key = _secret(settings.mtn_momo_api_key)
    collection_key = _secret(settings.mtn_momo_collection_key)
    disbursement_key = _secret(settings.mtn_momo_disbursement_key)
    if not api_user or not api_key or not (collection_key or disbursement_key):
        return None
    return MtnMomoProvider(
        api_user=api_user,
        api_key=api_key,
        collection_key=collection_key,
        disbursement_key=disbursement_key,
        environment=settings.mtn_momo_environment,
        currency=settings.mtn_momo_currency,
        base_url=settings.mtn_momo_base_url,
        client=client,
    )
