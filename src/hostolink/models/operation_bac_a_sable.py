"""`operation_bac_a_sable`: the operations of the sandbox provider (providers/sandbox), the
simulated mobile-money operator, as that operator would keep them on its side. In the
database rather than one process's memory, so that every process and instance serves its
payment page and answers its status calls. Development and demonstration data only: no
money moves; `operation_fournisseur` holds our side of the same operation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key, timestamp, timestamp_now, zero
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

    id_operation: Mapped[str] = primary_key(
        String(40),
        "Identifiant chez l'opérateur simulé (notre id_externe).",
        "sbx_5f2c9a41d07be613",
    )
    reference: Mapped[str] = column(
        String(64),
        "Notre référence, clé d'idempotence de la demande : une seule opération par référence.",
        "0b6f3c1e-8d2a-4c55-9a3e-2f1d7c9b4e60",
        unique=True,
    )
    sens: Mapped[str] = column(
        String(7), "Sens : depot (le payeur paie), retrait (l'opérateur verse).", "depot"
    )
    montant: Mapped[int] = column(BigInteger, "Montant demandé.", "10150")
    devise: Mapped[str] = column(String(3), "Devise (ISO 4217).", "XOF")
    numero: Mapped[str] = column(
        String(32),
        "Numéro du payeur ou du bénéficiaire ; sa fin choisit le scénario simulé "
        "(99 refusé, 98 sans réponse, 97 notification perdue, 96 réponse perdue, "
        "95 changement de plateforme).",
        "+2250700000001",
    )
    moyen: Mapped[str] = column(String(30), "Moyen de paiement demandé (rail).", "sandbox")
    description: Mapped[str] = column(
        Text, "Libellé montré sur la page de paiement.", "Dépôt Hostolink de 10 000 F CFA"
    )
    url_notification: Mapped[str] = column(
        Text,
        "Adresse où l'opérateur simulé envoie ses notifications signées.",
        "http://localhost:3000/api/fournisseurs/sandbox/notifications",
    )
    url_retour: Mapped[str | None] = column(
        Text,
        "Adresse de retour vers Hostolink après le paiement (dépôt) ; vide : aucune.",
        "http://localhost:3000/sandbox/retour/0b6f3c1e",
    )
    statut: Mapped[str] = column(
        String(10),
        "Statut : en_attente, reussie, echouee.",
        "en_attente",
        server_default="en_attente",
    )
    motif: Mapped[str | None] = column(
        Text, "Motif d'un refus ; vide sinon.", "Paiement refusé par le payeur (bac à sable)."
    )
    date_creation: Mapped[datetime] = timestamp_now(
        "Date de la demande (début de la session de paiement d'un dépôt).", "2026-03-01 12:00:00+00"
    )
    date_decision_prevue: Mapped[datetime | None] = timestamp(
        "Date à partir de laquelle l'opérateur simulé décide le retrait ; vide : il "
        "attend une décision explicite, ou ne répond jamais.",
        "2026-03-01 12:00:05+00",
    )
    date_decision: Mapped[datetime | None] = timestamp(
        "Date de la décision (payeur ou opérateur) ; vide : en attente.", "2026-03-01 12:00:05+00"
    )
    notifications_envoyees: Mapped[int] = zero(
        Integer, "Notifications acceptées par Hostolink (2xx), doublons compris.", "1"
    )
    appels_statut: Mapped[int] = zero(
        Integer, "Appels de statut reçus pour cette opération (le scénario 95 en dépend).", "0"
    )
