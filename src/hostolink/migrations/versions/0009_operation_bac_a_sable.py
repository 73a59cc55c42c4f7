"""Bac à sable : les opérations de l'opérateur simulé passent de la mémoire d'un processus à
la base, pour que tous les processus (et toutes les instances) servent sa page de paiement
et répondent à ses appels de statut.

A new table, nothing else touched: downgrading drops it with the simulated operations (the
sandbox then forgets them, as a restart did before). Written by hand.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "operation_bac_a_sable"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column(
            "id_operation",
            sa.String(length=40),
            nullable=False,
            comment="Identifiant chez l'opérateur simulé (notre id_externe).",
        ),
        sa.Column(
            "reference",
            sa.String(length=64),
            nullable=False,
            comment="Notre référence, clé d'idempotence de la demande : une seule opération par "
            "référence.",
        ),
        sa.Column(
            "sens",
            sa.String(length=7),
            nullable=False,
            comment="Sens : depot (le payeur paie), retrait (l'opérateur verse).",
        ),
        sa.Column("montant", sa.BigInteger(), nullable=False, comment="Montant demandé."),
        sa.Column("devise", sa.String(length=3), nullable=False, comment="Devise (ISO 4217)."),
        sa.Column(
            "numero",
            sa.String(length=32),
            nullable=False,
            comment="Numéro du payeur ou du bénéficiaire ; sa fin choisit le scénario simulé "
            "(99 refusé, 98 sans réponse, 97 notification perdue, 96 réponse perdue, "
            "95 changement de plateforme).",
        ),
        sa.Column(
            "moyen",
            sa.String(length=30),
            nullable=False,
            comment="Moyen de paiement demandé (rail).",
        ),
        sa.Column(
            "description",
            sa.Text(),
            nullable=False,
            comment="Libellé montré sur la page de paiement.",
        ),
        sa.Column(
            "url_notification",
            sa.Text(),
            nullable=False,
            comment="Adresse où l'opérateur simulé envoie ses notifications signées.",
        ),
        sa.Column(
            "url_retour",
            sa.Text(),
            nullable=True,
            comment="Adresse de retour vers Hostolink après le paiement (dépôt) ; vide : aucune.",
        ),
        sa.Column(
            "statut",
            sa.String(length=10),
            server_default="en_attente",
            nullable=False,
            comment="Statut : en_attente, reussie, echouee.",
        ),
        sa.Column("motif", sa.Text(), nullable=True, comment="Motif d'un refus ; vide sinon."),
        sa.Column(
            "date_creation",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date de la demande (début de la session de paiement d'un dépôt).",
        ),
        sa.Column(
            "date_decision_prevue",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Date à partir de laquelle l'opérateur simulé décide le retrait ; vide : il "
            "attend une décision explicite, ou ne répond jamais.",
        ),
        sa.Column(
            "date_decision",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Date de la décision (payeur ou opérateur) ; vide : en attente.",
        ),
        sa.Column(
            "notifications_envoyees",
            sa.Integer(),
            server_default="0",
            nullable=False,
            comment="Notifications acceptées par Hostolink (2xx), doublons compris.",
        ),
        sa.Column(
            "appels_statut",
            sa.Integer(),
            server_default="0",
            nullable=False,
            comment="Appels de statut reçus pour cette opération (le scénario 95 en dépend).",
        ),
        sa.CheckConstraint(
            "sens IN ('depot', 'retrait')", name=op.f("ck_operation_bac_a_sable_sens_valide")
        ),
        sa.CheckConstraint(
            "statut IN ('en_attente', 'reussie', 'echouee')",
            name=op.f("ck_operation_bac_a_sable_statut_valide"),
        ),
        sa.CheckConstraint("montant > 0", name=op.f("ck_operation_bac_a_sable_montant_positif")),
        sa.CheckConstraint(
            "(statut = 'en_attente') = (date_decision IS NULL)",
            name=op.f("ck_operation_bac_a_sable_decision_datee"),
        ),
        sa.CheckConstraint(
            "appels_statut >= 0", name=op.f("ck_operation_bac_a_sable_appels_statut_positifs")
        ),
        sa.CheckConstraint(
            "notifications_envoyees >= 0",
            name=op.f("ck_operation_bac_a_sable_notifications_positives"),
        ),
        sa.PrimaryKeyConstraint("id_operation", name=op.f("pk_operation_bac_a_sable")),
        sa.UniqueConstraint("reference", name=op.f("uq_operation_bac_a_sable_reference")),
        comment="Opérations de l'opérateur simulé (bac à sable) : aucun argent réel ; "
        "partagées par tous les processus.",
    )


def downgrade() -> None:
    op.drop_table(TABLE)
