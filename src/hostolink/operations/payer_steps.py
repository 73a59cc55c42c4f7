"""The payer's own step in a deposit: typing the code their operator sent them by SMS.

Some deposits ask the payer for a code (Hub2's `nextAction` of type `otp` for Moov Money
[docs.hub2.io, payments_authentication]): the adapter's answer says so and keeps it in the
operation's `donnees_fournisseur` under "next_action". This module
- says what the payer must do next (`expected_action`: `action_attendue` of the view);
- passes a typed code to the provider (`submit_code`, the adapter's `CodeStep`), at most
  MAX_CODE_TRIES times per deposit: the operator counts wrong codes too, and past our limit
  it is the provider's answer — read by the flow's status call — that decides the deposit;
- hands a final answer to the flow (`Operations.verify`, which asks the provider's status
  and applies it): no money moves here.
It stays outside flow.py/service.py: it reads and writes the operation row through the
repository, in short transactions of its own, never open while the provider is called.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hostolink.db import Database
from hostolink.errors import Conflict, HostolinkError, ServiceUnavailable, TooManyRequests
from hostolink.kit.money import format_xof, sentence
from hostolink.models import OperationFournisseur
from hostolink.operations import repository
from hostolink.operations.errors import OperationNotFound
from hostolink.operations.schemas import (
    ActionCode,
    ActionRedirection,
    OperationAnswer,
)
from hostolink.providers.base import (
    OperationRef,
    Outcome,
    ProviderAnswer,
    ProviderError,
    ProviderRejected,
    ProviderUnreachable,
)

if TYPE_CHECKING:
    from hostolink.operations.flow import Operations

logger = logging.getLogger("hostolink.operations.payer_steps")

# The key adapters keep the next step under in `donnees_fournisseur` (providers/hub2).
NEXT_ACTION = "next_action"
# Our own count of the codes sent for this deposit, kept beside it.
CODE_TRIES = "codes_saisis"
# A few tries: a typo or two, not a guessing game on a 4-to-8-digit code.
MAX_CODE_TRIES = 3
FINAL_STATUSES = frozenset({"reussie", "echouee", "expiree"})
DEFAULT_PROMPT = "Saisissez le code reçu par SMS de votre opérateur"
CODE_ORIGIN = "code_payeur"
REFUSED = "refusé par l'opérateur"


class CodeBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(
        description="Le code reçu par SMS de l'opérateur (4 à 8 chiffres).",
        examples=["123456"],
        max_length=8,
    )

    @field_validator("code")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not (4 <= len(value) <= 8 and value.isascii() and value.isdigit()):
            raise ValueError("Le code est fait de 4 à 8 chiffres.")
        return value


class CodeNotExpected(Conflict):
    message = "Aucun code n'est attendu pour ce dépôt."


class TooManyCodes(TooManyRequests):
    message = (
        "Trop de codes saisis pour ce dépôt : l'opérateur décide de la suite. Suivez le dépôt "
        "ou recommencez-en un."
    )


class CodeRefused(HostolinkError):
    status_code = 422
    message = "L'opérateur n'a pas accepté ce code."


class OperatorUnreachable(ServiceUnavailable):
    message = (
        "L'opérateur ne répond pas pour le moment : le dépôt est suivi automatiquement, "
        "inutile de ressaisir le code."
    )


def expected_action(operation: OperationFournisseur) -> ActionCode | ActionRedirection | None:
    """What the payer must do for this deposit to go on, or None."""
    if operation.sens != "depot" or operation.statut in FINAL_STATUSES:
        return None
    kept = (operation.donnees_fournisseur or {}).get(NEXT_ACTION)
    if isinstance(kept, Mapping):
        if kept.get("kind") == "otp":
            return ActionCode(message=str(kept.get("message") or DEFAULT_PROMPT))
        if kept.get("kind") == "redirection" and isinstance(kept.get("url"), str):
            return ActionRedirection(url=str(kept["url"]))
    if operation.url_paiement:
        return ActionRedirection(url=operation.url_paiement)
    return None


async def _owned_deposit(db: Database, reference: str, user_id: int) -> OperationFournisseur:
    async with db.sessionmaker() as session:
        operation = await repository.by_reference(session, reference)
    # Another person's deposit answers exactly like a missing one.
    if operation is None or operation.id_user != user_id or operation.sens != "depot":
        raise OperationNotFound("Dépôt introuvable.")
    return operation


async def expected_code(db: Database, *, reference: str, user_id: int) -> ActionCode:
    """The code step the payer's deposit waits for (CodeNotExpected when none)."""
    action = expected_action(await _owned_deposit(db, reference, user_id))
    if not isinstance(action, ActionCode):
        raise CodeNotExpected
    return action


