"""`verification_identite` (owner's table): an identity document submitted for KYC review —
type, number, front, back, selfie (private media, served by signed expiring links only) —
pending → approved (raises `utilisateur.niveau_kyc`) or rejected with a reason. At most one
pending submission per person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
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

    id_verification: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "210"}
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        nullable=False,
        comment="Personne vérifiée.",
        info={"exemple": "1001"},
    )
    type_document: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        comment="Type : " + ", ".join(TYPES_DOCUMENT) + ".",
        info={"exemple": "cni"},
    )
    numero_document: Mapped[str] = mapped_column(
        String(50),
        nullable=False,
        comment="Numéro de la pièce.",
        info={"exemple": "CI002345678"},
    )
    id_media_recto: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("media.id_media", ondelete="RESTRICT"),
        nullable=False,
        comment="Image du recto (privée).",
        info={"exemple": "700"},
    )
    id_media_verso: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("media.id_media", ondelete="RESTRICT"),
        comment="Image du verso (privée).",
        info={"exemple": "701"},
    )
    id_media_selfie: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("media.id_media", ondelete="RESTRICT"),
        nullable=False,
        comment="Photo de la personne tenant la pièce (privée).",
        info={"exemple": "702"},
    )
    niveau_demande: Mapped[int] = mapped_column(
        SmallInteger,
        nullable=False,
        server_default="1",
        comment="Niveau KYC obtenu si la pièce est approuvée.",
        info={"exemple": "1"},
    )
    statut: Mapped[str] = mapped_column(
        String(12),
        nullable=False,
        server_default="en_attente",
        comment="Statut : " + ", ".join(STATUTS) + ".",
        info={"exemple": "en_attente"},
    )
    motif_rejet: Mapped[str | None] = mapped_column(
        Text, comment="Motif du rejet, montré à la personne.", info={"exemple": "Photo floue"}
    )
    id_examinateur: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="SET NULL"),
        comment="Administrateur qui a examiné la pièce.",
        info={"exemple": "1"},
    )
    date_soumission: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de soumission.",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
    date_examen: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), comment="Date de décision.", info={"exemple": ""}
    )
