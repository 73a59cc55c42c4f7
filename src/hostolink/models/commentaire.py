"""`commentaire` (owner's table): a comment on a post, by one person (from the token)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    foreign_key,
    primary_key,
    timestamp,
    timestamp_now,
    user_id,
)
from hostolink.models.publication import STATUTS_CONTENU
from hostolink.models.types import one_of


class Commentaire(Base):
    __tablename__ = "commentaire"
    __table_args__ = (
        CheckConstraint(one_of("statut", STATUTS_CONTENU), name="statut_valide"),
        CheckConstraint("length(btrim(contenu)) > 0", name="contenu_non_vide"),
        Index(
            "ix_commentaire_id_publication_date",
            "id_publication",
            "date_commentaire",
            "id_commentaire",
        ),
        Index("ix_commentaire_id_user", "id_user"),
        {"comment": "Commentaire d'une publication."},
    )

    id_commentaire: Mapped[int] = primary_key(BigInteger, "Identifiant.", "8801")
    id_publication: Mapped[int] = foreign_key(
        BigInteger, "publication.id_publication", "CASCADE", "Publication commentée.", "5120"
    )
    id_user: Mapped[int] = user_id("CASCADE", "Auteur (toujours la personne authentifiée).", "1002")
    contenu: Mapped[str] = column(Text, "Texte du commentaire.", "Merci !")
    statut: Mapped[str] = column(
        String(10),
        "Statut : publie, masque (modération), supprime (par l'auteur).",
        "publie",
        server_default="publie",
    )
    date_commentaire: Mapped[datetime] = timestamp_now(
        "Date du commentaire.", "2026-03-01 12:05:00+00"
    )
    date_modification: Mapped[datetime | None] = timestamp(
        "Date de dernière modification.", "2026-03-01 12:06:00+00"
    )
