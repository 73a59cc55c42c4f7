"""Hub2's webhooks: the signature, then the event.

The signature [DOC webhooks_integration]: header `Hub2-Signature: s1=<sig>,s0=<sig>`, where
`s1` is the HMAC-SHA256, keyed with the webhook's current `secret`, of the request body as a
JSON string, and `s0` the same with the previous secret (`oldSecret`), sent for 24 hours after
the secret is changed. Hex digests [3P: every public client compares hex]. No timestamp is
signed: a replay is absorbed by the inbox's dedupe on the event id, and the outcome read is
the object's own status.

The envelope `{id, type, data, createdAt}` with the intent or transfer in `data` [3P]: the
documentation's example body (a `payment_intent.created` event) is not in the stored copy we
could read — to confirm with a sandbox delivery (docs/fournisseurs.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hostolink.providers.base import Callback, InvalidCallback, Outcome, ProviderProtocolError
from hostolink.providers.http import (
    any_matches,
    callback_object,
    header,
    hmac_sha256_hex,
    parse_signature_header,
)
from hostolink.providers.hub2.answers import (
    amount_of,
    intent_answer,
    payment_outcome,
    scrub,
    transfer_answer,
)

SIGNATURE_HEADER = "Hub2-Signature"
# The documented names: s1 (current secret), s0 (previous secret, during a rotation).
SIGNATURE_NAMES = ("s1", "s0")


def _stringified(body: bytes) -> bytes | None:
    """The body as JavaScript's `JSON.stringify` writes it (compact, UTF-8), which is what
    Hub2 signs and tells receivers to recompute [DOC]; None when it is not JSON."""
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def verify_signature(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    """Raises `InvalidCallback` unless `s1` or `s0` is our HMAC of the body. Our secret may be
    either side of a rotation, so both are candidates; no other name counts."""
    value = header(headers, SIGNATURE_HEADER)
    if not value:
        raise InvalidCallback(f"missing {SIGNATURE_HEADER} header")
    parts = parse_signature_header(value)
    candidates = [sig.strip().lower() for name in SIGNATURE_NAMES for sig in parts.get(name, [])]
    if not candidates:
        raise InvalidCallback(f"{SIGNATURE_HEADER} carries no s1 or s0 signature")
    if any_matches(hmac_sha256_hex(secret, body), candidates):
        return
    # The bytes as received first; then the JSON string Hub2 signed, in case the body was
    # re-serialized on the way (a proxy pretty-printing it, another key spacing).
    compact = _stringified(body)
    if (
        compact is not None
        and compact != body
        and any_matches(hmac_sha256_hex(secret, compact), candidates)
    ):
        return
    raise InvalidCallback("hub2 signature does not match")


def read_event(body: bytes) -> Callback:
    """A verified body → our `Callback`."""
    event = callback_object(body, what="hub2 notification")
    event_id = event.get("id")
    if not isinstance(event_id, str | int) or not str(event_id):
        raise InvalidCallback("hub2 notification lacks an event id")
    event_type = event.get("type") or event.get("event")
    data = event.get("data")
    if not isinstance(data, Mapping):
        raise InvalidCallback("hub2 notification lacks its data object")
    try:
        return _callback(str(event_id), str(event_type or ""), data, event)
    except ProviderProtocolError as exc:
        raise InvalidCallback(f"hub2 notification unreadable: {exc.detail}") from exc


def _callback(
    event_id: str, event_type: str, data: Mapping[str, Any], event: Mapping[str, Any]
) -> Callback:
    # Events are named `<object>.<what happened>` (`payment_intent.created` [DOC]); the
    # object's own status is the outcome, whatever the suffix says.
    kind = event_type.partition(".")[0]
    object_id = str(data.get("id") or "")
    external_id: Any
    reference: Any
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
        # A payment attempt: our external id is its intent's (`intentId` [DOC reference]).
        external_id = data.get("intentId") or data.get("paymentIntentId")
        outcome = payment_outcome(data)
        amount = amount_of(data)
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
