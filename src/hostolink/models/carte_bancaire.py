"""`carte_bancaire` (owner's table): the virtual card of a wallet. The PAN is stored
encrypted by the application (shown in full only to its holder after PIN) with its keyed
hash for uniqueness; the CVV has no column at all — it is derived with a keyed HMAC when
displayed. The owner's schema stored the CVV in clear: that is exactly what PCI DSS forbids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

TYPES_CARTE = ("virtuelle", "physique")
STATUTS_CARTE = ("active", "gelee", "expiree", "annulee")


class CarteBancaire(Base):
    __tablename__ = "carte_bancaire"
    __table_args__ = (
        CheckConstraint(one_of("type_carte", TYPES_CARTE), name="type_valide"),
        CheckConstraint(one_of("statut", STATUTS_CARTE), name="statut_valide"),
        CheckConstraint("bin ~ '^[0-9]{6,8}$'", name="bin_format"),
        CheckConstraint("derniers_chiffres ~ '^[0-9]{4}$'", name="derniers_chiffres_format"),
        CheckConstraint("mois_expiration BETWEEN 1 AND 12", name="mois_valide"),
        CheckConstraint("annee_expiration BETWEEN 2000 AND 2100", name="annee_valide"),
        Index("ix_carte_bancaire_id_user", "id_user"),
        # RG: one live virtual card per wallet (a cancelled card may be replaced).
        Index(
            "uq_carte_bancaire_virtuelle_par_compte",
            "id_compte",
            unique=True,
            postgresql_where=text("type_carte = 'virtuelle' AND statut <> 'annulee'"),
        ),
        {"comment": "Carte bancaire virtuelle rattachée à un portefeuille (jamais de CVV)."},
    )

    id_carte: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant de la carte.", info={"exemple": "5"}
    )
    id_compte: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("compte.id_compte", ondelete="CASCADE"),
        nullable=False,
        comment="Portefeuille débité par la carte.",
        info={"exemple": "12"},
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        nullable=False,
        comment="Titulaire (le gestionnaire pour un compte marchand).",
        info={"exemple": "1001"},
    )
    nom_titulaire: Mapped[str] = mapped_column(
        String(26),
        nullable=False,
        comment="Nom imprimé sur la carte (26 caractères au plus, norme ISO 7813).",
        info={"exemple": "AWA KONE"},
    )
    bin: Mapped[str] = mapped_column(
        String(8),
        nullable=False,
        comment="Préfixe émetteur (BIN) configurable.",
        info={"exemple": "53999912"},
    )
    derniers_chiffres: Mapped[str] = mapped_column(
        String(4),
        nullable=False,
        comment="Quatre derniers chiffres, pour l'affichage masqué.",
        info={"exemple": "4242"},
    )
    pan_chiffre: Mapped[bytes] = mapped_column(
        LargeBinary,
        nullable=False,
        comment="Numéro complet (PAN, valide selon Luhn) chiffré par l'application.",
        info={"exemple": "\\x0a1b…"},
    )
    empreinte_pan: Mapped[str] = mapped_column(
        String(64),
        nullable=False,
        unique=True,
        comment="HMAC-SHA-256 du PAN (unicité sans déchiffrer).",
        info={"exemple": "9f86d08188…"},
    )
    mois_expiration: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, comment="Mois d'expiration.", info={"exemple": "11"}
    )
    annee_expiration: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, comment="Année d'expiration.", info={"exemple": "2030"}
    )
    type_carte: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        server_default="virtuelle",
        comment="Type : virtuelle ou physique.",
        info={"exemple": "virtuelle"},
    )
    statut: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        server_default="active",
        comment="Statut : " + ", ".join(STATUTS_CARTE) + ".",
        info={"exemple": "active"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date d'émission.",
        info={"exemple": "2026-01-15 10:00:00+00"},
    )
    date_modification: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Dernier changement de statut.",
        info={"exemple": "2026-02-01 08:30:00+00"},
    )
