"""Photo d'un établissement de santé : une image de la table `media` (usage etablissement),
choisie par son gestionnaire ou un administrateur.

Nullable, and SET NULL when the image is deleted: a directory entry never depends on its
photo. Indexed for that foreign key. Written by hand.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 14:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "etablissement_sante"


def upgrade() -> None:
    op.add_column(
        TABLE,
        sa.Column(
            "id_media",
            sa.BigInteger(),
            nullable=True,
            comment="Photo de l'établissement (image téléversée, usage etablissement).",
        ),
    )
    op.create_foreign_key(
        op.f("fk_etablissement_sante_id_media_media"),
        TABLE,
        "media",
        ["id_media"],
        ["id_media"],
        ondelete="SET NULL",
    )
    op.create_index("ix_etablissement_sante_id_media", TABLE, ["id_media"])


def downgrade() -> None:
    op.drop_index("ix_etablissement_sante_id_media", table_name=TABLE)
    op.drop_constraint(op.f("fk_etablissement_sante_id_media_media"), TABLE, type_="foreignkey")
    op.drop_column(TABLE, "id_media")
