"""`publicite` (owner's table): paid advertising for a third-party advertiser, distinct
from `annonce` (Hostolink's own news): it has an advertiser and counts impressions and
clicks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.annonce import EMPLACEMENTS
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


class Publicite(Base):
    __tablename__ = "publicite"
    __table_args__ = (
        CheckConstraint(one_of("emplacement", EMPLACEMENTS), name="emplacement_valide"),
        CheckConstraint("date_fin > date_debut", name="periode_valide"),
        CheckConstraint("nombre_impressions >= 0 AND nombre_clics >= 0", name="compteurs_positifs"),
        Index(
            "ix_publicite_actives",
            "emplacement",
            "date_fin",
            postgresql_where=text("actif"),
        ),
        {"comment": "Publicité d'un annonceur, affichée dans un emplacement pendant une période."},
    )

    id_publicite: Mapped[int] = primary_key(Integer, "Identifiant.", "3")
    annonceur: Mapped[str] = column(String(150), "Annonceur.", "Pharmacie du Plateau")
    titre: Mapped[str] = column(String(200), "Titre.", "-20 % sur les vitamines")
    description: Mapped[str | None] = column(Text, "Texte.", "Jusqu'au 31 mars.")
    id_media: Mapped[int | None] = media_id("RESTRICT", "Visuel.", "644")
    url_cible: Mapped[str | None] = column(
        String(500), "Lien de l'annonceur.", "https://example.ci/promo"
    )
    emplacement: Mapped[str] = column(
        String(20),
        "Emplacement : " + ", ".join(EMPLACEMENTS) + ".",
        "sante",
        server_default="accueil",
    )
    priorite: Mapped[int] = zero(SmallInteger, "Ordre d'affichage (décroissant).", "0")
    date_debut: Mapped[datetime] = timestamp("Début de diffusion.", "2026-03-01 00:00:00+00")
    date_fin: Mapped[datetime] = timestamp("Fin de diffusion.", "2026-03-31 23:59:59+00")
    actif: Mapped[bool] = flag(True, "Faux pour suspendre la diffusion.", "true")
    nombre_impressions: Mapped[int] = zero(BigInteger, "Affichages comptés.", "15400")
    nombre_clics: Mapped[int] = zero(BigInteger, "Clics comptés.", "320")
    id_auteur: Mapped[int | None] = user_id("SET NULL", "Administrateur qui l'a créée.", "1")
    date_creation: Mapped[datetime] = timestamp_now("Date de création.", "2026-02-25 10:00:00+00")
