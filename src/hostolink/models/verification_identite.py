"""`verification_identite` (owner's table): an identity document submitted for KYC review —
type, number, front, back, selfie (private media, served by signed expiring links only) —
pending → approved (raises `utilisateur.niveau_kyc`) or rejected with a reason. At most one
pending submission per person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    media_id,
    primary_key,
    timestamp,
    timestamp_now,
    user_id,
)
from hostolink.models.types import one_of

TYPES_DOCUMENT = ("cni", "passeport", "permis_conduire", "carte_consulaire", "carte_sejour")
STATUTS = ("en_attente", "approuvee", "rejetee")


class VerificationIdentite(Base):
    __tablename__ = "verification_identite"
    __table_args__ = (
        CheckConstraint(one_of("type_document", TYPES_DOCUMENT), name="type_valide"),
        CheckConstraint(one_of("statut", STATUTS), name="statut_valide"),
        CheckConstraint("niveau_demande BETWEEN 1 AND 3", name="niveau_valide"),
        CheckConstraint("statut <> 'rejetee' OR motif_rejet IS NOT NULL", name="rejet_motive"),
        CheckConstraint("(statut = 'en_attente') = (date_examen IS NULL)", name="examen_date"),
        Index(
            "uq_verification_identite_une_en_attente",
            "id_user",
            unique=True,
            postgresql_where=text("statut = 'en_attente'"),
        ),
        Index("ix_verification_identite_id_user", "id_user"),
        # The review queue, oldest first.
        Index(
            "ix_verification_identite_file",
            "date_soumission",
            postgresql_where=text("statut = 'en_attente'"),
        ),
        {"comment": "Pièce d'identité soumise pour vérification (KYC)."},
    )

    id_verification: Mapped[int] = primary_key(BigInteger, "Identifiant.", "210")
    id_user: Mapped[int] = user_id("CASCADE", "Personne vérifiée.", "1001")
    type_document: Mapped[str] = column(
        String(20), "Type : " + ", ".join(TYPES_DOCUMENT) + ".", "cni"
    )
    numero_document: Mapped[str] = column(String(50), "Numéro de la pièce.", "CI002345678")
    id_media_recto: Mapped[int] = media_id("RESTRICT", "Image du recto (privée).", "700")
    id_media_verso: Mapped[int | None] = media_id("RESTRICT", "Image du verso (privée).", "701")
    id_media_selfie: Mapped[int] = media_id(
        "RESTRICT", "Photo de la personne tenant la pièce (privée).", "702"
    )
    niveau_demande: Mapped[int] = column(
        SmallInteger, "Niveau KYC obtenu si la pièce est approuvée.", "1", server_default="1"
    )
    statut: Mapped[str] = column(
        String(12),
        "Statut : " + ", ".join(STATUTS) + ".",
        "en_attente",
        server_default="en_attente",
    )
    motif_rejet: Mapped[str | None] = column(
        Text, "Motif du rejet, montré à la personne.", "Photo floue"
    )
    id_examinateur: Mapped[int | None] = user_id(
        "SET NULL", "Administrateur qui a examiné la pièce.", "1"
    )
    date_soumission: Mapped[datetime] = timestamp_now(
        "Date de soumission.", "2026-03-01 12:00:00+00"
    )
    date_examen: Mapped[datetime | None] = timestamp("Date de décision.", "")
