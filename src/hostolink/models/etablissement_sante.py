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
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
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

    id_etablissement: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="Identifiant de l'établissement.", info={"exemple": "42"}
    )
    nom: Mapped[str] = mapped_column(
        String(255),
        nullable=False,
        comment="Nom affiché.",
        info={"exemple": "CHU de Cocody"},
    )
    nom_normalise: Mapped[str] = mapped_column(
        String(255),
        nullable=False,
        comment="Nom en minuscules sans accents (rempli par l'application), pour la recherche.",
        info={"exemple": "chu de cocody"},
    )
    texte_recherche: Mapped[str] = mapped_column(
        Text,
        nullable=False,
        server_default="",
        comment="Nom, catégorie, commune, ville et services normalisés, pour la recherche.",
        info={"exemple": "chu de cocody chu cocody abidjan urgences"},
    )
    vecteur_recherche: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('simple'::regconfig, texte_recherche)", persisted=True),
        comment="Vecteur plein texte dérivé de texte_recherche (colonne générée).",
        info={"exemple": "'chu':1 'cocody':3"},
    )
    categorie: Mapped[str] = mapped_column(
        String(40),
        nullable=False,
        comment="Catégorie : " + ", ".join(CATEGORIES) + ".",
        info={"exemple": "chu"},
    )
    secteur: Mapped[str | None] = mapped_column(
        String(20),
        comment="Secteur : " + ", ".join(SECTEURS) + ".",
        info={"exemple": "public"},
    )
    description: Mapped[str | None] = mapped_column(
        Text, comment="Présentation libre.", info={"exemple": "Centre hospitalier universitaire."}
    )
    adresse: Mapped[str | None] = mapped_column(
        String(255), comment="Adresse postale ou repère.", info={"exemple": "Bd de l'Université"}
    )
    id_localisation: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("localisation.id_localisation", ondelete="RESTRICT"),
        comment="Lieu administratif (région, ville, commune).",
        info={"exemple": "12"},
    )
    geo: Mapped[LonLat | None] = mapped_column(
        Point,
        comment="Position WGS84, point(longitude, latitude).",
        info={"exemple": "(-3.9866,5.3453)"},
    )
    id_media: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("media.id_media", ondelete="SET NULL"),
        comment="Photo de l'établissement (image téléversée, usage etablissement).",
        info={"exemple": "640"},
    )
    email: Mapped[str | None] = mapped_column(
        String(320), comment="E-mail de contact.", info={"exemple": "contact@chu-cocody.ci"}
    )
    site_web: Mapped[str | None] = mapped_column(
        String(255), comment="Site web.", info={"exemple": "https://chu-cocody.ci"}
    )
    services: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)),
        nullable=False,
        server_default="{}",
        comment="Services proposés.",
        info={"exemple": "{urgences,maternité}"},
    )
    ouvert_24h: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="Ouvert 24 h/24 et 7 j/7.",
        info={"exemple": "true"},
    )
    urgences: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="Accueille les urgences.",
        info={"exemple": "true"},
    )
    verifie: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="Informations vérifiées par Hostolink ou par un gestionnaire approuvé.",
        info={"exemple": "false"},
    )
    visible: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("true"),
        comment="Faux quand un administrateur masque la fiche.",
        info={"exemple": "true"},
    )
    id_fusionne_dans: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("etablissement_sante.id_etablissement", ondelete="SET NULL"),
        comment="Doublon fusionné : l'établissement qui le remplace.",
        info={"exemple": "41"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de création de la fiche.",
        info={"exemple": "2026-01-15 10:00:00+00"},
    )
    date_modification: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date de dernière modification.",
        info={"exemple": "2026-02-01 08:30:00+00"},
    )
