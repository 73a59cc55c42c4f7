"""Wave (Wave Mobile Money) through its Checkout, Payout and webhook APIs.

- Deposit: a Checkout session (`POST /v1/checkout/sessions`); the payer confirms in the Wave
  app through `wave_launch_url`. Status: `GET /v1/checkout/sessions/{id}`, or
  `GET /v1/checkout/sessions/search?client_reference=` when we never learnt the id.
- Withdrawal: `POST /v1/payout`; status `GET /v1/payout/{id}` or
  `GET /v1/payouts/search?client_reference=`.
- Notifications: the signing-secret strategy only (`Wave-Signature`), see `parse_callback`.

Facts (docs.wave.com/business, /checkout, /payout, /webhook): base URL `https://api.wave.com`,
`Authorization: Bearer <api key>`, amounts as whole-franc strings, our reference as
`client_reference`, search answers `{"result": [...]}`. Every POST carries an
`Idempotency-Key`: ours is the operation's reference, so a retry — seconds or hours later, Wave
sets no time limit — never sends money twice [DOC payout, Idempotency]. Calling `payout()`
again with the same `PayoutRequest` is therefore Wave's documented way to settle a payout whose
answer was lost: it returns the payout that exists, or creates it once. The body must be the
same (Wave answers `idempotency-mismatch` otherwise, which stays pending here).

Wave documents that after a 5xx, a 408 or a 429 "a payout may exist in our system without an
id": the payout stays pending (`ProviderUnreachable`), never failed, and a search by
`client_reference` that finds nothing proves nothing (`Outcome.UNKNOWN`) [DOC payout, Retrying
transactions]. Wave has no sandbox: the portal's test event and small real amounts are the
only end-to-end check. A key created with *request signing* enabled would need every request
signed too; this adapter expects a key without it [INF: none such in use].
"""

from __future__ import annotations

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
    ProviderUnreachable,
)
from hostolink.providers.http import (
    any_matches,
    callback_object,
    field,
    header,
    hmac_sha256_hex,
    json_object,
    parse_signature_header,
    send,
    whole_francs,
)

logger = logging.getLogger("hostolink.providers.wave")

PROVIDER = "wave"
SIGNATURE_HEADER = "Wave-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300  # "reject if older than 5 minutes" [DOC-summary]
PAYMENT_REASON_MAX = 40  # `payment_reason`: "up to 40 characters" [DOC payout]

# `succeeded` is what Wave's payloads carry; one third-party description says `successful`.
SUCCEEDED_PAYMENTS = frozenset({"succeeded", "successful"})
SUCCEEDED_PAYOUT = "succeeded"
FAILED_PAYOUT = "failed"
REVERSED_PAYOUT = "reversed"

HTTP_NOT_FOUND = 404
HTTP_METHOD_NOT_ALLOWED = 405
# Our credentials or the key's scope refused (401: missing-auth-header, invalid-auth,
# api-key-not-provided, no-matching-api-key, api-key-revoked; 403: invalid-wallet,
# disabled-wallet, or a key without this API) [DOC, "Error codes" of every API page].
AUTH_FAILURES = frozenset({401, 403})
# "The transaction is in an unknown state": 408, 5xx, and 429 which "must always be retried";
# mark it pending, never failed [DOC payout, Retrying transactions]. 409 (a conflict with the
# resource's current state) is read the same way: with our idempotency key it can only mean
# that a request under that key exists.
UNKNOWN_STATE = frozenset({408, 409, 429})
# Codes Wave says to retry with the same key, whatever the HTTP status around them. An
# `idempotency-mismatch` means a request with our key already exists with another body: money
# may have left under it, so it is no refusal either [DOC payout, Errors].
UNKNOWN_STATE_CODES = frozenset(
    {"internal-server-error", "service-unavailable", "too-many-requests", "idempotency-mismatch"}
)
# Refusals of our own setup or integration, not of this user's request [DOC payout, Errors].
CONFIGURATION_CODES = frozenset(
    {
        "missing-auth-header",
        "invalid-auth",
        "api-key-not-provided",
        "no-matching-api-key",
        "api-key-revoked",
        "invalid-wallet",
        "disabled-wallet",
        "invalid-aggregated-merchant-id",
        "aggregated-merchant-required",
        "request-not-json",
        "request-parsing-error",
    }
)

CONFIGURATION_MESSAGE = (
    "Wave n'est pas disponible : la configuration du compte marchand est à revoir."
)
GENERIC_REFUSAL = "Wave a refusé l'opération."