async def _count_try(db: Database, reference: str, user_id: int) -> tuple[OperationRef, int]:
    """Check that a code is expected and count this one, committed before the provider is
    called: a code sent is counted even if the process dies before the answer."""
    operation = await _owned_deposit(db, reference, user_id)
    async with db.sessionmaker() as session, session.begin():
        operation = await repository.lock_operation(session, operation.id_operation)
        if not isinstance(expected_action(operation), ActionCode):
            raise CodeNotExpected
        data = dict(operation.donnees_fournisseur or {})
        tries = int(data.get(CODE_TRIES) or 0)
        if tries >= MAX_CODE_TRIES:
            raise TooManyCodes(retry_after=60)
        operation.donnees_fournisseur = {**data, CODE_TRIES: tries + 1}
        ref = OperationRef(
            reference=str(operation.reference),
            direction="depot",
            amount=operation.montant + operation.frais,
            currency=operation.devise,
            msisdn=operation.compte_externe,
            rail=operation.fournisseur,
            external_id=operation.id_externe,
            provider_data=operation.donnees_fournisseur,
        )
        return ref, tries + 1


async def _keep(db: Database, operation_id: int, answer: ProviderAnswer) -> None:
    """What the provider's answer tells us about the deposit (the next step above all)."""
    async with db.sessionmaker() as session, session.begin():
        operation = await repository.lock_operation(session, operation_id)
        operation.donnees_fournisseur = {
            **(operation.donnees_fournisseur or {}),
            **answer.provider_data,
        }
        if answer.payment_url:
            operation.url_paiement = answer.payment_url
        if answer.raw:
            operation.reponse_fournisseur = answer.raw
        operation.date_modification = datetime.now(UTC)


def _submitter(flow: Operations, gateway: str) -> Callable[[OperationRef, str], Awaitable[Any]]:
    adapter = flow.providers.adapter(gateway)
    submit = getattr(adapter, "submit_code", None)
    if submit is None:
        # The provider asked for a code it cannot take: its adapter is out of step.
        logger.error("%s asked the payer for a code but cannot take one", gateway)
        raise CodeNotExpected
    step: Callable[[OperationRef, str], Awaitable[Any]] = submit
    return step


async def submit_code(
    flow: Operations, db: Database, *, reference: str, user_id: int, code: str
) -> OperationAnswer:
    """Send the payer's code to the provider; the deposit's view afterwards."""
    ref, tries = await _count_try(db, reference, user_id)
    operation = await _owned_deposit(db, reference, user_id)
    submit = _submitter(flow, operation.passerelle)
    try:
        answer: ProviderAnswer = await submit(ref, code)
    except ProviderUnreachable as exc:
        # Whether the code reached the operator is unknown: the status call will tell.
        logger.warning("operation %s: code not confirmed: %s", reference, exc.detail)
        raise OperatorUnreachable from exc
    except ProviderRejected as exc:
        if tries >= MAX_CODE_TRIES:
            # The last try we pass on: what the operator now says of the payment decides.
            await flow.verify(operation.id_operation, origin=CODE_ORIGIN)
        raise CodeRefused(exc.message) from exc
    except ProviderError as exc:
        logger.warning("operation %s: code step unavailable: %s", reference, exc)
        raise ServiceUnavailable(exc.message) from exc
    await _keep(db, operation.id_operation, answer)
    if answer.outcome in (Outcome.SUCCEEDED, Outcome.FAILED) or tries >= MAX_CODE_TRIES:
        await flow.verify(operation.id_operation, origin=CODE_ORIGIN)
    return await answer_view(flow, db, reference=reference, user_id=user_id, answer=answer)


async def answer_view(
    flow: Operations,
    db: Database,
    *,
    reference: str,
    user_id: int,
    answer: ProviderAnswer | None = None,
) -> OperationAnswer:
    view = await flow.view(reference=reference, user_id=user_id)
    operation = await _owned_deposit(db, reference, user_id)
    action = expected_action(operation)
    view = view.model_copy(update={"action_attendue": action})
    if view.statut == "reussie":
        message = f"Code accepté : votre portefeuille est crédité de {format_xof(view.montant)}"
    elif view.statut in FINAL_STATUSES:
        message = f"Dépôt non abouti : {view.motif_echec or REFUSED}"
    elif isinstance(action, ActionCode) and answer is not None:
        message = "L'opérateur n'a pas accepté ce code : vérifiez-le et réessayez"
    else:
        message = "Code transmis : l'opérateur confirme le paiement"
    return OperationAnswer(message=sentence(message), data=view)
