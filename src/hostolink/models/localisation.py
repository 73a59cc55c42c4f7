"""`localisation` (owner's table): an administrative place — région, ville, commune.

Commune → ville → région is a functional dependency: storing it once per place instead of on
every establishment keeps the directory in third normal form and makes "list by region /
commune" an index lookup. The exact position of an establishment is its own `geo`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class Localisation(Base):
    __tablename__ = "localisation"
    __table_args__ = (
        CheckConstraint("pays ~ '^[A-Z]{2}$'", name="pays_iso3166"),
        # NULLS NOT DISTINCT (PostgreSQL 15+): a region-level place (no commune) is unique too.
        UniqueConstraint("pays", "region", "ville", "commune", postgresql_nulls_not_distinct=True),
        Index("ix_localisation_commune", "commune"),
        {"comment": "Lieu administratif (région, ville, commune) des établissements."},
    )

    id_localisation: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="Identifiant du lieu.", info={"exemple": "12"}
    )
    pays: Mapped[str] = mapped_column(
        String(2),
        nullable=False,
        server_default="CI",
        comment="Pays, code ISO 3166-1 alpha-2.",
        info={"exemple": "CI"},
    )
    region: Mapped[str] = mapped_column(
        String(100),
        nullable=False,
        comment="Région ou district sanitaire.",
        info={"exemple": "Abidjan"},
    )
    ville: Mapped[str | None] = mapped_column(
        String(100), comment="Ville, si connue.", info={"exemple": "Abidjan"}
    )
    commune: Mapped[str | None] = mapped_column(
        String(100), comment="Commune ou quartier, si connu.", info={"exemple": "Cocody"}
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date d'enregistrement du lieu.",
        info={"exemple": "2026-01-15 10:00:00+00"},
    )
