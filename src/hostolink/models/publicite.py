"""`publicite` (owner's table): paid advertising for a third-party advertiser, distinct
from `annonce` (Hostolink's own news): it has an advertiser and counts impressions and
clicks."""

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

from hostolink.models.annonce import EMPLACEMENTS
from hostolink.models.base import Base
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

    id_publicite: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="Identifiant.", info={"exemple": "3"}
    )
    annonceur: Mapped[str] = mapped_column(
        String(150), nullable=False, comment="Annonceur.", info={"exemple": "Pharmacie du Plateau"}
    )
    titre: Mapped[str] = mapped_column(
        String(200), nullable=False, comment="Titre.", info={"exemple": "-20 % sur les vitamines"}
    )
    description: Mapped[str | None] = mapped_column(
        Text, comment="Texte.", info={"exemple": "Jusqu'au 31 mars."}
    )
    id_media: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("media.id_media", ondelete="RESTRICT"),
        comment="Visuel.",
        info={"exemple": "644"},
    )
    url_cible: Mapped[str | None] = mapped_column(
        String(500), comment="Lien de l'annonceur.", info={"exemple": "https://example.ci/promo"}
    )
    emplacement: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        server_default="accueil",
        comment="Emplacement : " + ", ".join(EMPLACEMENTS) + ".",
        info={"exemple": "sante"},
    )
    priorite: Mapped[int] = mapped_column(
        SmallInteger,
        nullable=False,
        server_default="0",
        comment="Ordre d'affichage (décroissant).",
        info={"exemple": "0"},
    )
    date_debut: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        comment="Début de diffusion.",
        info={"exemple": "2026-03-01 00:00:00+00"},
    )
    date_fin: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        comment="Fin de diffusion.",
        info={"exemple": "2026-03-31 23:59:59+00"},
    )
    actif: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("true"),
        comment="Faux pour suspendre la diffusion.",
        info={"exemple": "true"},
    )
    nombre_impressions: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Affichages comptés.",
        info={"exemple": "15400"},
    )
    nombre_clics: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Clics comptés.",
        info={"exemple": "320"},
    )
    id_auteur: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="SET NULL"),
        comment="Administrateur qui l'a créée.",
        info={"exemple": "1"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de création.",
        info={"exemple": "2026-02-25 10:00:00+00"},
    )
