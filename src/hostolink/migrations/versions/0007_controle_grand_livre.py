"""Contrôle périodique du grand livre : le résultat de chaque contrôle (`hostolink ledger
verify`, lancé une fois par intervalle pour toute la grappe), lu par les métriques.

A new table, nothing else touched: downgrading drops it with its history of checks.
Written by hand.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "controle_grand_livre"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id_controle", sa.BigInteger(), nullable=False, comment="Identifiant."),
        sa.Column(
            "date_controle",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date du contrôle (l'instantané lu).",
        ),
        sa.Column(
            "ecarts",
            sa.Integer(),
            nullable=True,
            comment="Écarts trouvés (0 : grand livre cohérent) ; vide : contrôle inachevé.",
        ),
        sa.Column("duree_ms", sa.Integer(), nullable=False, comment="Durée du contrôle (ms)."),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
            comment="Totaux, écarts par vérification et premiers exemples, ou la raison d'un arrêt.",
        ),
        sa.CheckConstraint(
            "ecarts IS NULL OR ecarts >= 0", name=op.f("ck_controle_grand_livre_ecarts_positifs")
        ),
        sa.CheckConstraint("duree_ms >= 0", name=op.f("ck_controle_grand_livre_duree_positive")),
        sa.PrimaryKeyConstraint("id_controle", name=op.f("pk_controle_grand_livre")),
        comment="Contrôles périodiques du grand livre et leur résultat.",
    )


def downgrade() -> None:
    op.drop_table(TABLE)
