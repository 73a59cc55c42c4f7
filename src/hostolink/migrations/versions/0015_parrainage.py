"""Parrainage : code d'invitation de chaque personne, campagnes (bonus, dépôt minimum, budget,
période), parrainages et récompenses versées depuis le compte système marketing.

Upgrade: the four tables, the `bonus_parrainage` transaction type, and a code for every
person already registered (drawn in Python from the unambiguous alphabet; a collision with
the unique index is simply drawn again). Downgrade: the tables and the type go (refused by
the CHECK if a bonus was already posted: the ledger is append-only).
Written by hand.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 09:30:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TYPES_BEFORE = (
    "transfert",
    "paiement_qr",
    "paiement_marchand",
    "depot",
    "retrait",
    "remboursement",
    "ajustement",
)
TYPES_AFTER = (*TYPES_BEFORE, "bonus_parrainage")
TYPE_CHECK = "ck_transaction_type_valide"


def _in(values: tuple[str, ...]) -> str:
    return "type_transaction IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _comment(values: tuple[str, ...]) -> str:
    return "Type : " + ", ".join(values) + "."


def _timestamps(*names: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(
            name,
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment=comment,
        )
        for name, comment in (n.split("|") for n in names)
    ]


def upgrade() -> None:
    op.create_table(
        "code_parrainage",
        sa.Column(
            "id_user", sa.Integer(), nullable=False, comment="Personne à qui appartient le code."
        ),
        sa.Column(
            "code",
            sa.String(length=8),
            nullable=False,
            comment="Code d'invitation (8 caractères, sans 0, O, 1 ni I).",
        ),
        *_timestamps("date_creation|Date de création."),
        sa.CheckConstraint(
            "code ~ '^[A-HJ-NP-Z2-9]{8}$'", name=op.f("ck_code_parrainage_code_format")
        ),
        sa.ForeignKeyConstraint(
            ["id_user"],
            ["utilisateur.id_user"],
            name=op.f("fk_code_parrainage_id_user_utilisateur"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_user", name=op.f("pk_code_parrainage")),
        sa.UniqueConstraint("code", name=op.f("uq_code_parrainage_code")),
        comment="Code d'invitation de chaque personne (lien /i/<code>).",
    )
    op.create_table(
        "campagne_parrainage",
        sa.Column("id_campagne", sa.Integer(), nullable=False, comment="Identifiant."),
        sa.Column("nom", sa.String(length=120), nullable=False, comment="Nom de la campagne."),
        sa.Column(
            "montant_parrain",
            sa.BigInteger(),
            nullable=False,
            comment="Bonus du parrain, francs CFA.",
        ),
        sa.Column(
            "montant_filleul",
            sa.BigInteger(),
            nullable=False,
            comment="Bonus du filleul, francs CFA.",
        ),
        sa.Column(
            "depot_minimum",
            sa.BigInteger(),
            nullable=False,
            comment="Montant minimum du premier dépôt du filleul, francs CFA.",
        ),
        sa.Column(
            "budget",
            sa.BigInteger(),
            nullable=False,
            comment="Budget total de la campagne (bonus des deux côtés), francs CFA.",
        ),
        sa.Column(
            "budget_engage",
            sa.BigInteger(),
            server_default="0",
            nullable=False,
            comment="Bonus déjà versés, francs CFA.",
        ),
        sa.Column(
            "date_debut",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="Début de la période d'inscription couverte.",
        ),
        sa.Column(
            "date_fin",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="Fin (exclue) de la période d'inscription couverte.",
        ),
        sa.Column(
            "active",
            sa.Boolean(),
            server_default=sa.text("true"),
            nullable=False,
            comment="Au plus une campagne active à la fois.",
        ),
        sa.Column(
            "delai_validation_heures",
            sa.Integer(),
            server_default="24",
            nullable=False,
            comment="Délai entre le premier dépôt et le versement (un dépôt contre-passé "
            "entre-temps n'est pas récompensé).",
        ),
        sa.Column(
            "id_modifie_par",
            sa.Integer(),
            nullable=True,
            comment="Administrateur auteur de la dernière modification.",
        ),
        *_timestamps(
            "date_creation|Date de création.", "date_modification|Date de dernière modification."
        ),
        sa.CheckConstraint(
            "montant_parrain >= 0 AND montant_filleul >= 0",
            name=op.f("ck_campagne_parrainage_montants_positifs"),
        ),
        sa.CheckConstraint(
            "montant_parrain + montant_filleul > 0",
            name=op.f("ck_campagne_parrainage_bonus_non_nul"),
        ),
        sa.CheckConstraint(
            "depot_minimum >= 1", name=op.f("ck_campagne_parrainage_depot_minimum_positif")
        ),
        sa.CheckConstraint("budget >= 0", name=op.f("ck_campagne_parrainage_budget_positif")),
        sa.CheckConstraint(
            "budget_engage >= 0 AND budget_engage <= budget",
            name=op.f("ck_campagne_parrainage_budget_respecte"),
        ),
        sa.CheckConstraint(
            "date_fin > date_debut", name=op.f("ck_campagne_parrainage_periode_valide")
        ),
        sa.CheckConstraint(
            "delai_validation_heures BETWEEN 0 AND 720",
            name=op.f("ck_campagne_parrainage_delai_valide"),
        ),
        sa.ForeignKeyConstraint(
            ["id_modifie_par"],
            ["utilisateur.id_user"],
            name=op.f("fk_campagne_parrainage_id_modifie_par_utilisateur"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id_campagne", name=op.f("pk_campagne_parrainage")),
        comment="Campagne de parrainage : bonus, dépôt minimum, budget et période.",
    )
    op.create_index(
        "uq_campagne_parrainage_active",
        "campagne_parrainage",
        ["active"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "parrainage",
        sa.Column("id_parrainage", sa.BigInteger(), nullable=False, comment="Identifiant."),
        sa.Column("id_parrain", sa.Integer(), nullable=False, comment="Personne qui a invité."),
        sa.Column(
            "id_filleul",
            sa.Integer(),
            nullable=False,
            comment="Personne invitée (une seule fois).",
        ),
        sa.Column(
            "id_campagne",
            sa.Integer(),
            nullable=True,
            comment="Campagne en cours à l'inscription ; vide : aucune.",
        ),
        sa.Column(
            "code_utilise",
            sa.String(length=8),
            nullable=False,
            comment="Code saisi à l'inscription.",
        ),
        sa.Column(
            "statut",
            sa.String(length=20),
            server_default="inscrit",
            nullable=False,
            comment="Statut : inscrit, en_validation, recompense, non_eligible.",
        ),
        sa.Column(
            "motif",
            sa.String(length=255),
            nullable=True,
            comment="Pourquoi aucun bonus n'est versé.",
        ),
        sa.Column(
            "id_transaction_depot",
            sa.BigInteger(),
            nullable=True,
            comment="Premier dépôt crédité du filleul.",
        ),
        *_timestamps("date_creation|Date d'inscription."),
        sa.Column(
            "date_modification",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Dernier changement de statut.",
        ),
        sa.CheckConstraint(
            "statut IN ('inscrit', 'en_validation', 'recompense', 'non_eligible')",
            name=op.f("ck_parrainage_statut_valide"),
        ),
        sa.CheckConstraint(
            "id_parrain <> id_filleul", name=op.f("ck_parrainage_pas_auto_parrainage")
        ),
        sa.CheckConstraint(
            "statut <> 'non_eligible' OR motif IS NOT NULL",
            name=op.f("ck_parrainage_motif_requis"),
        ),
        sa.ForeignKeyConstraint(
            ["id_parrain"],
            ["utilisateur.id_user"],
            name=op.f("fk_parrainage_id_parrain_utilisateur"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["id_filleul"],
            ["utilisateur.id_user"],
            name=op.f("fk_parrainage_id_filleul_utilisateur"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["id_campagne"],
            ["campagne_parrainage.id_campagne"],
            name=op.f("fk_parrainage_id_campagne_campagne_parrainage"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["id_transaction_depot"],
            ["transaction.id_transaction"],
            name=op.f("fk_parrainage_id_transaction_depot_transaction"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id_parrainage", name=op.f("pk_parrainage")),
        sa.UniqueConstraint("id_filleul", name=op.f("uq_parrainage_id_filleul")),
        comment="Qui a invité qui (une ligne par filleul) et où en est sa récompense.",
    )
    op.create_index("ix_parrainage_id_parrain", "parrainage", ["id_parrain", "date_creation"])
    op.create_index("ix_parrainage_id_campagne", "parrainage", ["id_campagne"])
    op.create_index("ix_parrainage_id_transaction_depot", "parrainage", ["id_transaction_depot"])
    op.create_table(
        "recompense_parrainage",
        sa.Column("id_recompense", sa.BigInteger(), nullable=False, comment="Identifiant."),
        sa.Column(
            "id_parrainage", sa.BigInteger(), nullable=True, comment="Parrainage récompensé."
        ),
        sa.Column("id_campagne", sa.Integer(), nullable=False, comment="Campagne."),
        sa.Column("id_parrain", sa.Integer(), nullable=True, comment="Parrain récompensé."),
        sa.Column(
            "id_filleul",
            sa.Integer(),
            nullable=True,
            comment="Filleul récompensé (une seule fois).",
        ),
        sa.Column(
            "empreinte_identifiant",
            sa.String(length=64),
            nullable=False,
            comment="Empreinte à clé (HMAC) du numéro (ou de l'e-mail) du filleul : une seule "
            "récompense par numéro, même après suppression du compte.",
        ),
        sa.Column(
            "montant_parrain", sa.BigInteger(), nullable=False, comment="Bonus versé au parrain."
        ),
        sa.Column(
            "montant_filleul", sa.BigInteger(), nullable=False, comment="Bonus versé au filleul."
        ),
        sa.Column(
            "id_transaction",
            sa.BigInteger(),
            nullable=False,
            comment="Transaction du grand livre qui a versé les deux bonus.",
        ),
        *_timestamps("date_creation|Date du versement."),
        sa.CheckConstraint(
            "montant_parrain >= 0 AND montant_filleul >= 0",
            name=op.f("ck_recompense_parrainage_montants_positifs"),
        ),
        sa.ForeignKeyConstraint(
            ["id_parrainage"],
            ["parrainage.id_parrainage"],
            name=op.f("fk_recompense_parrainage_id_parrainage_parrainage"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["id_campagne"],
            ["campagne_parrainage.id_campagne"],
            name=op.f("fk_recompense_parrainage_id_campagne_campagne_parrainage"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["id_parrain"],
            ["utilisateur.id_user"],
            name=op.f("fk_recompense_parrainage_id_parrain_utilisateur"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["id_filleul"],
            ["utilisateur.id_user"],
            name=op.f("fk_recompense_parrainage_id_filleul_utilisateur"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["id_transaction"],
            ["transaction.id_transaction"],
            name=op.f("fk_recompense_parrainage_id_transaction_transaction"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id_recompense", name=op.f("pk_recompense_parrainage")),
        sa.UniqueConstraint("id_parrainage", name=op.f("uq_recompense_parrainage_id_parrainage")),
        sa.UniqueConstraint("id_filleul", name=op.f("uq_recompense_parrainage_id_filleul")),
        sa.UniqueConstraint(
            "empreinte_identifiant", name=op.f("uq_recompense_parrainage_empreinte_identifiant")
        ),
        sa.UniqueConstraint("id_transaction", name=op.f("uq_recompense_parrainage_id_transaction")),
        comment="Bonus de parrainage versé (une fois par filleul et par numéro).",
    )
    op.create_index("ix_recompense_parrainage_id_parrain", "recompense_parrainage", ["id_parrain"])
    op.create_index(
        "ix_recompense_parrainage_id_campagne", "recompense_parrainage", ["id_campagne"]
    )
    op.drop_constraint(op.f(TYPE_CHECK), "transaction", type_="check")
    op.create_check_constraint(op.f(TYPE_CHECK), "transaction", _in(TYPES_AFTER))
    op.alter_column(
        "transaction",
        "type_transaction",
        existing_type=sa.String(length=20),
        existing_nullable=False,
        comment=_comment(TYPES_AFTER),
        existing_comment=_comment(TYPES_BEFORE),
    )
    _backfill_codes()


def _backfill_codes() -> None:
    """A code for every person without one; a code already taken is drawn again."""
    connection = op.get_bind()
    insert = sa.text(
        "INSERT INTO code_parrainage (id_user, code) VALUES (:id_user, :code)"
        " ON CONFLICT DO NOTHING"
    )
    missing = sa.text(
        "SELECT u.id_user FROM utilisateur u"
        " WHERE NOT EXISTS (SELECT 1 FROM code_parrainage c WHERE c.id_user = u.id_user)"
        " ORDER BY u.id_user LIMIT 5000"
    )
    while True:
        ids = [row.id_user for row in connection.execute(missing)]
        if not ids:
            return
        rows = [
            {"id_user": i, "code": "".join(secrets.choice(ALPHABET) for _ in range(8))} for i in ids
        ]
        connection.execute(insert, rows)


def downgrade() -> None:
    op.alter_column(
        "transaction",
        "type_transaction",
        existing_type=sa.String(length=20),
        existing_nullable=False,
        comment=_comment(TYPES_BEFORE),
        existing_comment=_comment(TYPES_AFTER),
    )
    op.drop_constraint(op.f(TYPE_CHECK), "transaction", type_="check")
    op.create_check_constraint(op.f(TYPE_CHECK), "transaction", _in(TYPES_BEFORE))
    op.drop_table("recompense_parrainage")
    op.drop_table("parrainage")
    op.drop_index("uq_campagne_parrainage_active", table_name="campagne_parrainage")
    op.drop_table("campagne_parrainage")
    op.drop_table("code_parrainage")
