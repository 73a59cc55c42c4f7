"""Changement du numéro de téléphone ou de l'adresse e-mail d'un compte : la table
`changement_identifiant` (une demande en attente au plus par personne) et un nouvel objet de
code OTP, `nouvel_identifiant` (le code envoyé au nouvel identifiant).

Upgrade: the table, its indexes, and `ck_otp_objet_valide` widened. Downgrade: the codes of
the new purpose are deleted (they live 5 minutes and mean nothing to the previous revision),
the CHECK narrowed back, the table dropped. Written by hand.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "changement_identifiant"
OTP_CHECK = "ck_otp_objet_valide"
OTP_BEFORE = "objet IN ('verification', 'reinitialisation')"
OTP_AFTER = "objet IN ('verification', 'reinitialisation', 'nouvel_identifiant')"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column(
            "id_changement",
            sa.BigInteger(),
            nullable=False,
            comment="Identifiant de la demande.",
        ),
        sa.Column(
            "id_user",
            sa.Integer(),
            nullable=False,
            comment="Personne dont l'identifiant change.",
        ),
        sa.Column(
            "type_identifiant",
            sa.String(length=10),
            nullable=False,
            comment="Identifiant remplacé : telephone ou email.",
        ),
        sa.Column(
            "nouvelle_valeur",
            sa.String(length=320),
            nullable=False,
            comment="Nouvel identifiant, normalisé (E.164 ou e-mail en minuscules).",
        ),
        sa.Column(
            "ancienne_valeur",
            sa.String(length=320),
            nullable=True,
            comment="Identifiant remplacé, noté à la confirmation ; vide si la personne n'en "
            "avait pas.",
        ),
        sa.Column(
            "statut",
            sa.String(length=12),
            server_default="en_attente",
            nullable=False,
            comment="État : en_attente, confirme, annule, refuse.",
        ),
        sa.Column(
            "date_demande",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date de la demande (PIN vérifié, code envoyé).",
        ),
        sa.Column(
            "date_cloture",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Date de la confirmation, de l'annulation ou du refus.",
        ),
        sa.CheckConstraint(
            "type_identifiant IN ('telephone', 'email')",
            name=op.f("ck_changement_identifiant_type_valide"),
        ),
        sa.CheckConstraint(
            "statut IN ('en_attente', 'confirme', 'annule', 'refuse')",
            name=op.f("ck_changement_identifiant_statut_valide"),
        ),
        sa.CheckConstraint(
            "(statut = 'en_attente') = (date_cloture IS NULL)",
            name=op.f("ck_changement_identifiant_cloture_datee"),
        ),
        sa.ForeignKeyConstraint(
            ["id_user"],
            ["utilisateur.id_user"],
            name=op.f("fk_changement_identifiant_id_user_utilisateur"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_changement", name=op.f("pk_changement_identifiant")),
        comment="Demande de changement du numéro de téléphone ou de l'adresse e-mail d'un "
        "compte (code envoyé au nouvel identifiant, PIN vérifié).",
    )
    op.create_index(
        "ix_changement_identifiant_id_user_date",
        TABLE,
        ["id_user", "date_demande"],
        unique=False,
    )
    op.create_index(
        "uq_changement_identifiant_en_attente",
        TABLE,
        ["id_user"],
        unique=True,
        postgresql_where=sa.text("statut = 'en_attente'"),
    )
    op.drop_constraint(op.f(OTP_CHECK), "otp", type_="check")
    op.create_check_constraint(op.f(OTP_CHECK), "otp", OTP_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM otp WHERE objet = 'nouvel_identifiant'")
    op.drop_constraint(op.f(OTP_CHECK), "otp", type_="check")
    op.create_check_constraint(op.f(OTP_CHECK), "otp", OTP_BEFORE)
    op.drop_index("uq_changement_identifiant_en_attente", table_name=TABLE)
    op.drop_index("ix_changement_identifiant_id_user_date", table_name=TABLE)
    op.drop_table(TABLE)
