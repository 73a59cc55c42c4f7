"""`horaire_etablissement`: opening hours, one row per opening interval and weekday, so that
"open now" is a plain indexed SQL predicate (Africa/Abidjan is UTC+0 all year, no DST).
An interval crossing midnight is stored as two rows."""

from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, ForeignKey, Integer, SmallInteger, Time
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class HoraireEtablissement(Base):
    __tablename__ = "horaire_etablissement"
    __table_args__ = (
        CheckConstraint("jour_semaine BETWEEN 1 AND 7", name="jour_iso"),
        CheckConstraint("heure_fermeture > heure_ouverture", name="intervalle_croissant"),
        {"comment": "Plages d'ouverture d'un établissement, par jour de la semaine."},
    )

    id_etablissement: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("etablissement_sante.id_etablissement", ondelete="CASCADE"),
        primary_key=True,
        comment="Établissement.",
        info={"exemple": "42"},
    )
    jour_semaine: Mapped[int] = mapped_column(
        SmallInteger,
        primary_key=True,
        autoincrement=False,
        comment="Jour ISO 8601 : 1 = lundi … 7 = dimanche.",
        info={"exemple": "1"},
    )
    heure_ouverture: Mapped[time] = mapped_column(
        Time,
        primary_key=True,
        comment="Heure d'ouverture (heure d'Abidjan).",
        info={"exemple": "08:00"},
    )
    heure_fermeture: Mapped[time] = mapped_column(
        Time,
        nullable=False,
        comment="Heure de fermeture (heure d'Abidjan).",
        info={"exemple": "18:00"},
    )
