"""`controle_grand_livre`: the result of each periodic ledger check (wallet/ledger_check.py,
the checks of `hostolink ledger verify`), read back as the metrics' ledger gauges and kept
as the history of the checks. A check cut short by its time bound is recorded too, with no
count of discrepancies (`ecarts` empty) and the reason in `details`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class ControleGrandLivre(Base):
    __tablename__ = "controle_grand_livre"
    __table_args__ = (
        CheckConstraint("ecarts IS NULL OR ecarts >= 0", name="ecarts_positifs"),
        CheckConstraint("duree_ms >= 0", name="duree_positive"),
        {"comment": "Contrôles périodiques du grand livre et leur résultat."},
    )

    id_controle: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "412"}
    )
    date_controle: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date du contrôle (l'instantané lu).",
        info={"exemple": "2026-03-01 12:15:00+00"},
    )
    ecarts: Mapped[int | None] = mapped_column(
        Integer,
        comment="Écarts trouvés (0 : grand livre cohérent) ; vide : contrôle inachevé.",
        info={"exemple": "0"},
    )
    duree_ms: Mapped[int] = mapped_column(
        Integer, nullable=False, comment="Durée du contrôle (ms).", info={"exemple": "4210"}
    )
    details: Mapped[dict[str, Any]] = mapped_column(
        JSONB,
        nullable=False,
        server_default="{}",
        comment="Totaux, écarts par vérification et premiers exemples, ou la raison d'un arrêt.",
        info={"exemple": '{"ecritures": 2000000, "verifications": {}}'},
    )
