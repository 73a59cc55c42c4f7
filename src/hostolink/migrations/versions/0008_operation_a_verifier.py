"""Dépôts et retraits : le statut `a_verifier`, posé par la réconciliation quand l'horizon
est passé sans réponse définitive du fournisseur (l'argent d'un retrait reste bloqué, un
opérateur décide) ; la réconciliation continue d'interroger ces opérations.

The two check constraints on the status (operation and history) are replaced (PostgreSQL
cannot alter one) and the status comment follows. The history's causes take `code_payeur`
too (the payer typed the code their operator sent: operations/payer_steps.py), in the same
revision so that two changes to the same table do not race for a number. The
reconciliation's partial index covers the new status too; it is renamed
`ix_operation_fournisseur_reconciliation`, its old name read like the new status. Downgrading refuses once an operation or its history holds a new value
rather than rewrite it into one that would mean something else. Written by hand.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "operation_fournisseur"
HISTORY = "historique_operation"
BEFORE = ("initiee", "en_attente", "reussie", "echouee", "expiree")
AFTER = ("initiee", "en_attente", "a_verifier", "reussie", "echouee", "expiree")
ORIGINS_BEFORE = ("initiation", "notification", "verification", "reconciliation", "administrateur")
ORIGINS_AFTER = (*ORIGINS_BEFORE, "code_payeur")
PENDING_BEFORE = ("initiee", "en_attente")
PENDING_AFTER = ("initiee", "en_attente", "a_verifier")
OLD_INDEX = "ix_operation_fournisseur_a_verifier"
NEW_INDEX = "ix_operation_fournisseur_reconciliation"


def _in(statuses: tuple[str, ...], column: str = "statut") -> str:
    return f"{column} IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _origins(origins: tuple[str, ...]) -> None:
    op.drop_constraint(op.f(f"ck_{HISTORY}_origine_valide"), HISTORY, type_="check")
    op.create_check_constraint("origine_valide", HISTORY, _in(origins, "origine"))
    op.alter_column(
        HISTORY,
        "origine",
        existing_type=sa.String(length=20),
        existing_nullable=False,
        comment="Cause : " + ", ".join(origins) + ".",
    )


def _statuses(statuses: tuple[str, ...]) -> None:
    for table in (TABLE, HISTORY):
        # named ck_<table>_statut_valide by the naming convention
        op.drop_constraint(op.f(f"ck_{table}_statut_valide"), table, type_="check")
        op.create_check_constraint("statut_valide", table, _in(statuses))
    op.alter_column(
        TABLE,
        "statut",
        existing_type=sa.String(length=12),
        existing_nullable=False,
        existing_server_default="initiee",
        comment="Statut : " + ", ".join(statuses) + ".",
    )


def _index(drop: str, create: str, pending: tuple[str, ...], was: tuple[str, ...]) -> None:
    op.drop_index(drop, table_name=TABLE, postgresql_where=sa.text(_in(was)))
    op.create_index(
        create,
        TABLE,
        ["date_prochaine_verification"],
        unique=False,
        postgresql_where=sa.text(_in(pending)),
    )


def upgrade() -> None:
    _statuses(AFTER)
    _origins(ORIGINS_AFTER)
    _index(OLD_INDEX, NEW_INDEX, PENDING_AFTER, PENDING_BEFORE)


def downgrade() -> None:
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM operation_fournisseur WHERE statut = 'a_verifier')"
        " OR EXISTS (SELECT 1 FROM historique_operation"
        " WHERE statut = 'a_verifier' OR origine = 'code_payeur') THEN "
        "RAISE EXCEPTION 'operation_fournisseur: operations went through a_verifier or a "
        "payer''s code, their history says so: cannot downgrade'; END IF; END $$"
    )
    _index(NEW_INDEX, OLD_INDEX, PENDING_BEFORE, PENDING_AFTER)
    _origins(ORIGINS_BEFORE)
    _statuses(BEFORE)
