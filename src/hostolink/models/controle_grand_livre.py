"""`controle_grand_livre`: the result of each periodic ledger check (wallet/ledger_check.py,
the checks of `hostolink ledger verify`), read back as the metrics' ledger gauges and kept
as the history of the checks. A check cut short by its time bound is recorded too, with no
count of discrepancies (`ecarts` empty) and the reason in `details`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key, timestamp_now


class ControleGrandLivre(Base):
    __tablename__ = "controle_grand_livre"
    __table_args__ = (
        CheckConstraint("ecarts IS NULL OR ecarts >= 0", name="ecarts_positifs"),
        CheckConstraint("duree_ms >= 0", name="duree_positive"),
        {"comment": "Contrôles périodiques du grand livre et leur résultat."},
    )

    id_controle: Mapped[int] = primary_key(BigInteger, "Identifiant.", "412")
    date_controle: Mapped[datetime] = timestamp_now(
        "Date du contrôle (l'instantané lu).", "2026-03-01 12:15:00+00"
    )
    ecarts: Mapped[int | None] = column(
        Integer, "Écarts trouvés (0 : grand livre cohérent) ; vide : contrôle inachevé.", "0"
    )
    duree_ms: Mapped[int] = column(Integer, "Durée du contrôle (ms).", "4210")
    details: Mapped[dict[str, Any]] = column(
        JSONB,
        "Totaux, écarts par vérification et premiers exemples, ou la raison d'un arrêt.",
        '{"ecritures": 2000000, "verifications": {}}',
        server_default="{}",
    )
