"""`annonce` (owner's table): Hostolink's own announcements (news, campaigns), created by
administrators, shown in a placement during an active window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    flag,
    media_id,
    primary_key,
    timestamp,
    timestamp_now,
    user_id,
    zero,
)
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

    id_annonce: Mapped[int] = primary_key(Integer, "Identifiant.", "9")
    titre: Mapped[str] = column(String(200), "Titre.", "Campagne de vaccination")
    description: Mapped[str | None] = column(Text, "Texte.", "Du 1er au 15 mars dans tous les CSU.")
    id_media: Mapped[int | None] = media_id("RESTRICT", "Image.", "643")
    lien: Mapped[str | None] = column(String(500), "Lien à ouvrir.", "https://www.gouv.ci/")
    emplacement: Mapped[str] = column(
        String(20),
        "Emplacement : " + ", ".join(EMPLACEMENTS) + ".",
        "accueil",
        server_default="accueil",
    )
    priorite: Mapped[int] = zero(SmallInteger, "Ordre d'affichage (décroissant).", "10")
    date_debut: Mapped[datetime] = timestamp("Début d'affichage.", "2026-03-01 00:00:00+00")
    date_fin: Mapped[datetime] = timestamp("Fin d'affichage.", "2026-03-15 23:59:59+00")
    actif: Mapped[bool] = flag(True, "Faux pour retirer l'annonce avant sa fin.", "true")
    id_auteur: Mapped[int | None] = user_id("SET NULL", "Administrateur auteur.", "1")
    date_creation: Mapped[datetime] = timestamp_now("Date de création.", "2026-02-25 10:00:00+00")