# Wave's payout error codes (the `code` or `error_code` of a refusal, or
# `payout_error.error_code` of a failed payout) → what the user reads [DOC payout, Errors;
# `name-mismatch` is inferred from the name check: INF]. Wave writes them with hyphens;
# underscores are accepted too (normalised by `_code_key`).
REASONS: dict[str, str] = {
    # Our business wallet (the float) cannot cover amount + fee: not the user's fault.
    "insufficient-funds": (
        "Fonds insuffisants chez Wave pour effectuer ce retrait pour le moment. "
        "Réessayez plus tard."
    ),
    "recipient-limit-exceeded": (
        "Le compte Wave du destinataire a atteint sa limite. Réessayez plus tard ou choisissez "
        "un autre moyen de retrait."
    ),
    "recipient-account-blocked": "Le compte Wave du destinataire est bloqué.",
    "recipient-account-inactive": "Le compte Wave du destinataire est inactif.",
    "recipient-minor": (
        "Le compte Wave du destinataire appartient à un mineur : il ne peut pas recevoir ce "
        "retrait."
    ),
    "country-mismatch": "Ce numéro n'est pas un compte Wave de Côte d'Ivoire.",
    "currency-mismatch": "Ce compte Wave n'accepte pas le franc CFA (XOF).",
    "name-mismatch": "Le nom indiqué ne correspond pas au titulaire du compte Wave.",
    "request-validation-error": (
        "Wave a refusé la demande : le numéro ou le montant n'est pas valide."
    ),
}
# A Checkout session's `last_payment_error.code`: why the payer's last attempt failed (the
# session may still be paid) [3P, consistent across integrations; not in Wave's pages we read].
ATTEMPT_REASONS: dict[str, str] = {
    "insufficient-funds": "Le solde de votre compte Wave était insuffisant.",
    "blocked-account": "Votre compte Wave est bloqué.",
    "payer-mobile-mismatch": "Le paiement doit être fait depuis le compte Wave de ce numéro.",
    "kyb-limits-exceeded": "Le plafond de votre compte Wave est atteint.",
}
ATTEMPT_FAILED = "Le dernier essai de paiement Wave a échoué : vous pouvez réessayer."
SESSION_EXPIRED = "Session de paiement Wave expirée : aucun paiement n'a été effectué."
PAYOUT_FAILED = "Le retrait Wave a échoué."


def _code_key(code: str) -> str:
    return code.strip().lower().replace("_", "-")


def _reason(code: str | None, default: str) -> str:
    if not code:
        return default
    return REASONS.get(_code_key(code), default)


def _error_code(body: Mapping[str, Any]) -> str | None:
    """The code of a Wave error answer. Wave prints three shapes: `{"code", "message"}`,
    `{"error_code", "error_message"}` and `{"error", "message"}` [DOC payout, Errors]."""
    for name in ("code", "error_code", "error"):
        value = body.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _payout_error_code(payout: Mapping[str, Any]) -> str | None:
    """`payout_error.error_code` of a failed payout, "populated only when status is failed"."""
    nested = payout.get("payout_error")
    if not isinstance(nested, Mapping):
        return None
    value = nested.get("error_code")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _body_or_empty(response: httpx.Response) -> dict[str, Any]:
    """An error answer's JSON object, or {} (a proxy's HTML page, an empty body)."""
    try:
        value = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _failure(response: httpx.Response, *, initiation: bool) -> ProviderError:
    """What a 4xx means. Only a documented refusal of this request is a `ProviderRejected`:
    our setup refused is `ProviderMisconfigured`, and "unknown state" answers are
    `ProviderUnreachable` (the operation stays pending and is asked about again)."""
    status = response.status_code
    code = _error_code(_body_or_empty(response))
    key = _code_key(code) if code else None
    detail = f"{PROVIDER}: HTTP {status}" + (f" {code}" if code else "")
    wrong_place = initiation and status in (HTTP_NOT_FOUND, HTTP_METHOD_NOT_ALLOWED)
    if status in AUTH_FAILURES or key in CONFIGURATION_CODES or wrong_place:
        # Our key, its scope, the wallet or the base URL: every request will be refused alike.
        logger.error("wave refused our configuration", extra={"http_status": status, "code": code})
        return ProviderMisconfigured(CONFIGURATION_MESSAGE, detail=detail)
    if status in UNKNOWN_STATE or key in UNKNOWN_STATE_CODES:
        if key == "idempotency-mismatch":
            logger.error("wave: our idempotency key already names another request")
        return ProviderUnreachable(detail=detail)
    if not initiation:
        return ProviderProtocolError(detail=detail)
    logger.warning("wave refused the request", extra={"http_status": status, "code": code})
    return ProviderRejected(_reason(code, GENERIC_REFUSAL), detail=code or detail)


