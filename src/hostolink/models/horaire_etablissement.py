"""`horaire_etablissement`: opening hours, one row per opening interval and weekday, so that
"open now" is a plain indexed SQL predicate (Africa/Abidjan is UTC+0 all year, no DST).
An interval crossing midnight is stored as two rows."""

from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, Integer, SmallInteger, Time
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, primary_key


class HoraireEtablissement(Base):
    __tablename__ = "horaire_etablissement"
    __table_args__ = (
        CheckConstraint("jour_semaine BETWEEN 1 AND 7", name="jour_iso"),
        CheckConstraint("heure_fermeture > heure_ouverture", name="intervalle_croissant"),
        {"comment": "Plages d'ouverture d'un établissement, par jour de la semaine."},
    )

    id_etablissement: Mapped[int] = foreign_key(
        Integer,
        "etablissement_sante.id_etablissement",
        "CASCADE",
        "Établissement.",
        "42",
        primary_key=True,
    )
    jour_semaine: Mapped[int] = primary_key(
        SmallInteger, "Jour ISO 8601 : 1 = lundi … 7 = dimanche.", "1", autoincrement=False
    )
    heure_ouverture: Mapped[time] = primary_key(
        Time, "Heure d'ouverture (heure d'Abidjan).", "08:00"
    )
    heure_fermeture: Mapped[time] = column(Time, "Heure de fermeture (heure d'Abidjan).", "18:00")
