"""Export des données personnelles (loi n° 2013-450, ARTCI) : la table `export_donnees`, une
demande par ligne, préparée par une tâche, l'archive gardée 7 jours dans un stockage privé.

A new table, nothing else touched: downgrading drops it (the archives it names are erased by
the retention job, or left to the data folder's owner). Written by hand.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "export_donnees"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id_export", sa.BigInteger(), nullable=False, comment="Identifiant."),
        sa.Column(
            "id_user",
            sa.Integer(),
            nullable=False,
            comment="Personne dont les données sont exportées.",
        ),
        sa.Column(
            "statut",
            sa.String(length=12),
            server_default="en_attente",
            nullable=False,
            comment="Statut : en_attente, en_cours, pret, echoue, expire.",
        ),
        sa.Column(
            "date_demande",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date de la demande.",
        ),
        sa.Column(
            "date_prete",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Date à laquelle l'archive a été prête.",
        ),
        sa.Column(
            "date_expiration",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Date après laquelle l'archive est effacée.",
        ),
        sa.Column(
            "taille", sa.BigInteger(), nullable=True, comment="Taille de l'archive (octets)."
        ),
        sa.Column(
            "stockage",
            sa.String(length=12),
            nullable=True,
            comment="Où est l'archive : local (disque privé) ou cloudinary (privé).",
        ),
        sa.Column(
            "cle_stockage",
            sa.String(length=255),
            nullable=True,
            comment="Clé de l'archive dans son stockage privé.",
        ),
        sa.Column("erreur", sa.Text(), nullable=True, comment="Erreur de la dernière tentative."),
        sa.CheckConstraint(
            "statut IN ('en_attente', 'en_cours', 'pret', 'echoue', 'expire')",
            name=op.f("ck_export_donnees_statut_valide"),
        ),
        sa.CheckConstraint(
            "stockage IS NULL OR stockage IN ('local', 'cloudinary')",
            name=op.f("ck_export_donnees_stockage_valide"),
        ),
        sa.CheckConstraint(
            "statut <> 'pret' OR (cle_stockage IS NOT NULL AND date_prete IS NOT NULL"
            " AND date_expiration IS NOT NULL AND taille IS NOT NULL)",
            name=op.f("ck_export_donnees_pret_complet"),
        ),
        sa.CheckConstraint(
            "taille IS NULL OR taille >= 0", name=op.f("ck_export_donnees_taille_positive")
        ),
        sa.ForeignKeyConstraint(
            ["id_user"],
            ["utilisateur.id_user"],
            name=op.f("fk_export_donnees_id_user_utilisateur"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_export", name=op.f("pk_export_donnees")),
        comment="Export des données personnelles demandé par la personne (archive ZIP).",
    )
    op.create_index(
        "uq_export_donnees_un_en_cours",
        TABLE,
        ["id_user"],
        unique=True,
        postgresql_where=sa.text("statut IN ('en_attente', 'en_cours')"),
    )
    op.create_index(
        "ix_export_donnees_id_user_date", TABLE, ["id_user", "date_demande"], unique=False
    )
    op.create_index(
        "ix_export_donnees_expiration",
        TABLE,
        ["date_expiration"],
        unique=False,
        postgresql_where=sa.text("statut = 'pret'"),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
