"""The help desk (assistance): a person's conversations with the support agents, their
messages (with the agents' internal notes, which the person never sees) and the agents'
canned answers.

- `conversation_assistance`: opened by a person, about a subject and optionally one of
  their transactions or provider operations. Its status says whose turn it is: `nouvelle`
  (nobody took it yet), `en_cours` (an agent holds it, the person spoke last),
  `attente_utilisateur` (the agent answered), `resolue`. A person writing again reopens it.
  `date_premiere_reponse` and `date_resolution` give the service-level figures; each side's
  read marker is the id of the last message it saw.
- `message_assistance`: cursor on `id_message` within a conversation; `interne` marks an
  agent's note; a moderator may hide a message (`masque`).
- `reponse_type`: texts agents insert in an answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    flag,
    foreign_key,
    media_id,
    primary_key,
    timestamp,
    timestamp_now,
    user_id,
)
from hostolink.models.types import one_of

STATUTS_CONVERSATION = ("nouvelle", "en_cours", "attente_utilisateur", "resolue")
# Open: in an agent's queue or waiting for the person.
STATUTS_OUVERTS = ("nouvelle", "en_cours", "attente_utilisateur")
AUTEURS = ("utilisateur", "agent", "systeme")
STATUTS_MESSAGE = ("publie", "masque")


class ConversationAssistance(Base):
    __tablename__ = "conversation_assistance"
    __table_args__ = (
        CheckConstraint(one_of("statut", STATUTS_CONVERSATION), name="statut_valide"),
        CheckConstraint("length(btrim(sujet)) > 0", name="sujet_non_vide"),
        CheckConstraint("num_nonnulls(id_transaction, id_operation) <= 1", name="un_seul_objet"),
        CheckConstraint(
            "(statut = 'resolue') = (date_resolution IS NOT NULL)", name="resolution_datee"
        ),
        # The agents' queue: by status, oldest activity first.
        Index("ix_conversation_assistance_statut_date", "statut", "date_dernier_message"),
        Index("ix_conversation_assistance_id_agent_statut", "id_agent", "statut"),
        Index("ix_conversation_assistance_id_user_date", "id_user", "date_dernier_message"),
        Index("ix_conversation_assistance_id_transaction", "id_transaction"),
        Index("ix_conversation_assistance_id_operation", "id_operation"),
        {"comment": "Conversation d'une personne avec le support (assistance)."},
    )

    id_conversation: Mapped[int] = primary_key(BigInteger, "Identifiant.", "5012")
    id_user: Mapped[int] = user_id(
        "CASCADE", "Personne qui a ouvert la conversation.", "1002", nullable=False
    )
    sujet: Mapped[str] = column(String(150), "Sujet.", "Retrait Orange Money non reçu")
    statut: Mapped[str] = column(
        String(20),
        "Statut : " + ", ".join(STATUTS_CONVERSATION) + ".",
        "en_cours",
        server_default="nouvelle",
    )
    id_agent: Mapped[int | None] = user_id("SET NULL", "Agent qui suit la conversation.", "7")
    id_transaction: Mapped[int | None] = foreign_key(
        BigInteger,
        "transaction.id_transaction",
        "RESTRICT",
        "Transaction de la personne dont il est question.",
        "90211",
    )
    id_operation: Mapped[int | None] = foreign_key(
        BigInteger,
        "operation_fournisseur.id_operation",
        "RESTRICT",
        "Dépôt ou retrait de la personne dont il est question.",
        "77",
    )
    dernier_lu_utilisateur: Mapped[int | None] = column(
        BigInteger, "Dernier message vu par la personne (id_message).", "88120"
    )
    dernier_lu_agent: Mapped[int | None] = column(
        BigInteger, "Dernier message vu par le support (id_message).", "88121"
    )
    date_creation: Mapped[datetime] = timestamp_now("Date d'ouverture.", "2026-12-05 09:00:00+00")
    date_dernier_message: Mapped[datetime] = timestamp_now(
        "Date du dernier message public.", "2026-12-05 09:12:00+00"
    )
    date_premiere_reponse: Mapped[datetime | None] = timestamp(
        "Date de la première réponse d'un agent.", "2026-12-05 09:05:00+00"
    )
    date_resolution: Mapped[datetime | None] = timestamp(
        "Date de résolution (vide tant qu'elle est ouverte).", "2026-12-05 10:00:00+00"
    )


class MessageAssistance(Base):
    __tablename__ = "message_assistance"
    __table_args__ = (
        CheckConstraint(one_of("auteur", AUTEURS), name="auteur_valide"),
        CheckConstraint(one_of("statut", STATUTS_MESSAGE), name="statut_valide"),
        CheckConstraint("NOT interne OR auteur = 'agent'", name="note_d_agent"),
        CheckConstraint(
            "length(btrim(contenu)) > 0 OR id_media IS NOT NULL", name="contenu_ou_piece"
        ),
        Index("ix_message_assistance_id_conversation_id_message", "id_conversation", "id_message"),
        Index("ix_message_assistance_id_media", "id_media"),
        {"comment": "Message d'une conversation d'assistance (ou note interne d'un agent)."},
    )

    id_message: Mapped[int] = primary_key(BigInteger, "Identifiant.", "88121")
    id_conversation: Mapped[int] = foreign_key(
        BigInteger,
        "conversation_assistance.id_conversation",
        "CASCADE",
        "Conversation.",
        "5012",
        nullable=False,
    )
    id_auteur: Mapped[int | None] = user_id(
        "SET NULL", "Auteur ; vide pour un message du système.", "7"
    )
    auteur: Mapped[str] = column(
        String(12), "Côté de l'auteur : " + ", ".join(AUTEURS) + ".", "agent"
    )
    interne: Mapped[bool] = flag(
        False, "Note interne d'agent, jamais montrée à la personne.", "false"
    )
    contenu: Mapped[str | None] = column(
        Text, "Texte du message.", "Nous avons retrouvé votre retrait."
    )
    id_media: Mapped[int | None] = media_id("RESTRICT", "Pièce jointe (image privée).", "642")
    statut: Mapped[str] = column(
        String(10),
        "Statut : publie, masque (modération).",
        "publie",
        server_default="publie",
    )
    date_envoi: Mapped[datetime] = timestamp_now("Date d'envoi.", "2026-12-05 09:05:00+00")


class ReponseType(Base):
    __tablename__ = "reponse_type"
    __table_args__ = (
        CheckConstraint("length(btrim(titre)) > 0", name="titre_non_vide"),
        CheckConstraint("length(btrim(contenu)) > 0", name="contenu_non_vide"),
        Index("uq_reponse_type_titre", text("lower(titre)"), unique=True),
        {"comment": "Réponse type que les agents insèrent dans une réponse."},
    )

    id_reponse: Mapped[int] = primary_key(Integer, "Identifiant.", "3")
    titre: Mapped[str] = column(String(120), "Titre court.", "Retrait en cours de vérification")
    contenu: Mapped[str] = column(
        Text, "Texte inséré.", "Votre retrait est en cours de vérification auprès de l'opérateur."
    )
    active: Mapped[bool] = flag(True, "Proposée aux agents.", "true")
    id_modifie_par: Mapped[int | None] = user_id(
        "SET NULL", "Auteur de la dernière modification.", "7"
    )
    date_creation: Mapped[datetime] = timestamp_now("Date de création.", "2026-12-01 10:00:00+00")
    date_modification: Mapped[datetime] = timestamp_now(
        "Date de dernière modification.", "2026-12-01 10:00:00+00"
    )
