"""`provenance_etablissement`: where each establishment comes from (WHO/KEMRI 2019,
healthsites.io/OpenStreetMap 2020, an administrator, a manager), with the source row's id and
licence. Unique on `(source, identifiant_source)`, so re-running the seed changes nothing,
and one establishment may merge several source rows (the same place in both files)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

SOURCES = ("who_kemri_2019", "healthsites_osm_2020", "administrateur", "gestionnaire")


class ProvenanceEtablissement(Base):
    __tablename__ = "provenance_etablissement"
    __table_args__ = (
        CheckConstraint(one_of("source", SOURCES), name="source_valide"),
        UniqueConstraint("source", "identifiant_source"),
        Index("ix_provenance_etablissement_id_etablissement", "id_etablissement"),
        {"comment": "Origine et licence de chaque fiche d'établissement (ligne source)."},
    )

    id_provenance: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant de la provenance.", info={"exemple": "3"}
    )
    id_etablissement: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("etablissement_sante.id_etablissement", ondelete="CASCADE"),
        nullable=False,
        comment="Établissement alimenté par cette ligne.",
        info={"exemple": "42"},
    )
    source: Mapped[str] = mapped_column(
        String(30),
        nullable=False,
        comment="Source : " + ", ".join(SOURCES) + ".",
        info={"exemple": "healthsites_osm_2020"},
    )
    identifiant_source: Mapped[str] = mapped_column(
        String(100),
        nullable=False,
        comment="Identifiant de la ligne dans la source (osm_id, nom + coordonnées…).",
        info={"exemple": "node/5575655590"},
    )
    licence: Mapped[str] = mapped_column(
        String(40),
        nullable=False,
        comment="Licence des données de cette ligne.",
        info={"exemple": "ODbL-1.0"},
    )
    attribution: Mapped[str | None] = mapped_column(
        String(255),
        comment="Mention à afficher avec les données.",
        info={"exemple": "© OpenStreetMap contributors / healthsites.io"},
    )
    donnees: Mapped[dict[str, Any]] = mapped_column(
        JSONB,
        nullable=False,
        server_default="{}",
        comment="Ligne source brute (pour audit et ré-import).",
        info={"exemple": '{"amenity": "hospital"}'},
    )
    date_import: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date d'import.",
        info={"exemple": "2026-01-15 10:00:00+00"},
    )
