"""`etablissement_sante` (owner's table): a health establishment of the directory, and, once a
manager is approved, the owner of a merchant `compte`.

Position: core `point` (lon, lat) with a GiST index, so "near me" is an index-ordered KNN
scan (`ORDER BY geo <-> point(lon, lat)`) on the embedded server and Supabase alike.
Text search: the application fills `nom_normalise` and `texte_recherche` lower-cased and
without accents (there is no `unaccent`/`pg_trgm` on the embedded server); PostgreSQL
derives `vecteur_recherche` for full-text search and a `text_pattern_ops` index serves
prefix search on the name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Computed,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    flag,
    foreign_key,
    media_id,
    primary_key,
    timestamp,
    timestamp_now,
)
from hostolink.models.types import LonLat, Point, one_of

CATEGORIES = (
    "chu",
    "hopital_general",
    "centre_hospitalier_regional",
    "clinique",
    "centre_sante_urbain",
    "centre_sante_rural",
    "centre_medico_social",
    "pharmacie",
    "laboratoire",
    "cabinet_medical",
    "dentiste",
    "autre",
)
SECTEURS = ("public", "prive", "confessionnel", "communautaire")


class EtablissementSante(Base):
    __tablename__ = "etablissement_sante"
    __table_args__ = (
        CheckConstraint(one_of("categorie", CATEGORIES), name="categorie_valide"),
        CheckConstraint(one_of("secteur", SECTEURS), name="secteur_valide"),
        # point subscripts: [0] = x = longitude, [1] = y = latitude.
        CheckConstraint(
            "geo[0] BETWEEN -180 AND 180 AND geo[1] BETWEEN -90 AND 90", name="geo_wgs84"
        ),
        CheckConstraint("nom_normalise = lower(nom_normalise)", name="nom_normalise_minuscule"),
        CheckConstraint(
            "id_fusionne_dans IS NULL OR id_fusionne_dans <> id_etablissement",
            name="fusion_pas_sur_soi",
        ),
        Index("ix_etablissement_sante_geo", "geo", postgresql_using="gist"),
        Index(
            "ix_etablissement_sante_vecteur_recherche",
            "vecteur_recherche",
            postgresql_using="gin",
        ),
        Index(
            "ix_etablissement_sante_nom_normalise",
            "nom_normalise",
            postgresql_ops={"nom_normalise": "text_pattern_ops"},
        ),
        Index("ix_etablissement_sante_categorie", "categorie"),
        Index("ix_etablissement_sante_id_localisation", "id_localisation"),
        Index("ix_etablissement_sante_id_media", "id_media"),
        {"comment": "Établissement de santé de l'annuaire (hôpital, clinique, pharmacie…)."},
    )

    id_etablissement: Mapped[int] = primary_key(Integer, "Identifiant de l'établissement.", "42")
    nom: Mapped[str] = column(String(255), "Nom affiché.", "CHU de Cocody")
    nom_normalise: Mapped[str] = column(
        String(255),
        "Nom en minuscules sans accents (rempli par l'application), pour la recherche.",
        "chu de cocody",
    )
    texte_recherche: Mapped[str] = column(
        Text,
        "Nom, catégorie, commune, ville et services normalisés, pour la recherche.",
        "chu de cocody chu cocody abidjan urgences",
        server_default="",
    )
    vecteur_recherche: Mapped[str] = column(
        TSVECTOR,
        "Vecteur plein texte dérivé de texte_recherche (colonne générée).",
        "'chu':1 'cocody':3",
        Computed("to_tsvector('simple'::regconfig, texte_recherche)", persisted=True),
    )
    categorie: Mapped[str] = column(String(40), "Catégorie : " + ", ".join(CATEGORIES) + ".", "chu")
    secteur: Mapped[str | None] = column(
        String(20), "Secteur : " + ", ".join(SECTEURS) + ".", "public"
    )
    description: Mapped[str | None] = column(
        Text, "Présentation libre.", "Centre hospitalier universitaire."
    )
    adresse: Mapped[str | None] = column(
        String(255), "Adresse postale ou repère.", "Bd de l'Université"
    )
    id_localisation: Mapped[int | None] = foreign_key(
        Integer,
        "localisation.id_localisation",
        "RESTRICT",
        "Lieu administratif (région, ville, commune).",
        "12",
    )
    geo: Mapped[LonLat | None] = column(
        Point, "Position WGS84, point(longitude, latitude).", "(-3.9866,5.3453)"
    )
    id_media: Mapped[int | None] = media_id(
        "SET NULL", "Photo de l'établissement (image téléversée, usage etablissement).", "640"
    )
    email: Mapped[str | None] = column(String(320), "E-mail de contact.", "contact@chu-cocody.ci")
    site_web: Mapped[str | None] = column(String(255), "Site web.", "https://chu-cocody.ci")
    services: Mapped[list[str]] = column(
        ARRAY(String(100)), "Services proposés.", "{urgences,maternité}", server_default="{}"
    )
    ouvert_24h: Mapped[bool] = flag(False, "Ouvert 24 h/24 et 7 j/7.", "true")
    urgences: Mapped[bool] = flag(False, "Accueille les urgences.", "true")
    verifie: Mapped[bool] = flag(
        False, "Informations vérifiées par Hostolink ou par un gestionnaire approuvé.", "false"
    )
    visible: Mapped[bool] = flag(True, "Faux quand un administrateur masque la fiche.", "true")
    id_fusionne_dans: Mapped[int | None] = foreign_key(
        Integer,
        "etablissement_sante.id_etablissement",
        "SET NULL",
        "Doublon fusionné : l'établissement qui le remplace.",
        "41",
    )
    date_creation: Mapped[datetime] = timestamp_now(
        "Date de création de la fiche.", "2026-01-15 10:00:00+00"
    )
    date_modification: Mapped[datetime | None] = timestamp(
        "Date de dernière modification.", "2026-02-01 08:30:00+00"
    )
