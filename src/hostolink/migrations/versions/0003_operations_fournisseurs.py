"""Opérations fournisseurs : la passerelle qui porte chaque opération, ce qu'il faut rappeler
au fournisseur pour interroger son statut, l'empreinte du jeton de notification d'Orange Money.

`passerelle` is the adapter that carries an operation (`fournisseur` stays the rail the user
chose: moov_money goes through hub2). Rows written before this revision — none in practice,
the table had no writer — take their provider as gateway. Written by hand.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "operation_fournisseur"


def upgrade() -> None:
    op.add_column(
        TABLE,
        sa.Column(
            "passerelle",
            sa.String(length=30),
            nullable=True,
            comment=(
                "Adaptateur qui porte l'opération (l'opérateur lui-même ou l'agrégateur, par "
                "exemple hub2 pour Moov Money)."
            ),
        ),
    )
    op.execute("UPDATE operation_fournisseur SET passerelle = fournisseur")
    op.alter_column(TABLE, "passerelle", nullable=False)
    op.create_check_constraint("passerelle_format", TABLE, "passerelle ~ '^[a-z][a-z0-9_]{1,29}$'")
    op.add_column(
        TABLE,
        sa.Column(
            "donnees_fournisseur",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
            comment="Ce que le fournisseur demande de rappeler pour interroger le statut (pay_token…).",
        ),
    )
    op.add_column(
        TABLE,
        sa.Column(
            "empreinte_jeton",
            sa.String(length=64),
            nullable=True,
            comment="SHA-256 du jeton de notification (notif_token d'Orange Money), jamais le jeton.",
        ),
    )
    op.create_index(
        "uq_operation_fournisseur_empreinte_jeton",
        TABLE,
        ["empreinte_jeton"],
        unique=True,
        postgresql_where=sa.text("empreinte_jeton IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_operation_fournisseur_empreinte_jeton", table_name=TABLE)
    op.drop_column(TABLE, "empreinte_jeton")
    op.drop_column(TABLE, "donnees_fournisseur")
    op.drop_constraint("passerelle_format", TABLE, type_="check")
    op.drop_column(TABLE, "passerelle")
