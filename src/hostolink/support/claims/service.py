"""Claims: opened by the person in a conversation, decided by an agent, approved by a second
person at or above the approval threshold. A decision holds the claim's row lock from its
first read to its commit, so it runs once; the money goes through `execution`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.admin.audit import Actor
from hostolink.kit.money import format_xof
from hostolink.models import Reclamations
from hostolink.models.base import utcnow
from hostolink.support.claims import effects, execution, repository
from hostolink.support.claims.effects import Pending
from hostolink.support.claims.errors import (
    ClaimInProgress,
    ClaimNotFound,
    ConversationNotFound,
    NoClaimObject,
    NotAwaitingApproval,
    NotAwaitingDecision,
    OperationNotFound,
    OwnProposal,
)
from hostolink.support.claims.schemas import (
    ClaimAdminOut,
    ClaimBody,
    ClaimOut,
    DecisionBody,
)
from hostolink.support.claims.views import agent_out, person_out
from hostolink.wallet.errors import TransactionNotFound

_IN_PROGRESS_INDEXES = (
    "uq_reclamations_transaction_en_cours",
    "uq_reclamations_operation_en_cours",
)


async def _one(session: AsyncSession, claim_id: int) -> Any:
    found = await repository.rows(session, claim_id=claim_id)
    if not found:
        raise ClaimNotFound
    return found[0]


# ------------------------------------------------------------------------------ the person


async def open_claim(
    session: AsyncSession, *, user_id: int, conversation_id: int, body: ClaimBody
) -> ClaimOut:
    conversation = await repository.own_conversation(
        session, user_id=user_id, conversation_id=conversation_id
    )
    if conversation is None:
        raise ConversationNotFound
    transaction_id, operation_id = conversation.id_transaction, conversation.id_operation
    if body.reference_transaction:
        transaction_id, operation_id = None, None
        transaction_id = await repository.own_transaction(
            session, user_id=user_id, reference=body.reference_transaction
        )
        if transaction_id is None:
            raise TransactionNotFound
    elif body.reference_operation:
        transaction_id = None
        operation_id = await repository.own_operation(
            session, user_id=user_id, reference=body.reference_operation
        )
        if operation_id is None:
            raise OperationNotFound
    if transaction_id is None and operation_id is None:
        raise NoClaimObject
    claim = Reclamations(
        id_conversation=conversation_id,
        id_user=user_id,
        id_transaction=transaction_id,
        id_operation=operation_id,
        categorie=body.categorie,
        description=body.description,
    )
    try:
        # The partial unique indexes decide "one claim in progress", not a read beforehand.
        async with session.begin_nested():
            session.add(claim)
            await session.flush()
    except IntegrityError as error:
        if any(name in str(error.orig) for name in _IN_PROGRESS_INDEXES):
            raise ClaimInProgress from None
        raise
    return person_out(await _one(session, claim.id_reclamation))


async def my_claims(session: AsyncSession, *, user_id: int) -> list[ClaimOut]:
    return [person_out(row) for row in await repository.rows(session, user_id=user_id)]


# ------------------------------------------------------------------------------ the agents


async def listing(session: AsyncSession, *, statut: str | None) -> list[ClaimAdminOut]:
    statuses = [statut] if statut else None
    return [agent_out(row) for row in await repository.rows(session, statuses=statuses)]


async def detail(session: AsyncSession, *, claim_id: int) -> ClaimAdminOut:
    return agent_out(await _one(session, claim_id))


async def _locked(session: AsyncSession, claim_id: int) -> Reclamations:
    claim = await repository.lock(session, claim_id)
    if claim is None:
        raise ClaimNotFound
    return claim


def _outcome_text(claim: Reclamations, reference: str | None, change: int = 0) -> str:
    """`change`: what the posting did to the person's wallet (a reversal gives back the
    amount and its fees to the payer, and takes them back from a recipient)."""
    if claim.resolution == "sans_suite":
        return f"Votre réclamation n° {claim.id_reclamation} a été classée sans suite."
    amount = format_xof(claim.montant or 0)
    if change > 0:
        undone = f"l'opération contestée a été annulée et {format_xof(change)} vous ont été rendus"
    elif change < 0:
        undone = (
            f"l'opération contestée a été annulée et {format_xof(-change)} ont été repris "
            "sur votre portefeuille"
        )
    else:
        undone = "l'opération contestée a été annulée"
    what = {
        "contre_passation": undone,
        "ajustement_credit": f"votre portefeuille a été crédité de {amount}",
        "ajustement_debit": f"votre portefeuille a été débité de {amount}",
    }[claim.resolution or ""]
    return (
        f"Votre réclamation n° {claim.id_reclamation} est résolue : {what} (référence {reference})."
    )


async def _finish(
    session: AsyncSession, *, actor: Actor, claim: Reclamations, approver: bool, motif: str
) -> Pending:
    """Execute the locked claim's money resolution and record it as decided."""
    posted = await execution.execute(session, actor=actor, claim=claim, motif=motif)
    now = utcnow()
    claim.statut = "resolue"
    claim.id_transaction_resultat = posted.transaction_id
    claim.date_decision = now
    claim.date_modification = now
    if approver:
        claim.id_approbateur = actor.principal.id
    await session.flush()
    change = await repository.change_for(
        session, transaction_id=posted.transaction_id, user_id=claim.id_user
    )
    text = _outcome_text(claim, posted.reference, change)
    return await _announce(session, claim, "Réclamation résolue", text)


