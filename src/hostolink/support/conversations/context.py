"""The person's context at a glance, for the agent answering them: who they are (KYC tier,
active), their claims in progress, the transaction or operation the conversation is about,
and their last transactions and operations — each list only when the agent's permissions
let them read it elsewhere (transactions:lire, operations:lire); otherwise it is null, not
empty, so that the desk can say why."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth import permissions
from hostolink.auth.principal import Principal
from hostolink.errors import NotFound
from hostolink.models import OperationFournisseur, Transaction
from hostolink.models.reclamations import STATUTS_EN_COURS
from hostolink.support.claims import repository as claims_repository
from hostolink.support.claims import views as claim_views
from hostolink.support.conversations import repository
from hostolink.support.conversations.schemas import ContextOut, ContextPerson, ObjectOut


class PersonNotFound(NotFound):
    message = "Personne introuvable."


def _transaction(row: Transaction) -> dict[str, Any]:
    return {
        "reference": row.reference,
        "type_transaction": row.type_transaction,
        "statut": row.statut,
        "montant": row.montant,
        "frais": row.frais,
        "devise": row.devise,
        "date_creation": row.date_creation.isoformat(),
    }


def _operation(row: OperationFournisseur) -> dict[str, Any]:
    return {
        "reference": str(row.reference),
        "sens": row.sens,
        "fournisseur": row.fournisseur,
        "statut": row.statut,
        "montant": row.montant,
        "frais": row.frais,
        "devise": row.devise,
        "motif_echec": row.motif_echec,
        "date_creation": row.date_creation.isoformat(),
    }


async def of_person(
    session: AsyncSession, *, viewer: Principal, user_id: int, subject: ObjectOut | None
) -> ContextOut:
    person = await repository.person(session, user_id)
    if person is None:
        raise PersonNotFound
    transactions = operations = None
    if permissions.TRANSACTIONS_READ in viewer.permissions:
        transactions = [
            _transaction(t) for t in await repository.recent_transactions(session, user_id)
        ]
    if permissions.OPERATIONS_READ in viewer.permissions:
        operations = [_operation(o) for o in await repository.recent_operations(session, user_id)]
    claims = await claims_repository.rows(session, user_id=user_id, statuses=STATUTS_EN_COURS)
    return ContextOut(
        personne=ContextPerson(
            id_user=person.id_user,
            prenom=person.prenom,
            nom=person.nom,
            telephone=person.telephone,
            email=person.email,
            niveau_kyc=person.niveau_kyc,
            actif=person.actif,
            # The owner's column is a naive timestamp, written in UTC.
            date_inscription=(
                person.date_inscription.replace(tzinfo=UTC) if person.date_inscription else None
            ),
        ),
        transactions=transactions,
        operations=operations,
        reclamations=[claim_views.agent_out(row) for row in claims],
        objet=subject,
    )