def _amount(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    return None if value is None else whole_francs(value, provider=PROVIDER)


def _attempt_reason(session: Mapping[str, Any]) -> str | None:
    """Why the payer's last attempt on a still-open session failed, in French."""
    error = session.get("last_payment_error")
    if not isinstance(error, Mapping):
        return None
    code = error.get("code")
    if isinstance(code, str) and code.strip():
        return ATTEMPT_REASONS.get(_code_key(code), ATTEMPT_FAILED)
    return ATTEMPT_FAILED


def _session_answer(session: dict[str, Any]) -> ProviderAnswer:
    """A Checkout session → our answer. `checkout_status`: open | complete | expired;
    `payment_status`: processing | cancelled | succeeded [3P TS types + real payloads].

    Final only when the session is: paid (SUCCEEDED), or expired unpaid (FAILED: an expired
    session can no longer be paid). A failed attempt (`payment_status: cancelled`,
    `last_payment_error`) on an open session is not final: the payer may try again on the
    same session, so it stays PENDING until the session completes or expires."""
    session_id = str(field(session, "id", provider=PROVIDER))
    payment_status = str(session.get("payment_status") or "").lower()
    checkout_status = str(session.get("checkout_status") or "").lower()
    common: dict[str, Any] = {
        "external_id": session_id,
        "amount": _amount(session, "amount"),
        "provider_data": {"session_id": session_id},
        "raw": session,
    }
    if payment_status in SUCCEEDED_PAYMENTS:
        return ProviderAnswer(outcome=Outcome.SUCCEEDED, **common)
    if checkout_status == "expired":
        return ProviderAnswer(
            outcome=Outcome.FAILED, reason=SESSION_EXPIRED, expired=True, **common
        )
    if checkout_status == "complete":
        # Complete without a succeeded payment is not a documented combination: a doubt.
        logger.warning("wave session complete without a succeeded payment, read as pending")
    launch_url = session.get("wave_launch_url")
    return ProviderAnswer(
        outcome=Outcome.PENDING,
        payment_url=launch_url if isinstance(launch_url, str) else None,
        **common,
    )


def _payout_answer(payout: dict[str, Any]) -> ProviderAnswer:
    """A payout → our answer. `status`: processing | succeeded | failed | reversed [DOC payout,
    Payout status]; anything else stays pending (declaring a payout failed while it is in
    flight would let the user withdraw twice).

    - `failed` is FAILED only with its `payout_error` ("populated only when status is
      failed"): a failed payout without it is not the documented shape, and stays pending.
    - `reversed` is SUCCEEDED, flagged `provider_data["reversed"]`: a reversal follows a
      success — the money reached the recipient, then came back to our business wallet, fee
      included, because *we* asked for it (`POST /v1/payout/:id/reverse`, within 3 days).
      The payout did pay; the reversal is a separate movement, decided by an operator (a
      payout to the wrong person, a fraud): crediting the user back is that operator's
      correction, never an automatic release of the hold."""
    payout_id = str(field(payout, "id", provider=PROVIDER))
    status = str(field(payout, "status", provider=PROVIDER)).lower()
    common: dict[str, Any] = {
        "external_id": payout_id,
        "amount": _amount(payout, "receive_amount"),
        "raw": payout,
    }
    if status == SUCCEEDED_PAYOUT:
        return ProviderAnswer(
            outcome=Outcome.SUCCEEDED, provider_data={"payout_id": payout_id}, **common
        )
    if status == REVERSED_PAYOUT:
        logger.warning("wave payout %s was reversed: an operator books the correction", payout_id)
        return ProviderAnswer(
            outcome=Outcome.SUCCEEDED,
            provider_data={"payout_id": payout_id, "reversed": True},
            **common,
        )
    if status == FAILED_PAYOUT:
        code = _payout_error_code(payout)
        if code is not None:
            return ProviderAnswer(
                outcome=Outcome.FAILED,
                reason=_reason(code, PAYOUT_FAILED),
                provider_data={"payout_id": payout_id},
                **common,
            )
        logger.warning("wave payout %s failed without payout_error, read as pending", payout_id)
    return ProviderAnswer(outcome=Outcome.PENDING, provider_data={"payout_id": payout_id}, **common)


def _search_hit(
    body: dict[str, Any], reference: str, succeeded: frozenset[str], status_field: str
) -> dict[str, Any] | None:
    """The one search result that is ours: the client_reference must match exactly (a loose
    match would credit someone else's money); among several, a succeeded one wins, else the
    most recent (`when_created` / `timestamp`, ISO 8601 UTC, so text order is time order)."""
    results = field(body, "result", provider=PROVIDER)
    if not isinstance(results, list):
        raise ProviderProtocolError(detail=f"{PROVIDER}: search result is not a list")
    ours = [
        item
        for item in results
        if isinstance(item, dict) and item.get("client_reference") == reference
    ]
    if not ours:
        return None

    def rank(item: dict[str, Any]) -> tuple[bool, str]:
        created = item.get("when_created") or item.get("timestamp") or ""
        return (str(item.get(status_field) or "").lower() in succeeded, str(created))

    return max(ours, key=rank)


class WaveProvider:
    """Wave, one business wallet per API key."""

    code = "wave"
    name = "Wave"
    # A payout may exist at Wave before any search can see it (after a 5xx, 408 or 429 "a
    # payout may be created without an id"): "not found by our reference" never means "never
    # received", and the held money stays held.
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
        self._webhook_secret = webhook_secret or None
        self._base_url = base_url.rstrip("/")
        self._client = client

    def __repr__(self) -> str:  # never show the key or the secret, even in a traceback
        return f"WaveProvider(base_url={self._base_url!r})"

    def _headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    async def _post(self, path: str, body: dict[str, Any], reference: str) -> dict[str, Any]:
        # Our reference is Wave's idempotency key, on every attempt: a repeated POST returns
        # the first result instead of paying twice, so transport failures and 5xx are retried.
        response = await send(
            self._client,
            "POST",
            f"{self._base_url}{path}",
            provider=PROVIDER,
            idempotent=True,
            headers=self._headers(reference),
            json=body,
        )
        if response.is_success:
            return json_object(response, provider=PROVIDER)
        raise _failure(response, initiation=True)

    async def _get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any] | None:
        """The JSON object at `path`, or None when Wave answers 404 (no such operation)."""
        response = await send(
            self._client,
            "GET",
            f"{self._base_url}{path}",
            provider=PROVIDER,
            idempotent=True,
            headers=self._headers(),
            params=params,
        )
        if response.status_code == HTTP_NOT_FOUND:
            return None
        if response.is_success:
            return json_object(response, provider=PROVIDER)
        raise _failure(response, initiation=False)

    async def collect(self, request: CollectionRequest) -> ProviderAnswer:
        body = {
            "amount": str(request.amount),  # Wave takes whole francs as a string
            "currency": request.currency,
            "client_reference": request.reference,
            "success_url": request.return_url,
            "error_url": request.return_url,
            # Only this Wave account may pay the session: the deposit is the user's own.
            "restrict_payer_mobile": request.msisdn,
        }
        session = await self._post("/v1/checkout/sessions", body, request.reference)
        field(session, "wave_launch_url", provider=PROVIDER)  # useless without it
        return _session_answer(session)

    async def payout(self, request: PayoutRequest) -> ProviderAnswer:
        """Send the payout, or — called again with the same request — find the one Wave has
        under our idempotency key. Raises `ProviderUnreachable` when no answer came: the
        payout may exist, the operation stays pending."""
        body: dict[str, Any] = {
            "currency": request.currency,
            "receive_amount": str(request.amount),  # what the recipient gets; fee on top
            "mobile": request.msisdn,  # E.164, as Wave wants it
            "client_reference": request.reference,
        }
        if request.description:
            body["payment_reason"] = request.description[:PAYMENT_REASON_MAX]
        if request.recipient_name:
            # "The recipient's name can be used for user verification" [DOC]; a mismatch
            # failing the payout is inferred [INF]: sent only when the flow knows the holder.
            body["name"] = request.recipient_name
        return _payout_answer(await self._post("/v1/payout", body, request.reference))

    async def status(self, operation: OperationRef) -> ProviderAnswer:
        if operation.direction == "depot":
            return await self._deposit_status(operation)
        return await self._payout_status(operation)

    async def _deposit_status(self, operation: OperationRef) -> ProviderAnswer:
        session_id = operation.provider_data.get("session_id") or operation.external_id
        if session_id:
            session = await self._get(f"/v1/checkout/sessions/{quote(str(session_id), safe='')}")
        else:
            found = await self._get(
                "/v1/checkout/sessions/search", {"client_reference": operation.reference}
            )
            session = (
                None
                if found is None
                else _search_hit(found, operation.reference, SUCCEEDED_PAYMENTS, "payment_status")
            )
        return (
            ProviderAnswer(outcome=Outcome.UNKNOWN) if session is None else _session_answer(session)
        )

    async def _payout_status(self, operation: OperationRef) -> ProviderAnswer:
        """By Wave's id when we have it, else by our reference. Not found, either way, is
        UNKNOWN: the payout may exist without an id yet, or not be visible to the search."""
        payout_id = operation.provider_data.get("payout_id") or operation.external_id
        if payout_id:
            payout = await self._get(f"/v1/payout/{quote(str(payout_id), safe='')}")
        else:
            found = await self._get("/v1/payouts/search", {"client_reference": operation.reference})
            payout = (
                None
                if found is None
                else _search_hit(
                    found, operation.reference, frozenset({SUCCEEDED_PAYOUT}), "status"
                )
            )
        return ProviderAnswer(outcome=Outcome.UNKNOWN) if payout is None else _payout_answer(payout)

    def parse_callback(self, body: bytes, headers: Mapping[str, str], *, now: float) -> Callback:
        """A Wave webhook signed with a *signing secret*.

        `Wave-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`; each v1 is
        hex(HMAC-SHA256(secret, t + raw body)), the timestamp text glued to the body with no
        separator (Wave's documented example vector, recomputed in
        tests/providers/conformance/wave/); several v1 appear while a secret is rotated, and
        one match is enough.

        Wave's other strategy, a *shared secret* sent as `Authorization: Bearer <secret>`, is
        deliberately not accepted: it proves nothing about the body, has no timestamp (a
        captured request replays forever) and puts the secret itself on every request. The
        webhook must be registered in the Business Portal with a signing secret.
        """
        if self._webhook_secret is None:
            raise InvalidCallback("no webhook secret configured")
        signature = header(headers, SIGNATURE_HEADER)
        if not signature:
            raise InvalidCallback(f"missing {SIGNATURE_HEADER} header")
        parts = parse_signature_header(signature)
        timestamps = parts.get("t", [])
        if len(timestamps) != 1 or not timestamps[0].isdigit():
            raise InvalidCallback("signature header needs exactly one numeric t")
        if abs(now - int(timestamps[0])) > SIGNATURE_TOLERANCE_SECONDS:
            raise InvalidCallback("stale signature timestamp")
        candidates = parts.get("v1", [])
        if not candidates:
            raise InvalidCallback("no v1 signature")
        expected = hmac_sha256_hex(self._webhook_secret, timestamps[0].encode() + body)
        if not any_matches(expected, candidates):
            raise InvalidCallback("bad signature")
        return _read_event(body)


