"""`commentaire` (owner's table): a comment on a post, by one person (from the token)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
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

    id_commentaire: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "8801"}
    )
    id_publication: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("publication.id_publication", ondelete="CASCADE"),
        nullable=False,
        comment="Publication commentée.",
        info={"exemple": "5120"},
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        nullable=False,
        comment="Auteur (toujours la personne authentifiée).",
        info={"exemple": "1002"},
    )
    contenu: Mapped[str] = mapped_column(
        Text, nullable=False, comment="Texte du commentaire.", info={"exemple": "Merci !"}
    )
    statut: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        server_default="publie",
        comment="Statut : publie, masque (modération), supprime (par l'auteur).",
        info={"exemple": "publie"},
    )
    date_commentaire: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date du commentaire.",
        info={"exemple": "2026-03-01 12:05:00+00"},
    )
    date_modification: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date de dernière modification.",
        info={"exemple": "2026-03-01 12:06:00+00"},
    )
