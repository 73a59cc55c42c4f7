"""What Hub2's objects mean for us: a PaymentIntent or a Transfer → `ProviderAnswer`, the
payer's next step (`nextAction`), and the French reasons of documented failures.

Sources are tagged as in docs/fournisseurs.md: [DOC] Hub2's own documentation
(docs.hub2.io), [3P] public client code, [INF] our inference, to confirm in Hub2's sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hostolink.providers.base import NextAction, Outcome, ProviderAnswer, ProviderProtocolError
from hostolink.providers.http import field, whole_francs

PROVIDER = "hub2"

# Never kept in `raw`, logs or errors: the intent's JWT authenticates payment attempts and
# codes on that intent; the others are credentials.
SECRET_FIELDS = frozenset({"token", "secret", "oldSecret", "apiKey", "ApiKey", "confirmationCode"})

SUCCESS_STATUSES = frozenset({"successful", "succeeded"})
FAILURE_STATUSES = frozenset({"failed"})

# Keys of what the flow keeps in the operation's `donnees_fournisseur`.
INTENT_ID = "intent_id"
TRANSFER_ID = "transfer_id"
# Hub2 asks to save the intent's token: the OTP confirmation needs it [DOC payments_integration].
# It is Hub2's per-intent credential for the payer's side (documented as usable from the
# payer's browser), not one of ours; it still never goes into `raw` or the logs.
INTENT_TOKEN = "intent_token"  # noqa: S105 - the name of a key, not a secret
# What the payer must do next ({"kind": "otp", "message": …} | {"kind": "redirection",
# "url": …} | None), kept so that the operation's view can say it (operations/payer_steps).
NEXT_ACTION = "next_action"

DEPOSIT_FAILED = "Le paiement a échoué."
WITHDRAWAL_FAILED = "Le retrait a échoué."
WITHDRAWAL_LATER = "Le retrait ne peut pas être effectué pour le moment. Réessayez plus tard."

# The operator's name in the payer's words, for « Saisissez le code reçu par SMS de … ».
OPERATOR_NAMES = {
    "moov_money": "de Moov Money",
    "orange_money": "d'Orange Money",
    "mtn_momo": "de MTN MoMo",
    "wave": "de Wave",
}

# `code` of a failed payment's failure cause [DOC payments_failure_causes].
PAYMENT_FAILURES = {
    "internal_error": "Le paiement a échoué chez le prestataire de paiement. Réessayez plus tard.",
    "service_unavailable": "L'opérateur est indisponible pour le moment. Réessayez plus tard.",
    "unknown_reason": DEPOSIT_FAILED,
    "unknown_reason_orange": "Orange Money a refusé le paiement sans en donner la raison.",
    "customer_account_locked": "Votre compte Mobile Money est bloqué par l'opérateur.",
    "customer_insufficient_funds": "Solde insuffisant sur votre compte Mobile Money.",
    "authentication_failed": (
        "Le paiement n'a pas été validé : confirmation refusée ou code incorrect."
    ),
    "authentication_timeout": "Vous n'avez pas confirmé le paiement à temps. Réessayez.",
    "timeout": "Le délai de paiement est dépassé. Réessayez.",
    "bad_parameters": "Le paiement a été refusé : informations de paiement incorrectes.",
    "forbidden_by_provider": "L'opérateur a refusé le paiement.",
    "too_many_request": "L'opérateur est surchargé. Réessayez dans quelques minutes.",
    "duplicate_request": (
        "Une opération identique vient d'être enregistrée. Réessayez dans quelques minutes."
    ),
    "canceled_by_customer": "Vous avez annulé le paiement.",
    "canceled": "L'opérateur a annulé le paiement.",
    "fraud_suspicion": "L'opérateur a bloqué le paiement par mesure de sécurité.",
    "unsupported_currency": "Cette devise n'est pas acceptée par l'opérateur.",
    "payer_quota_exceeded": "Vous avez atteint le plafond de votre compte Mobile Money.",
    "invalid_payment_processor": "Ce moyen de paiement ne permet pas cette opération.",
    "invalid_msisdn": "Ce numéro Mobile Money est incorrect.",
}

# `code` of a failed transfer's failure cause [DOC transfers_failure_causes].
TRANSFER_FAILURES = {
    "internal_error": WITHDRAWAL_LATER,
    "invalid_amount": "Ce montant n'est pas accepté par l'opérateur.",
    "service_unavailable": "L'opérateur est indisponible pour le moment. Réessayez plus tard.",
    "too_many_request": "L'opérateur est surchargé. Réessayez dans quelques minutes.",
    "unknown_reason": WITHDRAWAL_FAILED,
    "fraud_suspicion": "L'opérateur a bloqué le retrait par mesure de sécurité.",
    "invalid_destination": "Le numéro du bénéficiaire n'est pas valide.",
    "forbidden_by_provider": "L'opérateur a refusé le retrait.",
    "timeout": "L'opérateur n'a pas répondu à temps. Réessayez.",
    # The merchant's transfer account lacks float: not the user's fault to describe.
    "insufficient_funds": WITHDRAWAL_LATER,
    "unsupported_currency": "Cette devise n'est pas acceptée par l'opérateur.",
    "canceled": "L'opérateur a annulé le retrait.",
    "destination_not_allowed": "L'opérateur n'autorise pas l'envoi vers ce numéro.",
    "blacklisted_msisdn": "Ce numéro est temporairement bloqué par l'opérateur.",
    "invalid_payment_processor": "Ce moyen de paiement ne permet pas cette opération.",
    "duplicate_request": (
        "Une opération identique vient d'être enregistrée. Réessayez dans quelques minutes."
    ),
    "bad_request": "Le retrait a été refusé : informations incorrectes.",
}

# When a search finds several operations for one reference, the one that says the most
# about the money wins: a success must never hide behind a failed duplicate.
RANK = {Outcome.SUCCEEDED: 0, Outcome.PENDING: 1, Outcome.FAILED: 2, Outcome.UNKNOWN: 3}


def code_prompt(rail: str | None) -> str:
    """« Saisissez le code reçu par SMS de Moov Money »: what the payer reads above the field."""
    return f"Saisissez le code reçu par SMS {OPERATOR_NAMES.get(rail or '', 'de votre opérateur')}"


def scrub(value: Any) -> Any:
    """The answer without any token or secret, at any depth."""
    if isinstance(value, Mapping):
        return {k: scrub(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


def status_of(body: Mapping[str, Any]) -> str:
    return str(field(body, "status", provider=PROVIDER)).strip().lower()


def failure_reason(body: Mapping[str, Any] | None, table: Mapping[str, str], default: str) -> str:
    """The French reason of a failure cause. Hub2's reference samples put it under `failure`
    on a payment [DOC api-reference, authenticate-the-current-payment]; the guides and the
    transfer object call it `failureCause` [DOC]; the intent may carry `lastPaymentFailure`
    [3P]. Whichever is present is read."""
    if body is None:
        return default
    for name in ("failureCause", "failure", "lastPaymentFailure"):
        cause = body.get(name)
        if isinstance(cause, Mapping):
            code = cause.get("code")
            if isinstance(code, str) and code in table:
                return table[code]
    return default


def _failure_of(body: Mapping[str, Any]) -> bool:
    return any(isinstance(body.get(n), Mapping) for n in ("failureCause", "failure"))


def amount_of(body: Mapping[str, Any]) -> int | None:
    value = body.get("amount")
    return None if value is None else whole_francs(value, provider=PROVIDER)


def last_payment(intent: Mapping[str, Any]) -> Mapping[str, Any] | None:
    payments = intent.get("payments")
    if payments is None:
        return None
    if not isinstance(payments, list):
        raise ProviderProtocolError(detail=f"{PROVIDER}: 'payments' is not a list")
    if payments and isinstance(payments[-1], Mapping):
        last: Mapping[str, Any] = payments[-1]
        return last
    return None


def next_action(
    intent: Mapping[str, Any], payment: Mapping[str, Any] | None, rail: str | None
) -> NextAction | None:
    """The payer's next step from `nextAction` [DOC payments_authentication]: `redirection`
    (the page in `data.url`: Wave, Orange's web circuit…) or `otp` (a code the operator sent
    the payer, confirmed on `/payment-intents/{id}/authentication`). Read on the last attempt
    (where the reference's samples put it), else on the intent [3P]. Other types (`ussd`…
    [DOC reference schema]) ask nothing of our app: the payer confirms on the phone."""
    for holder in (payment, intent):
        if holder is None:
            continue
        action = holder.get("nextAction")
        if not isinstance(action, Mapping):
            continue
        kind = str(action.get("type") or "").strip().lower()
        if kind == "otp":
            return NextAction(kind="otp", message=code_prompt(rail))
        if kind == "redirection":
            data = action.get("data")
            if isinstance(data, Mapping) and isinstance(data.get("url"), str):
                return NextAction(kind="redirection", url=str(data["url"]))
    return None


def kept_action(action: NextAction | None) -> dict[str, Any] | None:
    """The next action as stored in `donnees_fournisseur` (None: nothing is asked)."""
    if action is None:
        return None
    if action.kind == "otp":
        return {"kind": "otp", "message": action.message}
    return {"kind": "redirection", "url": action.url}


def intent_answer(intent: Mapping[str, Any], *, rail: str | None = None) -> ProviderAnswer:
    """A PaymentIntent → our answer.

    Intent statuses: `payment_required` (no attempt yet, or the last one failed: Hub2 lets
    the merchant try again), `processing`, `action_required` (the payer must authenticate),
    `successful` [DOC samples and authenticate-the-current-payment]; `succeeded`/`failed` are
    accepted too [3P]. We never attempt twice, so an intent back to `payment_required` after a
    failed attempt is a failed deposit; one without any attempt holds no payment at all (the
    attempt never reached Hub2): UNKNOWN."""
    intent_id = str(field(intent, "id", provider=PROVIDER))
    status = status_of(intent)
    last = last_payment(intent)
    common: dict[str, Any] = {
        "external_id": intent_id,
        "amount": amount_of(intent),
        "raw": scrub(dict(intent)),
    }
    if status in SUCCESS_STATUSES:
        data = {INTENT_ID: intent_id, NEXT_ACTION: None}
        return ProviderAnswer(outcome=Outcome.SUCCEEDED, provider_data=data, **common)
    last_failed = last is not None and str(last.get("status", "")).lower() in FAILURE_STATUSES
    if status in FAILURE_STATUSES or (status == "payment_required" and last_failed):
        holder = last if last is not None and _failure_of(last) else intent
        reason = failure_reason(holder, PAYMENT_FAILURES, DEPOSIT_FAILED)
        data = {INTENT_ID: intent_id, NEXT_ACTION: None}
        return ProviderAnswer(outcome=Outcome.FAILED, reason=reason, provider_data=data, **common)
    if status == "payment_required" and last is None:
        return ProviderAnswer(
            outcome=Outcome.UNKNOWN, provider_data={INTENT_ID: intent_id}, **common
        )
    action = next_action(intent, last, rail)
    return ProviderAnswer(
        outcome=Outcome.PENDING,
        payment_url=action.url if action is not None and action.kind == "redirection" else None,
        next_action=action,
        provider_data={INTENT_ID: intent_id, NEXT_ACTION: kept_action(action)},
        **common,
    )


def transfer_answer(transfer: Mapping[str, Any]) -> ProviderAnswer:
    """A Transfer → our answer (`pending | successful | failed` [DOC]; `created`,
    `processing` and the like are read as pending)."""
    transfer_id = str(field(transfer, "id", provider=PROVIDER))
    status = status_of(transfer)
    common: dict[str, Any] = {
        "external_id": transfer_id,
        "amount": amount_of(transfer),
        "provider_data": {TRANSFER_ID: transfer_id},
        "raw": scrub(dict(transfer)),
    }
    if status in SUCCESS_STATUSES:
        return ProviderAnswer(outcome=Outcome.SUCCEEDED, **common)
    if status in FAILURE_STATUSES:
        reason = failure_reason(transfer, TRANSFER_FAILURES, WITHDRAWAL_FAILED)
        return ProviderAnswer(outcome=Outcome.FAILED, reason=reason, **common)
    return ProviderAnswer(outcome=Outcome.PENDING, **common)


def payment_outcome(payment: Mapping[str, Any]) -> Outcome:
    status = status_of(payment)
    if status in SUCCESS_STATUSES:
        return Outcome.SUCCEEDED
    if status in FAILURE_STATUSES:
        return Outcome.FAILED
    return Outcome.PENDING
