"""Annuaire santé : la clé de référence des numéros d'urgence nationaux semés par
`hostolink seed`, et un seul compte marchand par établissement et devise.

`cle_reference` lets the seed add a national number once and never again: an administrator
may then edit or withdraw it, and re-running the seed neither overwrites nor resurrects it.
The merchant-account index makes "approve a manager" idempotent under concurrency (two
approvals cannot open two wallets). Written by hand.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBERS = "liste_numero_etablissement_sante"


def upgrade() -> None:
    op.add_column(
        NUMBERS,
        sa.Column(
            "cle_reference",
            sa.String(length=40),
            nullable=True,
            comment=(
                "Clé d'un numéro semé par Hostolink (ex. samu) : le semis ne l'ajoute qu'une "
                "fois, un administrateur peut ensuite le modifier ou le retirer."
            ),
        ),
    )
    op.create_index(
        "uq_liste_numero_etablissement_sante_cle_reference",
        NUMBERS,
        ["cle_reference"],
        unique=True,
        postgresql_where=sa.text("cle_reference IS NOT NULL"),
    )
    op.create_index(
        "uq_compte_marchand_devise",
        "compte",
        ["id_etablissement", "devise"],
        unique=True,
        postgresql_where=sa.text("type_compte = 'marchand'"),
    )


def downgrade() -> None:
    op.drop_index("uq_compte_marchand_devise", table_name="compte")
    op.drop_index("uq_liste_numero_etablissement_sante_cle_reference", table_name=NUMBERS)
    op.drop_column(NUMBERS, "cle_reference")
