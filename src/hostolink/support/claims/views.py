"""A claim as the person and the agents read it (shared with the conversations, which show
the claims made in them): labels in French, references instead of ids."""

from __future__ import annotations

from typing import Any

from hostolink.models import Reclamations
from hostolink.support.claims.schemas import (
    CATEGORY_LABELS,
    STATUS_LABELS,
    ClaimAdminOut,
    ClaimOut,
)


def _fields(row: Any) -> dict[str, Any]:
    claim: Reclamations = row.Reclamations
    operation = row.reference_operation
    return {
        "id_reclamation": claim.id_reclamation,
        "id_conversation": claim.id_conversation,
        "reference_transaction": row.reference_transaction,
        "reference_operation": str(operation) if operation is not None else None,
        "categorie": claim.categorie,
        "libelle_categorie": CATEGORY_LABELS[claim.categorie],
        "description": claim.description,
        "statut": claim.statut,
        "libelle_statut": STATUS_LABELS[claim.statut],
        "resolution": claim.resolution,
        "montant": claim.montant,
        "motif_decision": claim.motif_decision,
        "reference_resultat": row.reference_resultat,
        "date_ouverture": claim.date_ouverture,
        "date_decision": claim.date_decision,
        "approbation_requise": claim.statut == "a_approuver",
    }


def person_out(row: Any) -> ClaimOut:
    return ClaimOut(**_fields(row))


def agent_out(row: Any) -> ClaimAdminOut:
    claim: Reclamations = row.Reclamations
    return ClaimAdminOut(
        **_fields(row),
        id_user=claim.id_user,
        id_agent_propose=claim.id_agent_propose,
        prenom_agent_propose=row.prenom_agent_propose,
        id_approbateur=claim.id_approbateur,
    )
