"""`export_donnees`: a person's request for a copy of their data (loi n° 2013-450, ARTCI) —
waiting → being built by a job → ready (a private ZIP archive, downloaded by signed,
expiring links) → expired once the retention job erased the archive; or failed. At most one
waiting or running request per person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text, text
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key, timestamp, timestamp_now, user_id
from hostolink.models.types import one_of

STATUTS_EXPORT = ("en_attente", "en_cours", "pret", "echoue", "expire")
STOCKAGES_EXPORT = ("local", "cloudinary")


class ExportDonnees(Base):
    __tablename__ = "export_donnees"
    __table_args__ = (
        CheckConstraint(one_of("statut", STATUTS_EXPORT), name="statut_valide"),
        CheckConstraint(
            "stockage IS NULL OR " + one_of("stockage", STOCKAGES_EXPORT), name="stockage_valide"
        ),
        CheckConstraint(
            "statut <> 'pret' OR (cle_stockage IS NOT NULL AND date_prete IS NOT NULL"
            " AND date_expiration IS NOT NULL AND taille IS NOT NULL)",
            name="pret_complet",
        ),
        CheckConstraint("taille IS NULL OR taille >= 0", name="taille_positive"),
        # One request in progress per person, even under concurrent requests.
        Index(
            "uq_export_donnees_un_en_cours",
            "id_user",
            unique=True,
            postgresql_where=text("statut IN ('en_attente', 'en_cours')"),
        ),
        Index("ix_export_donnees_id_user_date", "id_user", "date_demande"),
        # The retention job's scan: ready archives past their expiry.
        Index(
            "ix_export_donnees_expiration",
            "date_expiration",
            postgresql_where=text("statut = 'pret'"),
        ),
        {"comment": "Export des données personnelles demandé par la personne (archive ZIP)."},
    )

    id_export: Mapped[int] = primary_key(BigInteger, "Identifiant.", "42")
    id_user: Mapped[int] = user_id("CASCADE", "Personne dont les données sont exportées.", "1001")
    statut: Mapped[str] = column(
        String(12),
        "Statut : " + ", ".join(STATUTS_EXPORT) + ".",
        "pret",
        server_default="en_attente",
    )
    date_demande: Mapped[datetime] = timestamp_now("Date de la demande.", "2026-03-01 12:00:00+00")
    date_prete: Mapped[datetime | None] = timestamp(
        "Date à laquelle l'archive a été prête.", "2026-03-01 12:00:05+00"
    )
    date_expiration: Mapped[datetime | None] = timestamp(
        "Date après laquelle l'archive est effacée.", "2026-03-08 12:00:05+00"
    )
    taille: Mapped[int | None] = column(BigInteger, "Taille de l'archive (octets).", "48213")
    stockage: Mapped[str | None] = column(
        String(12), "Où est l'archive : local (disque privé) ou cloudinary (privé).", "local"
    )
    cle_stockage: Mapped[str | None] = column(
        String(255), "Clé de l'archive dans son stockage privé.", "Zq3v…Xk.zip"
    )
    erreur: Mapped[str | None] = column(Text, "Erreur de la dernière tentative.", "")
