"""`cle_idempotence`: the client's `Idempotency-Key`, per person, with a hash of the request
and the stored response. The same key with the same request replays the response; with a
different request it is a conflict (409). UNIQUE (id_user, cle) makes concurrent duplicates
collide in the database instead of both executing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
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

STATUTS = ("en_cours", "terminee")


class CleIdempotence(Base):
    __tablename__ = "cle_idempotence"
    __table_args__ = (
        UniqueConstraint("id_user", "cle"),
        CheckConstraint(one_of("statut", STATUTS), name="statut_valide"),
        CheckConstraint("empreinte_requete ~ '^[0-9a-f]{64}$'", name="empreinte_sha256"),
        CheckConstraint("statut <> 'terminee' OR code_http IS NOT NULL", name="reponse_stockee"),
        Index("ix_cle_idempotence_date_expiration", "date_expiration"),
        {"comment": "Clés d'idempotence des requêtes (en-tête Idempotency-Key) et réponses."},
    )

    id_cle: Mapped[int] = primary_key(BigInteger, "Identifiant interne.", "4410")
    id_user: Mapped[int] = user_id("CASCADE", "Personne qui a envoyé la requête.", "1001")
    cle: Mapped[str] = column(
        String(255), "Valeur de l'en-tête Idempotency-Key.", "3f1c2a9e-5d0b-4c8e-9a51-0f7d2b6e8c13"
    )
    empreinte_requete: Mapped[str] = column(
        String(64),
        "SHA-256 (hex) de la méthode, du chemin et du corps de la requête.",
        "e3b0c44298fc1c149afbf4c8996fb924…",
    )
    statut: Mapped[str] = column(
        String(10),
        "Statut : en_cours (requête en traitement) ou terminee.",
        "terminee",
        server_default="en_cours",
    )
    code_http: Mapped[int | None] = column(SmallInteger, "Code HTTP de la réponse stockée.", "201")
    reponse: Mapped[dict[str, Any] | None] = column(
        JSONB, "Corps JSON de la réponse stockée.", '{"success": true}'
    )
    id_transaction: Mapped[int | None] = foreign_key(
        BigInteger,
        "transaction.id_transaction",
        "RESTRICT",
        "Transaction produite par la requête, le cas échéant.",
        "90211",
    )
    date_creation: Mapped[datetime] = timestamp_now(
        "Première réception de la clé.", "2026-03-01 12:00:00+00"
    )
    date_expiration: Mapped[datetime] = timestamp(
        "Après cette date, la clé peut être purgée.", "2026-03-02 12:00:00+00"
    )