async def _frame(session: AsyncSession, claim: Reclamations) -> dict[str, Any]:
    return person_out(await _one(session, claim.id_reclamation)).model_dump(mode="json")


async def _announce(session: AsyncSession, claim: Reclamations, title: str, text: str) -> Pending:
    frame = await _frame(session, claim)
    return await effects.announce(session, claim=claim, title=title, text=text, claim_frame=frame)


async def decide(
    session: AsyncSession, *, actor: Actor, claim_id: int, body: DecisionBody, threshold: int
) -> tuple[ClaimAdminOut, Pending]:
    """`sans_suite` closes the claim; a money resolution below `threshold` executes at
    once, at or above it waits for a second person's approval."""
    claim = await _locked(session, claim_id)
    if claim.statut != "ouverte":
        raise NotAwaitingDecision
    now = utcnow()
    claim.resolution = body.resolution
    claim.motif_decision = body.motif
    claim.id_agent_propose = actor.principal.id
    claim.date_proposition = now
    claim.date_modification = now
    if body.resolution == "contre_passation":
        # Checked now so that no one approves an impossible reversal; checked again, under
        # the locks, when it executes.
        target = await execution.reversal_target(session, claim)
        claim.montant = target.amount
    else:
        claim.montant = body.montant
    audit.record(
        session,
        actor=actor,
        action="reclamation.decision",
        table="reclamations",
        key=claim.id_reclamation,
        before={"statut": "ouverte"},
        after={"resolution": claim.resolution, "montant": claim.montant},
        motif=body.motif,
    )
    pending: Pending
    if body.resolution == "sans_suite":
        claim.statut = "rejetee"
        claim.date_decision = now
        await session.flush()
        text = _outcome_text(claim, None) + f" Motif : {body.motif}"
        pending = await _announce(session, claim, "Réclamation classée", text)
    elif (claim.montant or 0) < threshold:
        pending = await _finish(session, actor=actor, claim=claim, approver=False, motif=body.motif)
    else:
        claim.statut = "a_approuver"
        await session.flush()
        # The person hears of the decision once it is approved; the agents see it now.
        pending = Pending(claim.id_conversation, await _frame(session, claim))
    return await detail(session, claim_id=claim_id), pending


async def approve(
    session: AsyncSession, *, actor: Actor, claim_id: int, motif: str
) -> tuple[ClaimAdminOut, Pending]:
    claim = await _locked(session, claim_id)
    if claim.statut != "a_approuver":
        raise NotAwaitingApproval
    if claim.id_agent_propose == actor.principal.id:
        raise OwnProposal
    audit.record(
        session,
        actor=actor,
        action="reclamation.approbation",
        table="reclamations",
        key=claim.id_reclamation,
        before={"statut": "a_approuver", "propose_par": claim.id_agent_propose},
        after={"statut": "resolue"},
        motif=motif,
    )
    ledger_motif = f"{claim.motif_decision} (approuvé : {motif})"
    pending = await _finish(session, actor=actor, claim=claim, approver=True, motif=ledger_motif)
    return await detail(session, claim_id=claim_id), pending


async def refuse(
    session: AsyncSession, *, actor: Actor, claim_id: int, motif: str
) -> tuple[ClaimAdminOut, Pending]:
    """The proposal is withdrawn: the claim is open again for another decision."""
    claim = await _locked(session, claim_id)
    if claim.statut != "a_approuver":
        raise NotAwaitingApproval
    audit.record(
        session,
        actor=actor,
        action="reclamation.refus",
        table="reclamations",
        key=claim.id_reclamation,
        before={"resolution": claim.resolution, "montant": claim.montant},
        after={"statut": "ouverte"},
        motif=motif,
    )
    claim.statut = "ouverte"
    claim.resolution = None
    claim.montant = None
    claim.motif_decision = None
    claim.id_agent_propose = None
    claim.date_proposition = None
    claim.date_modification = utcnow()
    await session.flush()
    return await detail(session, claim_id=claim_id), Pending(
        claim.id_conversation, await _frame(session, claim)
    )
