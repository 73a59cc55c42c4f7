"""`qr_code_paiement` (owner's table): what a QR code pays into. Static: one per account,
any amount, never expires. Dynamic: a fixed amount, an expiry, single use (expiry is checked
at use: no timers). The QR image carries only `code` in an HMAC-signed payload — no personal
data — so the row is looked up by `code` and the signature proves the payload is ours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
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

    id_qr_code: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant du QR code.", info={"exemple": "301"}
    )
    id_compte: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("compte.id_compte", ondelete="CASCADE"),
        nullable=False,
        comment="Compte crédité quand on paie ce QR code (personne ou établissement).",
        info={"exemple": "15"},
    )
    code: Mapped[str] = mapped_column(
        String(24),
        nullable=False,
        unique=True,
        comment="Identifiant public aléatoire, seul contenu (signé) du QR code.",
        info={"exemple": "q7YxT2bK9mPa"},
    )
    type_qr: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        comment="Type : statique (tout montant) ou dynamique (montant fixe, usage unique).",
        info={"exemple": "dynamique"},
    )
    montant: Mapped[int | None] = mapped_column(
        BigInteger,
        comment="Montant fixe en francs CFA (QR dynamique).",
        info={"exemple": "2500"},
    )
    devise: Mapped[str] = mapped_column(
        String(3),
        nullable=False,
        server_default="XOF",
        comment="Devise ISO 4217.",
        info={"exemple": "XOF"},
    )
    libelle: Mapped[str | None] = mapped_column(
        String(140),
        comment="Objet du paiement affiché au payeur.",
        info={"exemple": "Consultation"},
    )
    statut: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        server_default="actif",
        comment="Statut : " + ", ".join(STATUTS_QR) + ".",
        info={"exemple": "actif"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de création.",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
    date_expiration: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Expiration (QR dynamique), vérifiée au moment du paiement.",
        info={"exemple": "2026-03-01 12:15:00+00"},
    )
    date_utilisation: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date du paiement qui a consommé le QR dynamique.",
        info={"exemple": "2026-03-01 12:03:00+00"},
    )
