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
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
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

    id_cle: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant interne.", info={"exemple": "4410"}
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        nullable=False,
        comment="Personne qui a envoyé la requête.",
        info={"exemple": "1001"},
    )
    cle: Mapped[str] = mapped_column(
        String(255),
        nullable=False,
        comment="Valeur de l'en-tête Idempotency-Key.",
        info={"exemple": "3f1c2a9e-5d0b-4c8e-9a51-0f7d2b6e8c13"},
    )
    empreinte_requete: Mapped[str] = mapped_column(
        String(64),
        nullable=False,
        comment="SHA-256 (hex) de la méthode, du chemin et du corps de la requête.",
        info={"exemple": "e3b0c44298fc1c149afbf4c8996fb924…"},
    )
    statut: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        server_default="en_cours",
        comment="Statut : en_cours (requête en traitement) ou terminee.",
        info={"exemple": "terminee"},
    )
    code_http: Mapped[int | None] = mapped_column(
        SmallInteger, comment="Code HTTP de la réponse stockée.", info={"exemple": "201"}
    )
    reponse: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB, comment="Corps JSON de la réponse stockée.", info={"exemple": '{"success": true}'}
    )
    id_transaction: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("transaction.id_transaction", ondelete="RESTRICT"),
        comment="Transaction produite par la requête, le cas échéant.",
        info={"exemple": "90211"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Première réception de la clé.",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
    date_expiration: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        comment="Après cette date, la clé peut être purgée.",
        info={"exemple": "2026-03-02 12:00:00+00"},
    )
