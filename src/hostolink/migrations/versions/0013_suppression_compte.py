"""Suppression de compte (issue 24) : `utilisateur.date_suppression`, posée quand la personne
supprime son compte. La ligne reste (son `id_user` tient l'historique du grand livre, le
journal d'audit, les pièces d'identité gardées pendant la durée légale), mais anonymisée :
plus d'e-mail ni de téléphone. La contrainte `identifiant_requis` admet donc une personne
supprimée sans identifiant, et une personne supprimée est toujours inactive.

PostgreSQL cannot alter a CHECK constraint: it is dropped and created again. Downgrading
refuses while a deleted person exists (their identifiers are gone: the old constraint
could not hold). Written by hand.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "utilisateur"
# Short names: the naming convention makes them ck_utilisateur_<name>.
REQUIRED = "identifiant_requis"
INACTIVE = "suppression_inactive"


def upgrade() -> None:
    op.add_column(
        TABLE,
        sa.Column(
            "date_suppression",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
    )
    op.drop_constraint(op.f(f"ck_{TABLE}_{REQUIRED}"), TABLE, type_="check")
    op.create_check_constraint(
        REQUIRED,
        TABLE,
        "email IS NOT NULL OR telephone IS NOT NULL OR date_suppression IS NOT NULL",
    )
    op.create_check_constraint(INACTIVE, TABLE, "date_suppression IS NULL OR NOT actif")


def downgrade() -> None:
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM utilisateur WHERE date_suppression IS NOT NULL)"
        " THEN RAISE EXCEPTION 'comptes supprimés présents : retour arrière impossible';"
        " END IF; END $$"
    )
    op.drop_constraint(op.f(f"ck_{TABLE}_{INACTIVE}"), TABLE, type_="check")
    op.drop_constraint(op.f(f"ck_{TABLE}_{REQUIRED}"), TABLE, type_="check")
    op.create_check_constraint(REQUIRED, TABLE, "email IS NOT NULL OR telephone IS NOT NULL")
    op.drop_column(TABLE, "date_suppression")
