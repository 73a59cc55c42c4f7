"""Appareils et sessions : chaque jeton de rafraîchissement porte l'appareil (déduit du
User-Agent), l'en-tête brut tronqué, le pays de son adresse et l'heure de connexion de sa
session (la famille), recopiés à chaque rotation.

Upgrade: four columns on `jeton_rafraichissement`; `date_connexion` of existing tokens is the
creation of the first token of their family (the sign-in), then NOT NULL with now() as
default. Existing sessions have no device nor place (listed « Appareil inconnu »).
Downgrade: the four columns go. Written by hand.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "jeton_rafraichissement"


def upgrade() -> None:
    op.add_column(
        TABLE,
        sa.Column(
            "appareil",
            sa.String(length=80),
            nullable=True,
            comment="Appareil de la session, déduit du User-Agent (Chrome sur Windows).",
        ),
    )
    op.add_column(
        TABLE,
        sa.Column(
            "agent_utilisateur",
            sa.String(length=255),
            nullable=True,
            comment="En-tête User-Agent de la connexion, tronqué à 255 caractères.",
        ),
    )
    op.add_column(
        TABLE,
        sa.Column(
            "lieu",
            sa.String(length=80),
            nullable=True,
            comment="Pays déduit de adresse_ip (Côte d'Ivoire, Réseau local).",
        ),
    )
    op.add_column(
        TABLE,
        sa.Column(
            "date_connexion",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Connexion qui a ouvert la session (la famille), recopiée à chaque rotation.",
        ),
    )
    op.execute(
        "UPDATE jeton_rafraichissement j SET date_connexion = f.debut"
        " FROM (SELECT famille, min(date_creation) AS debut FROM jeton_rafraichissement"
        " GROUP BY famille) f WHERE f.famille = j.famille"
    )
    op.alter_column(TABLE, "date_connexion", nullable=False, server_default=sa.text("now()"))


def downgrade() -> None:
    for name in ("date_connexion", "lieu", "agent_utilisateur", "appareil"):
        op.drop_column(TABLE, name)
