"""`qr_code_paiement` (owner's table): what a QR code pays into. Static: one per account,
any amount, never expires. Dynamic: a fixed amount, an expiry, single use (expiry is checked
at use: no timers). The QR image carries only `code` in an HMAC-signed payload — no personal
data — so the row is looked up by `code` and the signature proves the payload is ours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    String,
    text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, primary_key, timestamp, timestamp_now
from hostolink.models.types import one_of

TYPES_QR = ("statique", "dynamique")
STATUTS_QR = ("actif", "utilise", "expire", "revoque")


class QrCodePaiement(Base):
    __tablename__ = "qr_code_paiement"
    __table_args__ = (
        CheckConstraint(one_of("type_qr", TYPES_QR), name="type_valide"),
        CheckConstraint(one_of("statut", STATUTS_QR), name="statut_valide"),
        CheckConstraint("montant > 0", name="montant_positif"),
        CheckConstraint("devise ~ '^[A-Z]{3}$'", name="devise_iso4217"),
        CheckConstraint(
            "(type_qr <> 'dynamique' AND montant IS NULL AND date_expiration IS NULL)"
            " OR (type_qr = 'dynamique' AND montant IS NOT NULL AND date_expiration IS NOT NULL)",
            name="forme_selon_type",
        ),
        CheckConstraint(
            "statut <> 'utilise' OR (type_qr = 'dynamique' AND date_utilisation IS NOT NULL)",
            name="usage_unique_dynamique",
        ),
        Index("ix_qr_code_paiement_id_compte", "id_compte"),
        # RG: one active static QR per account.
        Index(
            "uq_qr_code_paiement_statique_actif",
            "id_compte",
            unique=True,
            postgresql_where=text("type_qr = 'statique' AND statut = 'actif'"),
        ),
        {"comment": "QR code de paiement d'un compte (statique ou dynamique à montant fixe)."},
    )

    id_qr_code: Mapped[int] = primary_key(BigInteger, "Identifiant du QR code.", "301")
    id_compte: Mapped[int] = foreign_key(
        BigInteger,
        "compte.id_compte",
        "CASCADE",
        "Compte crédité quand on paie ce QR code (personne ou établissement).",
        "15",
    )
    code: Mapped[str] = column(
        String(24),
        "Identifiant public aléatoire, seul contenu (signé) du QR code.",
        "q7YxT2bK9mPa",
        unique=True,
    )
    type_qr: Mapped[str] = column(
        String(10),
        "Type : statique (tout montant) ou dynamique (montant fixe, usage unique).",
        "dynamique",
    )
    montant: Mapped[int | None] = column(
        BigInteger, "Montant fixe en francs CFA (QR dynamique).", "2500"
    )
    devise: Mapped[str] = column(String(3), "Devise ISO 4217.", "XOF", server_default="XOF")
    libelle: Mapped[str | None] = column(
        String(140), "Objet du paiement affiché au payeur.", "Consultation"
    )
    statut: Mapped[str] = column(
        String(10), "Statut : " + ", ".join(STATUTS_QR) + ".", "actif", server_default="actif"
    )
    date_creation: Mapped[datetime] = timestamp_now("Date de création.", "2026-03-01 12:00:00+00")
    date_expiration: Mapped[datetime | None] = timestamp(
        "Expiration (QR dynamique), vérifiée au moment du paiement.", "2026-03-01 12:15:00+00"
    )
    date_utilisation: Mapped[datetime | None] = timestamp(
        "Date du paiement qui a consommé le QR dynamique.", "2026-03-01 12:03:00+00"
    )
