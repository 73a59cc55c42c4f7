"""Tâches de fond : le statut `annulee`, posé par un opérateur (guichet des tâches, avec un
motif journalisé) sur une tâche en attente ou abandonnée.

The check constraint is replaced (PostgreSQL cannot alter one); the two comments that list
the statuses follow. Downgrading refuses while cancelled jobs exist rather than rewrite them
into a status that would mean something else. Written by hand.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "tache"
CONSTRAINT = "statut_valide"  # named ck_tache_statut_valide by the naming convention
BEFORE = ("en_attente", "en_cours", "terminee", "abandonnee")
AFTER = (*BEFORE, "annulee")


def _check(statuses: tuple[str, ...]) -> str:
    return "statut IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _comments(statuses: tuple[str, ...], end: str) -> None:
    op.alter_column(
        TABLE,
        "statut",
        existing_type=sa.String(length=12),
        existing_nullable=False,
        existing_server_default="en_attente",
        comment="Statut : " + ", ".join(statuses) + ".",
    )
    op.alter_column(
        TABLE,
        "date_fin",
        existing_type=sa.DateTime(timezone=True),
        existing_nullable=True,
        comment=end,
    )


def upgrade() -> None:
    op.drop_constraint(op.f("ck_tache_statut_valide"), TABLE, type_="check")
    op.create_check_constraint(CONSTRAINT, TABLE, _check(AFTER))
    _comments(AFTER, "Date de fin (terminée, abandonnée ou annulée).")


def downgrade() -> None:
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM tache WHERE statut = 'annulee') THEN "
        "RAISE EXCEPTION 'tache: cancelled jobs exist, delete them before downgrading'; "
        "END IF; END $$"
    )
    op.drop_constraint(op.f("ck_tache_statut_valide"), TABLE, type_="check")
    op.create_check_constraint(CONSTRAINT, TABLE, _check(BEFORE))
    _comments(BEFORE, "Date de fin (terminée ou abandonnée).")