def _read_event(body: bytes) -> Callback:
    """The signed envelope `{id, type, data}`; `data` is the Checkout session for checkout
    events [DOC webhook example].

    Only `checkout.session.completed` with a succeeded payment claims an outcome. A
    `checkout.session.payment_failed` reports the last failed attempt of a session that can
    still be paid: a hint without outcome (its French reason is kept for the user), and the
    session's own status decides."""
    envelope = callback_object(body, what="body")
    event_id = envelope.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise InvalidCallback("event has no id")
    event_type = envelope.get("type")
    event_type = event_type if isinstance(event_type, str) else None
    data = envelope.get("data")
    data = data if isinstance(data, dict) else {}

    outcome: Outcome | None = None
    reason: str | None = None
    if event_type == "checkout.session.completed":
        payment_status = str(data.get("payment_status") or "").lower()
        outcome = Outcome.SUCCEEDED if payment_status in SUCCEEDED_PAYMENTS else None
    elif event_type == "checkout.session.payment_failed":
        reason = _attempt_reason(data) or ATTEMPT_FAILED
    try:
        amount = _amount(data, "amount")
    except ProviderProtocolError as exc:
        raise InvalidCallback("amount is not whole francs") from exc
    reference = data.get("client_reference")
    external_id = data.get("id")
    return Callback(
        event_id=event_id,
        event_type=event_type,
        reference=reference if isinstance(reference, str) else None,
        external_id=external_id if isinstance(external_id, str) else None,
        outcome=outcome,
        trusted=True,  # the HMAC over the raw body proved it
        amount=amount,
        reason=reason,
        raw=envelope,
    )


def build(settings: Settings, client: httpx.AsyncClient) -> WaveProvider | None:
    """None when no API key is configured (the rail is then listed unavailable). Without a
    webhook secret the adapter still initiates and polls; every notification is refused and
    reconciliation (the status call) settles operations."""
    if settings.wave_api_key is None:
        return None
    api_key = settings.wave_api_key.get_secret_value().strip()
    if not api_key:
        return None
    secret = (
        settings.wave_webhook_secret.get_secret_value().strip()
        if settings.wave_webhook_secret is not None
        else ""
    )
    return WaveProvider(
        api_key=api_key,
        webhook_secret=secret or None,
        base_url=settings.wave_base_url,
        client=client,
    )
