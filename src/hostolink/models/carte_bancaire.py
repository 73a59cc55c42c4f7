"""`carte_bancaire` (owner's table): the virtual card of a wallet. The PAN is stored
encrypted by the application (shown in full only to its holder after PIN) with its keyed
hash for uniqueness; the CVV has no column at all — it is derived with a keyed HMAC when
displayed. The owner's schema stored the CVV in clear: that is exactly what PCI DSS forbids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    foreign_key,
    primary_key,
    timestamp,
    timestamp_now,
    user_id,
)
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

    id_carte: Mapped[int] = primary_key(BigInteger, "Identifiant de la carte.", "5")
    id_compte: Mapped[int] = foreign_key(
        BigInteger, "compte.id_compte", "CASCADE", "Portefeuille débité par la carte.", "12"
    )
    id_user: Mapped[int] = user_id(
        "CASCADE", "Titulaire (le gestionnaire pour un compte marchand).", "1001"
    )
    nom_titulaire: Mapped[str] = column(
        String(26), "Nom imprimé sur la carte (26 caractères au plus, norme ISO 7813).", "AWA KONE"
    )
    bin: Mapped[str] = column(String(8), "Préfixe émetteur (BIN) configurable.", "53999912")
    derniers_chiffres: Mapped[str] = column(
        String(4), "Quatre derniers chiffres, pour l'affichage masqué.", "4242"
    )
    pan_chiffre: Mapped[bytes] = column(
        LargeBinary,
        "Numéro complet (PAN, valide selon Luhn) chiffré par l'application.",
        "\\x0a1b…",
    )
    empreinte_pan: Mapped[str] = column(
        String(64), "HMAC-SHA-256 du PAN (unicité sans déchiffrer).", "9f86d08188…", unique=True
    )
    mois_expiration: Mapped[int] = column(SmallInteger, "Mois d'expiration.", "11")
    annee_expiration: Mapped[int] = column(SmallInteger, "Année d'expiration.", "2030")
    type_carte: Mapped[str] = column(
        String(10), "Type : virtuelle ou physique.", "virtuelle", server_default="virtuelle"
    )
    statut: Mapped[str] = column(
        String(10), "Statut : " + ", ".join(STATUTS_CARTE) + ".", "active", server_default="active"
    )
    date_creation: Mapped[datetime] = timestamp_now("Date d'émission.", "2026-01-15 10:00:00+00")
    date_modification: Mapped[datetime | None] = timestamp(
        "Dernier changement de statut.", "2026-02-01 08:30:00+00"
    )
