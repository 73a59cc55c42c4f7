"""Assistance : conversations avec le support, messages et notes internes, réponses types,
réclamations (table `reclamations` du propriétaire, jamais utilisée jusqu'ici) et FAQ.

Upgrade: the five tables, and `assistance` as a media usage, always private (the CHECKs of
`media`, which autogenerate does not see). Downgrade: the tables go, and the media CHECKs
come back (refused while an `assistance` file remains: erase those first).
Drafted by autogenerate, reviewed and completed by hand.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


USAGES_BEFORE = (
    "photo_profil",
    "publication",
    "message",
    "thematique",
    "annonce",
    "publicite",
    "etablissement",
    "identite",
)
USAGES_AFTER = (*USAGES_BEFORE, "assistance")
NOTIFICATIONS_BEFORE = (
    "argent_recu",
    "argent_envoye",
    "paiement_recu",
    "depot_credite",
    "depot_echoue",
    "retrait_envoye",
    "retrait_echoue",
    "remboursement",
    "commentaire",
    "like",
    "reponse_expert",
    "identite",
    "systeme",
)
NOTIFICATIONS_AFTER = (*NOTIFICATIONS_BEFORE, "assistance", "reclamation")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _usage_check(values: tuple[str, ...]) -> str:
    return _in("usage", values)


def _notification_types(values: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_notification_type_valide"), "notification", type_="check")
    op.create_check_constraint("type_valide", "notification", _in("type_notification", values))
    op.alter_column(
        "notification",
        "type_notification",
        existing_type=sa.VARCHAR(length=20),
        comment="Type : " + ", ".join(values) + ".",
        existing_nullable=False,
    )


def _comment(values: tuple[str, ...]) -> str:
    return "Usage : " + ", ".join(values) + "."


def upgrade() -> None:
    op.create_table(
        "question_frequente",
        sa.Column("id_question", sa.Integer(), nullable=False, comment="Identifiant."),
        sa.Column("question", sa.String(length=300), nullable=False, comment="Question."),
        sa.Column("reponse", sa.Text(), nullable=False, comment="Réponse."),
        sa.Column(
            "categorie",
            sa.String(length=60),
            server_default="Général",
            nullable=False,
            comment="Catégorie affichée.",
        ),
        sa.Column(
            "ordre",
            sa.Integer(),
            server_default="0",
            nullable=False,
            comment="Rang dans sa catégorie.",
        ),
        sa.Column(
            "publiee",
            sa.Boolean(),
            server_default=sa.text("true"),
            nullable=False,
            comment="Visible du public.",
        ),
        sa.Column(
            "texte_recherche",
            sa.Text(),
            nullable=False,
            comment="Mots repliés (minuscules, sans accents) pour la recherche.",
        ),
        sa.Column(
            "id_modifie_par",
            sa.Integer(),
            nullable=True,
            comment="Auteur de la dernière modification.",
        ),
        sa.Column(
            "date_creation",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date de création.",
        ),
        sa.Column(
            "date_modification",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date de dernière modification.",
        ),
        sa.CheckConstraint(
            "length(btrim(question)) > 0", name=op.f("ck_question_frequente_question_non_vide")
        ),
        sa.CheckConstraint(
            "length(btrim(reponse)) > 0", name=op.f("ck_question_frequente_reponse_non_vide")
        ),
        sa.ForeignKeyConstraint(
            ["id_modifie_par"],
            ["utilisateur.id_user"],
            name=op.f("fk_question_frequente_id_modifie_par_utilisateur"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id_question", name=op.f("pk_question_frequente")),
        comment="Question fréquente (FAQ) de l'écran d'aide.",
    )
    op.create_index(
        "ix_question_frequente_publiee_ordre",
        "question_frequente",
        ["publiee", "categorie", "ordre"],
        unique=False,
    )
    op.create_table(
        "reponse_type",
        sa.Column("id_reponse", sa.Integer(), nullable=False, comment="Identifiant."),
        sa.Column("titre", sa.String(length=120), nullable=False, comment="Titre court."),
        sa.Column("contenu", sa.Text(), nullable=False, comment="Texte inséré."),
        sa.Column(
            "active",
            sa.Boolean(),
            server_default=sa.text("true"),
            nullable=False,
            comment="Proposée aux agents.",
        ),
        sa.Column(
            "id_modifie_par",
            sa.Integer(),
            nullable=True,
            comment="Auteur de la dernière modification.",
        ),
        sa.Column(
            "date_creation",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date de création.",
        ),
        sa.Column(
            "date_modification",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date de dernière modification.",
        ),
        sa.CheckConstraint(
            "length(btrim(contenu)) > 0", name=op.f("ck_reponse_type_contenu_non_vide")
        ),
        sa.CheckConstraint("length(btrim(titre)) > 0", name=op.f("ck_reponse_type_titre_non_vide")),
        sa.ForeignKeyConstraint(
            ["id_modifie_par"],
            ["utilisateur.id_user"],
            name=op.f("fk_reponse_type_id_modifie_par_utilisateur"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id_reponse", name=op.f("pk_reponse_type")),
        comment="Réponse type que les agents insèrent dans une réponse.",
    )
    op.create_index(
        "uq_reponse_type_titre", "reponse_type", [sa.literal_column("lower(titre)")], unique=True
    )
    op.create_table(
        "conversation_assistance",
        sa.Column("id_conversation", sa.BigInteger(), nullable=False, comment="Identifiant."),
        sa.Column(
            "id_user",
            sa.Integer(),
            nullable=False,
            comment="Personne qui a ouvert la conversation.",
        ),
        sa.Column("sujet", sa.String(length=150), nullable=False, comment="Sujet."),
        sa.Column(
            "statut",
            sa.String(length=20),
            server_default="nouvelle",
            nullable=False,
            comment="Statut : nouvelle, en_cours, attente_utilisateur, resolue.",
        ),
        sa.Column(
            "id_agent", sa.Integer(), nullable=True, comment="Agent qui suit la conversation."
        ),
        sa.Column(
            "id_transaction",
            sa.BigInteger(),
            nullable=True,
            comment="Transaction de la personne dont il est question.",
        ),
        sa.Column(
            "id_operation",
            sa.BigInteger(),
            nullable=True,
            comment="Dépôt ou retrait de la personne dont il est question.",
        ),
        sa.Column(
            "dernier_lu_utilisateur",
            sa.BigInteger(),
            nullable=True,
            comment="Dernier message vu par la personne (id_message).",
        ),
        sa.Column(
            "dernier_lu_agent",
            sa.BigInteger(),
            nullable=True,
            comment="Dernier message vu par le support (id_message).",
        ),
        sa.Column(
            "date_creation",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date d'ouverture.",
        ),
        sa.Column(
            "date_dernier_message",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date du dernier message public.",
        ),
        sa.Column(
            "date_premiere_reponse",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Date de la première réponse d'un agent.",
        ),
        sa.Column(
            "date_resolution",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Date de résolution (vide tant qu'elle est ouverte).",
        ),
        sa.CheckConstraint(
            "(statut = 'resolue') = (date_resolution IS NOT NULL)",
            name=op.f("ck_conversation_assistance_resolution_datee"),
        ),
        sa.CheckConstraint(
            "statut IN ('nouvelle', 'en_cours', 'attente_utilisateur', 'resolue')",
            name=op.f("ck_conversation_assistance_statut_valide"),
        ),
        sa.CheckConstraint(
            "length(btrim(sujet)) > 0", name=op.f("ck_conversation_assistance_sujet_non_vide")
        ),
        sa.CheckConstraint(
            "num_nonnulls(id_transaction, id_operation) <= 1",
            name=op.f("ck_conversation_assistance_un_seul_objet"),
        ),
        sa.ForeignKeyConstraint(
            ["id_agent"],
            ["utilisateur.id_user"],
            name=op.f("fk_conversation_assistance_id_agent_utilisateur"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["id_operation"],
            ["operation_fournisseur.id_operation"],
            name=op.f("fk_conversation_assistance_id_operation_operation_fournisseur"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["id_transaction"],
            ["transaction.id_transaction"],
            name=op.f("fk_conversation_assistance_id_transaction_transaction"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["id_user"],
            ["utilisateur.id_user"],
            name=op.f("fk_conversation_assistance_id_user_utilisateur"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_conversation", name=op.f("pk_conversation_assistance")),
        comment="Conversation d'une personne avec le support (assistance).",
    )
    op.create_index(
        "ix_conversation_assistance_id_agent_statut",
        "conversation_assistance",
        ["id_agent", "statut"],
        unique=False,
    )
    op.create_index(
        "ix_conversation_assistance_id_operation",
        "conversation_assistance",
        ["id_operation"],
        unique=False,
    )
    op.create_index(
        "ix_conversation_assistance_id_transaction",
        "conversation_assistance",
        ["id_transaction"],
        unique=False,
    )
    op.create_index(
        "ix_conversation_assistance_id_user_date",
        "conversation_assistance",
        ["id_user", "date_dernier_message"],
        unique=False,
    )
    op.create_index(
        "ix_conversation_assistance_statut_date",
        "conversation_assistance",
        ["statut", "date_dernier_message"],
        unique=False,
    )
    op.create_table(
        "message_assistance",
        sa.Column("id_message", sa.BigInteger(), nullable=False, comment="Identifiant."),
        sa.Column("id_conversation", sa.BigInteger(), nullable=False, comment="Conversation."),
        sa.Column(
            "id_auteur",
            sa.Integer(),
            nullable=True,
            comment="Auteur ; vide pour un message du système.",
        ),
        sa.Column(
            "auteur",
            sa.String(length=12),
            nullable=False,
            comment="Côté de l'auteur : utilisateur, agent, systeme.",
        ),
        sa.Column(
            "interne",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="Note interne d'agent, jamais montrée à la personne.",
        ),
        sa.Column("contenu", sa.Text(), nullable=True, comment="Texte du message."),
        sa.Column(
            "id_media", sa.BigInteger(), nullable=True, comment="Pièce jointe (image privée)."
        ),
        sa.Column(
            "statut",
            sa.String(length=10),
            server_default="publie",
            nullable=False,
            comment="Statut : publie, masque (modération).",
        ),
        sa.Column(
            "date_envoi",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date d'envoi.",
        ),
        sa.CheckConstraint(
            "NOT interne OR auteur = 'agent'", name=op.f("ck_message_assistance_note_d_agent")
        ),
        sa.CheckConstraint(
            "auteur IN ('utilisateur', 'agent', 'systeme')",
            name=op.f("ck_message_assistance_auteur_valide"),
        ),
        sa.CheckConstraint(
            "statut IN ('publie', 'masque')", name=op.f("ck_message_assistance_statut_valide")
        ),
        sa.CheckConstraint(
            "length(btrim(contenu)) > 0 OR id_media IS NOT NULL",
            name=op.f("ck_message_assistance_contenu_ou_piece"),
        ),
        sa.ForeignKeyConstraint(
            ["id_auteur"],
            ["utilisateur.id_user"],
            name=op.f("fk_message_assistance_id_auteur_utilisateur"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["id_conversation"],
            ["conversation_assistance.id_conversation"],
            name=op.f("fk_message_assistance_id_conversation_conversation_assistance"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["id_media"],
            ["media.id_media"],
            name=op.f("fk_message_assistance_id_media_media"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id_message", name=op.f("pk_message_assistance")),
        comment="Message d'une conversation d'assistance (ou note interne d'un agent).",
    )
    op.create_index(
        "ix_message_assistance_id_conversation_id_message",
        "message_assistance",
        ["id_conversation", "id_message"],
        unique=False,
    )
    op.create_index(
        "ix_message_assistance_id_media", "message_assistance", ["id_media"], unique=False
    )
    op.create_table(
        "reclamations",
        sa.Column("id_reclamation", sa.BigInteger(), nullable=False, comment="Identifiant."),
        sa.Column(
            "id_conversation",
            sa.BigInteger(),
            nullable=False,
            comment="Conversation d'assistance où elle a été ouverte.",
        ),
        sa.Column("id_user", sa.Integer(), nullable=False, comment="Personne qui réclame."),
        sa.Column(
            "id_transaction", sa.BigInteger(), nullable=True, comment="Transaction contestée."
        ),
        sa.Column(
            "id_operation", sa.BigInteger(), nullable=True, comment="Dépôt ou retrait contesté."
        ),
        sa.Column(
            "categorie",
            sa.String(length=30),
            server_default="autre",
            nullable=False,
            comment="Motif : operation_echouee, montant_incorrect, non_recu, non_autorisee, autre.",
        ),
        sa.Column("description", sa.Text(), nullable=False, comment="Ce que la personne explique."),
        sa.Column(
            "statut",
            sa.String(length=12),
            server_default="ouverte",
            nullable=False,
            comment="Statut : ouverte, a_approuver, resolue, rejetee.",
        ),
        sa.Column(
            "resolution",
            sa.String(length=20),
            nullable=True,
            comment="Décision : contre_passation, ajustement_credit, ajustement_debit, sans_suite.",
        ),
        sa.Column(
            "montant",
            sa.BigInteger(),
            nullable=True,
            comment="Montant rendu ou repris, francs CFA.",
        ),
        sa.Column(
            "motif_decision", sa.Text(), nullable=True, comment="Motif de la décision (journalisé)."
        ),
        sa.Column(
            "id_agent_propose",
            sa.Integer(),
            nullable=True,
            comment="Agent qui a proposé la décision.",
        ),
        sa.Column(
            "date_proposition",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Date de la proposition.",
        ),
        sa.Column(
            "id_approbateur",
            sa.Integer(),
            nullable=True,
            comment="Seconde personne qui a approuvé (au-delà du seuil).",
        ),
        sa.Column(
            "date_decision",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Date de la décision finale.",
        ),
        sa.Column(
            "id_transaction_resultat",
            sa.BigInteger(),
            nullable=True,
            comment="Contre-passation ou ajustement passé.",
        ),
        sa.Column(
            "date_ouverture",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date d'ouverture.",
        ),
        sa.Column(
            "date_modification",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="Date de dernière modification.",
        ),
        sa.CheckConstraint(
            "categorie IN ('operation_echouee', 'montant_incorrect', 'non_recu', 'non_autorisee', 'autre')",
            name=op.f("ck_reclamations_categorie_valide"),
        ),
        sa.CheckConstraint(
            "resolution IS NULL OR resolution IN ('contre_passation', 'ajustement_credit', 'ajustement_debit', 'sans_suite')",
            name=op.f("ck_reclamations_resolution_valide"),
        ),
        sa.CheckConstraint(
            "resolution NOT IN ('ajustement_credit', 'ajustement_debit') OR montant IS NOT NULL",
            name=op.f("ck_reclamations_montant_d_ajustement"),
        ),
        sa.CheckConstraint(
            "statut = 'ouverte' OR (resolution IS NOT NULL AND motif_decision IS NOT NULL)",
            name=op.f("ck_reclamations_decision_motivee"),
        ),
        sa.CheckConstraint(
            "statut IN ('ouverte', 'a_approuver', 'resolue', 'rejetee')",
            name=op.f("ck_reclamations_statut_valide"),
        ),
        sa.CheckConstraint(
            "id_approbateur <> id_agent_propose", name=op.f("ck_reclamations_quatre_yeux")
        ),
        sa.CheckConstraint(
            "length(btrim(description)) > 0", name=op.f("ck_reclamations_description_non_vide")
        ),
        sa.CheckConstraint(
            "montant IS NULL OR montant > 0", name=op.f("ck_reclamations_montant_positif")
        ),
        sa.CheckConstraint(
            "num_nonnulls(id_transaction, id_operation) = 1",
            name=op.f("ck_reclamations_un_seul_objet"),
        ),
        sa.ForeignKeyConstraint(
            ["id_agent_propose"],
            ["utilisateur.id_user"],
            name=op.f("fk_reclamations_id_agent_propose_utilisateur"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["id_approbateur"],
            ["utilisateur.id_user"],
            name=op.f("fk_reclamations_id_approbateur_utilisateur"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["id_conversation"],
            ["conversation_assistance.id_conversation"],
            name=op.f("fk_reclamations_id_conversation_conversation_assistance"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["id_operation"],
            ["operation_fournisseur.id_operation"],
            name=op.f("fk_reclamations_id_operation_operation_fournisseur"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["id_transaction"],
            ["transaction.id_transaction"],
            name=op.f("fk_reclamations_id_transaction_transaction"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["id_transaction_resultat"],
            ["transaction.id_transaction"],
            name=op.f("fk_reclamations_id_transaction_resultat_transaction"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["id_user"],
            ["utilisateur.id_user"],
            name=op.f("fk_reclamations_id_user_utilisateur"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_reclamation", name=op.f("pk_reclamations")),
        comment="Réclamation d'une personne sur une transaction ou une opération.",
    )
    op.create_index(
        "ix_reclamations_id_conversation", "reclamations", ["id_conversation"], unique=False
    )
    op.create_index("ix_reclamations_id_user", "reclamations", ["id_user"], unique=False)
    op.create_index(
        "ix_reclamations_statut_date", "reclamations", ["statut", "date_ouverture"], unique=False
    )
    op.create_index(
        "uq_reclamations_operation_en_cours",
        "reclamations",
        ["id_operation"],
        unique=True,
        postgresql_where=sa.text("statut IN ('ouverte', 'a_approuver')"),
    )
    op.create_index(
        "uq_reclamations_transaction_en_cours",
        "reclamations",
        ["id_transaction"],
        unique=True,
        postgresql_where=sa.text("statut IN ('ouverte', 'a_approuver')"),
    )
    op.drop_constraint(op.f("ck_media_usage_valide"), "media", type_="check")
    op.create_check_constraint("usage_valide", "media", _usage_check(USAGES_AFTER))
    op.create_check_constraint("assistance_privee", "media", "usage <> 'assistance' OR prive")
    _notification_types(NOTIFICATIONS_AFTER)
    op.alter_column(
        "media",
        "usage",
        existing_type=sa.VARCHAR(length=20),
        comment=_comment(USAGES_AFTER),
        existing_comment=_comment(USAGES_BEFORE),
        existing_nullable=False,
    )


def downgrade() -> None:
    op.execute("DELETE FROM notification WHERE type_notification IN ('assistance', 'reclamation')")
    _notification_types(NOTIFICATIONS_BEFORE)
    op.drop_constraint(op.f("ck_media_assistance_privee"), "media", type_="check")
    op.drop_constraint(op.f("ck_media_usage_valide"), "media", type_="check")
    op.create_check_constraint("usage_valide", "media", _usage_check(USAGES_BEFORE))
    op.alter_column(
        "media",
        "usage",
        existing_type=sa.VARCHAR(length=20),
        comment=_comment(USAGES_BEFORE),
        existing_comment=_comment(USAGES_AFTER),
        existing_nullable=False,
    )
    op.drop_index(
        "uq_reclamations_transaction_en_cours",
        table_name="reclamations",
        postgresql_where=sa.text("statut IN ('ouverte', 'a_approuver')"),
    )
    op.drop_index(
        "uq_reclamations_operation_en_cours",
        table_name="reclamations",
        postgresql_where=sa.text("statut IN ('ouverte', 'a_approuver')"),
    )
    op.drop_index("ix_reclamations_statut_date", table_name="reclamations")
    op.drop_index("ix_reclamations_id_user", table_name="reclamations")
    op.drop_index("ix_reclamations_id_conversation", table_name="reclamations")
    op.drop_table("reclamations")
    op.drop_index("ix_message_assistance_id_media", table_name="message_assistance")
    op.drop_index(
        "ix_message_assistance_id_conversation_id_message", table_name="message_assistance"
    )
    op.drop_table("message_assistance")
    op.drop_index("ix_conversation_assistance_statut_date", table_name="conversation_assistance")
    op.drop_index("ix_conversation_assistance_id_user_date", table_name="conversation_assistance")
    op.drop_index("ix_conversation_assistance_id_transaction", table_name="conversation_assistance")
    op.drop_index("ix_conversation_assistance_id_operation", table_name="conversation_assistance")
    op.drop_index(
        "ix_conversation_assistance_id_agent_statut", table_name="conversation_assistance"
    )
    op.drop_table("conversation_assistance")
    op.drop_index("uq_reponse_type_titre", table_name="reponse_type")
    op.drop_table("reponse_type")
    op.drop_index("ix_question_frequente_publiee_ordre", table_name="question_frequente")
    op.drop_table("question_frequente")
