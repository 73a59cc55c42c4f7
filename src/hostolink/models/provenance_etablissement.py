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
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, primary_key, timestamp_now
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

    id_provenance: Mapped[int] = primary_key(BigInteger, "Identifiant de la provenance.", "3")
    id_etablissement: Mapped[int] = foreign_key(
        Integer,
        "etablissement_sante.id_etablissement",
        "CASCADE",
        "Établissement alimenté par cette ligne.",
        "42",
    )
    source: Mapped[str] = column(
        String(30), "Source : " + ", ".join(SOURCES) + ".", "healthsites_osm_2020"
    )
    identifiant_source: Mapped[str] = column(
        String(100),
        "Identifiant de la ligne dans la source (osm_id, nom + coordonnées…).",
        "node/5575655590",
    )
    licence: Mapped[str] = column(String(40), "Licence des données de cette ligne.", "ODbL-1.0")
    attribution: Mapped[str | None] = column(
        String(255),
        "Mention à afficher avec les données.",
        "© OpenStreetMap contributors / healthsites.io",
    )
    donnees: Mapped[dict[str, Any]] = column(
        JSONB,
        "Ligne source brute (pour audit et ré-import).",
        '{"amenity": "hospital"}',
        server_default="{}",
    )
    date_import: Mapped[datetime] = timestamp_now("Date d'import.", "2026-01-15 10:00:00+00")
