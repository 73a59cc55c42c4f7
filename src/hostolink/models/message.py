"""`message` (owner's table): a message in a thematic room. As in the owner's schema, deleting
the author does not delete the message (ON DELETE SET NULL): an expert's answer stays useful
to the room. An answer points at the message it answers (`id_message_parent`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
)
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

    id_message: Mapped[int] = primary_key(BigInteger, "Identifiant.", "120045")
    id_thematique: Mapped[int] = foreign_key(
        Integer, "thematiques.id_thematique", "RESTRICT", "Salon.", "4"
    )
    id_user: Mapped[int | None] = user_id(
        "SET NULL", "Auteur ; vide si son compte a été supprimé.", "1002"
    )
    type_message: Mapped[str] = column(
        String(10), "Type : texte ou image.", "texte", server_default="texte"
    )
    contenu: Mapped[str | None] = column(
        Text, "Texte (légende pour une image).", "Quels vaccins à 9 mois ?"
    )
    id_media: Mapped[int | None] = media_id("RESTRICT", "Image envoyée.", "642")
    id_message_parent: Mapped[int | None] = foreign_key(
        BigInteger, "message.id_message", "SET NULL", "Message auquel celui-ci répond.", "120040"
    )
    reponse_expert: Mapped[bool] = flag(
        False, "Vrai quand l'auteur répond en tant qu'expert de santé.", "true"
    )
    statut: Mapped[str] = column(
        String(10),
        "Statut : publie, masque (modération), supprime (par l'auteur).",
        "publie",
        server_default="publie",
    )
    date_envoi: Mapped[datetime] = timestamp_now("Date d'envoi.", "2026-03-01 12:00:00+00")
    date_modification: Mapped[datetime | None] = timestamp(
        "Date de dernière modification.", "2026-03-01 12:01:00+00"
    )
