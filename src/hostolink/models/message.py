"""`message` (owner's table): a message in a thematic room. As in the owner's schema, deleting
the author does not delete the message (ON DELETE SET NULL): an expert's answer stays useful
to the room. An answer points at the message it answers (`id_message_parent`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.publication import STATUTS_CONTENU
from hostolink.models.types import one_of

TYPES_MESSAGE = ("texte", "image")


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (
        CheckConstraint(one_of("type_message", TYPES_MESSAGE), name="type_valide"),
        CheckConstraint(one_of("statut", STATUTS_CONTENU), name="statut_valide"),
        CheckConstraint(
            "(type_message = 'image' AND id_media IS NOT NULL)"
            " OR (type_message <> 'image' AND length(btrim(contenu)) > 0)",
            name="contenu_selon_type",
        ),
        CheckConstraint("id_message_parent <> id_message", name="pas_reponse_a_soi"),
        # History of a room, cursor on id_message (monotonic within the room).
        Index("ix_message_id_thematique_id_message", "id_thematique", "id_message"),
        Index("ix_message_id_message_parent", "id_message_parent"),
        Index("ix_message_id_user", "id_user"),
        {"comment": "Message d'un salon thématique (question, réponse d'expert, image)."},
    )

    id_message: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "120045"}
    )
    id_thematique: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("thematiques.id_thematique", ondelete="RESTRICT"),
        nullable=False,
        comment="Salon.",
        info={"exemple": "4"},
    )
    id_user: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="SET NULL"),
        comment="Auteur ; vide si son compte a été supprimé.",
        info={"exemple": "1002"},
    )
    type_message: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        server_default="texte",
        comment="Type : texte ou image.",
        info={"exemple": "texte"},
    )
    contenu: Mapped[str | None] = mapped_column(
        Text,
        comment="Texte (légende pour une image).",
        info={"exemple": "Quels vaccins à 9 mois ?"},
    )
    id_media: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("media.id_media", ondelete="RESTRICT"),
        comment="Image envoyée.",
        info={"exemple": "642"},
    )
    id_message_parent: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("message.id_message", ondelete="SET NULL"),
        comment="Message auquel celui-ci répond.",
        info={"exemple": "120040"},
    )
    reponse_expert: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="Vrai quand l'auteur répond en tant qu'expert de santé.",
        info={"exemple": "true"},
    )
    statut: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        server_default="publie",
        comment="Statut : publie, masque (modération), supprime (par l'auteur).",
        info={"exemple": "publie"},
    )
    date_envoi: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date d'envoi.",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
    date_modification: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date de dernière modification.",
        info={"exemple": "2026-03-01 12:01:00+00"},
    )
