"""`annonce` (owner's table): Hostolink's own announcements (news, campaigns), created by
administrators, shown in a placement during an active window."""

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
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

EMPLACEMENTS = ("accueil", "portefeuille", "sante", "social", "discussions")


class Annonce(Base):
    __tablename__ = "annonce"
    __table_args__ = (
        CheckConstraint(one_of("emplacement", EMPLACEMENTS), name="emplacement_valide"),
        CheckConstraint("date_fin > date_debut", name="periode_valide"),
        Index(
            "ix_annonce_actives",
            "emplacement",
            "date_fin",
            postgresql_where=text("actif"),
        ),
        {"comment": "Annonce de Hostolink, affichée dans un emplacement pendant une période."},
    )

    id_annonce: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="Identifiant.", info={"exemple": "9"}
    )
    titre: Mapped[str] = mapped_column(
        String(200),
        nullable=False,
        comment="Titre.",
        info={"exemple": "Campagne de vaccination"},
    )
    description: Mapped[str | None] = mapped_column(
        Text, comment="Texte.", info={"exemple": "Du 1er au 15 mars dans tous les CSU."}
    )
    id_media: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("media.id_media", ondelete="RESTRICT"),
        comment="Image.",
        info={"exemple": "643"},
    )
    lien: Mapped[str | None] = mapped_column(
        String(500), comment="Lien à ouvrir.", info={"exemple": "https://www.gouv.ci/"}
    )
    emplacement: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        server_default="accueil",
        comment="Emplacement : " + ", ".join(EMPLACEMENTS) + ".",
        info={"exemple": "accueil"},
    )
    priorite: Mapped[int] = mapped_column(
        SmallInteger,
        nullable=False,
        server_default="0",
        comment="Ordre d'affichage (décroissant).",
        info={"exemple": "10"},
    )
    date_debut: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        comment="Début d'affichage.",
        info={"exemple": "2026-03-01 00:00:00+00"},
    )
    date_fin: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        comment="Fin d'affichage.",
        info={"exemple": "2026-03-15 23:59:59+00"},
    )
    actif: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("true"),
        comment="Faux pour retirer l'annonce avant sa fin.",
        info={"exemple": "true"},
    )
    id_auteur: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="SET NULL"),
        comment="Administrateur auteur.",
        info={"exemple": "1"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de création.",
        info={"exemple": "2026-02-25 10:00:00+00"},
    )
