"""`jeton_rafraichissement`: refresh tokens, stored hashed, rotated on every use.
Tokens of one login share a `famille`: presenting a rotated token again revokes the family.

A family is a session (one sign-in): each token also carries the device, the place and the
sign-in time of its session (copied at each rotation, no extra write), so the live token of
a family is the session's whole row; its `date_creation` is when the session was last seen
(the sign-in, then each refresh). See hostolink.account.sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class JetonRafraichissement(Base):
    __tablename__ = "jeton_rafraichissement"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    id_user: Mapped[int] = mapped_column(
        Integer, ForeignKey("utilisateur.id_user", ondelete="CASCADE"), nullable=False, index=True
    )
    famille: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    hash_jeton: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    date_expiration: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    date_utilisation: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    date_revocation: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    motif_revocation: Mapped[str | None] = mapped_column(String(30))
    adresse_ip: Mapped[str | None] = mapped_column(String(45))
    appareil: Mapped[str | None] = mapped_column(
        String(80), comment="Appareil de la session, déduit du User-Agent (Chrome sur Windows)."
    )
    agent_utilisateur: Mapped[str | None] = mapped_column(
        String(255), comment="En-tête User-Agent de la connexion, tronqué à 255 caractères."
    )
    lieu: Mapped[str | None] = mapped_column(
        String(80), comment="Pays déduit de adresse_ip (Côte d'Ivoire, Réseau local)."
    )
    date_connexion: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Connexion qui a ouvert la session (la famille), recopiée à chaque rotation.",
    )
