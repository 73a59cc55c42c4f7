"""`operation_bac_a_sable`: the operations of the sandbox provider (providers/sandbox), the
simulated mobile-money operator, as that operator would keep them on its side. In the
database rather than one process's memory, so that every process and instance serves its
payment page and answers its status calls. Development and demonstration data only: no
money moves; `operation_fournisseur` holds our side of the same operation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

SENS_BAC_A_SABLE = ("depot", "retrait")
STATUTS_BAC_A_SABLE = ("en_attente", "reussie", "echouee")


class OperationBacASable(Base):
    __tablename__ = "operation_bac_a_sable"
    __table_args__ = (
        CheckConstraint(one_of("sens", SENS_BAC_A_SABLE), name="sens_valide"),
        CheckConstraint(one_of("statut", STATUTS_BAC_A_SABLE), name="statut_valide"),
        CheckConstraint("montant > 0", name="montant_positif"),
        CheckConstraint("(statut = 'en_attente') = (date_decision IS NULL)", name="decision_datee"),
        CheckConstraint("appels_statut >= 0", name="appels_statut_positifs"),
        CheckConstraint("notifications_envoyees >= 0", name="notifications_positives"),
        {
            "comment": "Opérations de l'opérateur simulé (bac à sable) : aucun argent réel ; "
            "partagées par tous les processus."
        },
    )

    id_operation: Mapped[str] = mapped_column(
        String(40),
        primary_key=True,
        comment="Identifiant chez l'opérateur simulé (notre id_externe).",
        info={"exemple": "sbx_5f2c9a41d07be613"},
    )
    reference: Mapped[str] = mapped_column(
        String(64),
        nullable=False,
        unique=True,
        comment="Notre référence, clé d'idempotence de la demande : une seule opération par "
        "référence.",
        info={"exemple": "0b6f3c1e-8d2a-4c55-9a3e-2f1d7c9b4e60"},
    )
    sens: Mapped[str] = mapped_column(
        String(7),
        nullable=False,
        comment="Sens : depot (le payeur paie), retrait (l'opérateur verse).",
        info={"exemple": "depot"},
    )
    montant: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="Montant demandé.", info={"exemple": "10150"}
    )
    devise: Mapped[str] = mapped_column(
        String(3), nullable=False, comment="Devise (ISO 4217).", info={"exemple": "XOF"}
    )
    numero: Mapped[str] = mapped_column(
        String(32),
        nullable=False,
        comment="Numéro du payeur ou du bénéficiaire ; sa fin choisit le scénario simulé "
        "(99 refusé, 98 sans réponse, 97 notification perdue, 96 réponse perdue, "
        "95 changement de plateforme).",
        info={"exemple": "+2250700000001"},
    )
    moyen: Mapped[str] = mapped_column(
        String(30),
        nullable=False,
        comment="Moyen de paiement demandé (rail).",
        info={"exemple": "sandbox"},
    )
    description: Mapped[str] = mapped_column(
        Text,
        nullable=False,
        comment="Libellé montré sur la page de paiement.",
        info={"exemple": "Dépôt Hostolink de 10 000 F CFA"},
    )
    url_notification: Mapped[str] = mapped_column(
        Text,
        nullable=False,
        comment="Adresse où l'opérateur simulé envoie ses notifications signées.",
        info={"exemple": "http://localhost:3000/api/fournisseurs/sandbox/notifications"},
    )
    url_retour: Mapped[str | None] = mapped_column(
        Text,
        comment="Adresse de retour vers Hostolink après le paiement (dépôt) ; vide : aucune.",
        info={"exemple": "http://localhost:3000/sandbox/retour/0b6f3c1e"},
    )
    statut: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        server_default="en_attente",
        comment="Statut : en_attente, reussie, echouee.",
        info={"exemple": "en_attente"},
    )
    motif: Mapped[str | None] = mapped_column(
        Text,
        comment="Motif d'un refus ; vide sinon.",
        info={"exemple": "Paiement refusé par le payeur (bac à sable)."},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de la demande (début de la session de paiement d'un dépôt).",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
    date_decision_prevue: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date à partir de laquelle l'opérateur simulé décide le retrait ; vide : il "
        "attend une décision explicite, ou ne répond jamais.",
        info={"exemple": "2026-03-01 12:00:05+00"},
    )
    date_decision: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date de la décision (payeur ou opérateur) ; vide : en attente.",
        info={"exemple": "2026-03-01 12:00:05+00"},
    )
    notifications_envoyees: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        server_default="0",
        comment="Notifications acceptées par Hostolink (2xx), doublons compris.",
        info={"exemple": "1"},
    )
    appels_statut: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        server_default="0",
        comment="Appels de statut reçus pour cette opération (le scénario 95 en dépend).",
        info={"exemple": "0"},
    )
