"""`localisation` (owner's table): an administrative place — région, ville, commune.

Commune → ville → région is a functional dependency: storing it once per place instead of on
every establishment keeps the directory in third normal form and makes "list by region /
commune" an index lookup. The exact position of an establishment is its own `geo`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key, timestamp_now


class Localisation(Base):
    __tablename__ = "localisation"
    __table_args__ = (
        CheckConstraint("pays ~ '^[A-Z]{2}$'", name="pays_iso3166"),
        # NULLS NOT DISTINCT (PostgreSQL 15+): a region-level place (no commune) is unique too.
        UniqueConstraint("pays", "region", "ville", "commune", postgresql_nulls_not_distinct=True),
        Index("ix_localisation_commune", "commune"),
        {"comment": "Lieu administratif (région, ville, commune) des établissements."},
    )

    id_localisation: Mapped[int] = primary_key(Integer, "Identifiant du lieu.", "12")
    pays: Mapped[str] = column(
        String(2), "Pays, code ISO 3166-1 alpha-2.", "CI", server_default="CI"
    )
    region: Mapped[str] = column(String(100), "Région ou district sanitaire.", "Abidjan")
    ville: Mapped[str | None] = column(String(100), "Ville, si connue.", "Abidjan")
    commune: Mapped[str | None] = column(String(100), "Commune ou quartier, si connu.", "Cocody")
    date_creation: Mapped[datetime] = timestamp_now(
        "Date d'enregistrement du lieu.", "2026-01-15 10:00:00+00"
    )
