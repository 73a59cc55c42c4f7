"""MTN's error and reason codes: what each one proves, and what the user is told (French).

Sources (docs/fournisseurs.md, « MTN MoMo », names each one): MTN's « Common Error Codes »
table (momodeveloper.mtn.com, mirrored on momodevelopercommunity.mtn.com « MoMo API common
errors »), MTN's « Reason for some FAILED API responses updated » and « Failure reasons
updated » notes, the reason enum of the official SDKs' swagger, and MTN's sandbox notebook.

MTN answers several configuration errors with HTTP 500 (INVALID_CALLBACK_URL_HOST,
INVALID_CURRENCY, NOT_ALLOWED_TARGET_ENVIRONMENT, NOT_ALLOWED): they are ours to fix, not an
outage, so they are classified by their code, never by the HTTP status alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from hostolink.providers.base import Direction

# Our account or request is wrong: refused at once (ProviderMisconfigured), never retried.
# The hint goes to the logs and the admin (`ProviderError.detail`).
CONFIGURATION_CODES: dict[str, str] = {
    "INVALID_CALLBACK_URL_HOST": (
        "X-Callback-Url is not on the providerCallbackHost registered for this API user"
    ),
    "INVALID_CURRENCY": "MTN_MOMO_CURRENCY is not the target environment's currency",
    "NOT_ALLOWED_TARGET_ENVIRONMENT": "MTN_MOMO_ENVIRONMENT is not allowed for this account",
    "NOT_ALLOWED": "the account behind the token is restricted: ask the MTN account manager",
    # Token call: the API user and key do not match (MTN's sandbox notebook), or the newer
    # platform does not know this User ID / Credential Token pair [3P].
    "LOGIN_FAILED": "API user and API key do not match",
    "INVALID_CLIENT": "User ID / Credential Token unknown to this platform",
}

# A definitive refusal of this request by MTN: the operation did not and will not happen.
REFUSAL_CODES = frozenset(
    {
        "PAYER_NOT_FOUND",
        "PAYEE_NOT_FOUND",
        "NOT_ENOUGH_FUNDS",
        "PAYER_LIMIT_REACHED",
        "PAYEE_LIMIT_REACHED",
        "PAYEE_NOT_ALLOWED_TO_RECEIVE",
        "SENDER_ACCOUNT_NOT_ACTIVE",
    }
)

# Messages that carry a configuration error without its code (MTN's sandbox notebook reads
# "Currency not supported." at the end of `message`).
_MESSAGE_CODES = (("CURRENCY NOT SUPPORTED", "INVALID_CURRENCY"),)

_WORD = re.compile(r"[A-Z][A-Z_]{3,}")

NUMBER_UNKNOWN = "Ce numéro n'a pas de compte MTN MoMo actif."
RETRY_LATER = "MTN MoMo n'a pas pu traiter l'opération. Réessayez plus tard."
# French reasons for MTN's reason codes, shared by FAILED statuses and refusals.
# NOT_ENOUGH_FUNDS depends on whose money is short (see `reason`).
REASONS: dict[str, str] = {
    "APPROVAL_REJECTED": "Paiement refusé sur le téléphone.",
    "EXPIRED": "Délai de confirmation dépassé : l'opération n'a pas été validée à temps.",
    # The payer did not enter the PIN within ~5 minutes [DOC: common errors].
    "COULD_NOT_PERFORM_TRANSACTION": (
        "Délai de confirmation dépassé : l'opération n'a pas été validée à temps."
    ),
    "PAYER_NOT_FOUND": NUMBER_UNKNOWN,
    "PAYEE_NOT_FOUND": NUMBER_UNKNOWN,
    "PAYER_LIMIT_REACHED": "Plafond du compte MTN MoMo atteint.",
    "PAYEE_LIMIT_REACHED": "Plafond du compte MTN MoMo du destinataire atteint.",
    "PAYEE_NOT_ALLOWED_TO_RECEIVE": "Ce compte MTN MoMo ne peut pas recevoir d'argent.",
    # A blocked payer wallet [DOC: « Reason for some FAILED API responses updated »].
    "SENDER_ACCOUNT_NOT_ACTIVE": "Ce compte MTN MoMo n'est pas actif.",
    "NOT_ALLOWED": "Opération non autorisée par MTN MoMo.",
    "INVALID_CURRENCY": "MTN MoMo n'accepte pas cette devise.",
    "INTERNAL_PROCESSING_ERROR": RETRY_LATER,
    "SERVICE_UNAVAILABLE": RETRY_LATER,
    "TRANSACTION_CANCELED": "Opération annulée.",  # [SDK enum]
}
NOT_ENOUGH_FUNDS: dict[Direction, str] = {
    "depot": "Solde MTN MoMo insuffisant.",
    # On a transfer, the short account is our disbursement account (or the recipient's
    # limit, which MTN reports with the same code), not the user's balance.
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


def _body(response: httpx.Response) -> Mapping[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, Mapping) else {}


def error_code(response: httpx.Response) -> str | None:
    """MTN's error code as sent (`{"code", "message"}`; `{"error"}` on the token call), or the
    Azure gateway's message (`{"statusCode", "message"}` on 401/403); never a request field."""
    body = _body(response)
    for name in ("code", "error", "message"):
        value = body.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:80]
    return None


def normalized(code: str | None) -> str | None:
    """ "FORBIDDEN IP" → "FORBIDDEN_IP", "login_failed" → "LOGIN_FAILED"."""
    if code is None:
        return None
    return "_".join(code.strip().upper().split()) or None


def decisive_code(response: httpx.Response) -> str | None:
    """The configuration or refusal code an error answer carries, in `code`/`error` or, failing
    that, named in `message`; None for anything else (an outage, a generic error)."""
    body = _body(response)
    for name in ("code", "error"):
        value = body.get(name)
        code = normalized(value) if isinstance(value, str) else None
        if code in CONFIGURATION_CODES or code in REFUSAL_CODES:
            return code
    message = body.get("message")
    if not isinstance(message, str):
        return None
    upper = message.upper()
    for word in _WORD.findall(upper):
        if word in CONFIGURATION_CODES or word in REFUSAL_CODES:
            return str(word)
    for text, code in _MESSAGE_CODES:
        if text in upper:
            return code
    return None


def reason_code(value: Any) -> str | None:
    """`reason` is a code string, or `{code, message}` in some versions of the API [3P]."""
    if isinstance(value, Mapping):
        value = value.get("code")
    return normalized(value) if isinstance(value, str) else None


def reason(code: str | None, direction: Direction, default: dict[Direction, str]) -> str:
    if code == "NOT_ENOUGH_FUNDS":
        return NOT_ENOUGH_FUNDS[direction]
    if code is not None and code in REASONS:
        return REASONS[code]
    return default[direction]
