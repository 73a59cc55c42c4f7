"""`bareme_frais`: the fee schedule, editable by administrators. A row applies to an operation
type (and provider for deposits/withdrawals) over an amount range: fee = fixed part + rate in
basis points (integers only: 1 pb = 0,01 %), clamped to [frais_min, frais_max], rounded to
whole francs by the application. No row = no fee."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    flag,
    primary_key,
    timestamp,
    timestamp_now,
    user_id,
    zero,
)
from hostolink.models.types import one_of

TYPES_OPERATION = ("transfert", "paiement_marchand", "depot", "retrait")


class BaremeFrais(Base):
    __tablename__ = "bareme_frais"
    __table_args__ = (
        CheckConstraint(one_of("type_operation", TYPES_OPERATION), name="type_valide"),
        CheckConstraint("devise ~ '^[A-Z]{3}$'", name="devise_iso4217"),
        CheckConstraint("montant_min >= 1", name="montant_min_positif"),
        CheckConstraint("montant_max IS NULL OR montant_max >= montant_min", name="tranche_valide"),
        CheckConstraint("frais_fixe >= 0", name="frais_fixe_positif"),
        CheckConstraint("taux_points_base BETWEEN 0 AND 10000", name="taux_valide"),
        CheckConstraint("frais_min >= 0", name="frais_min_positif"),
        CheckConstraint("frais_max IS NULL OR frais_max >= frais_min", name="plafond_valide"),
        CheckConstraint("date_fin IS NULL OR date_fin > date_debut", name="periode_valide"),
        Index(
            "ix_bareme_frais_recherche",
            "type_operation",
            "fournisseur",
            "montant_min",
            postgresql_where=text("actif"),
        ),
        {"comment": "Barème des frais par type d'opération, fournisseur et tranche de montant."},
    )

    id_bareme: Mapped[int] = primary_key(Integer, "Identifiant.", "3")
    type_operation: Mapped[str] = column(
        String(20), "Opération : " + ", ".join(TYPES_OPERATION) + ".", "retrait"
    )
    fournisseur: Mapped[str | None] = column(
        String(30), "Fournisseur concerné ; vide = tous (ou portefeuille à portefeuille).", "wave"
    )
    devise: Mapped[str] = column(String(3), "Devise.", "XOF", server_default="XOF")
    montant_min: Mapped[int] = column(
        BigInteger, "Début de tranche (inclus), francs CFA.", "1", server_default="1"
    )
    montant_max: Mapped[int | None] = column(
        BigInteger, "Fin de tranche (incluse) ; vide = sans limite.", "100000"
    )
    frais_fixe: Mapped[int] = zero(BigInteger, "Part fixe, francs CFA.", "0")
    taux_points_base: Mapped[int] = zero(
        Integer, "Part proportionnelle en points de base (100 = 1 %).", "100"
    )
    frais_min: Mapped[int] = zero(BigInteger, "Frais minimum, francs CFA.", "50")
    frais_max: Mapped[int | None] = column(BigInteger, "Frais maximum, francs CFA.", "5000")
    actif: Mapped[bool] = flag(True, "Faux pour désactiver la ligne.", "true")
    date_debut: Mapped[datetime] = timestamp_now("Début de validité.", "2026-01-01 00:00:00+00")
    date_fin: Mapped[datetime | None] = timestamp("Fin de validité.", "2026-12-31 23:59:59+00")
    id_modifie_par: Mapped[int | None] = user_id(
        "SET NULL", "Administrateur auteur de la dernière modification.", "1"
    )
    date_modification: Mapped[datetime] = timestamp_now(
        "Date de dernière modification.", "2026-01-01 00:00:00+00"
    )
