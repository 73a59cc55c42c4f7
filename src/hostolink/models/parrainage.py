"""Referral (parrainage): each person's invitation code, the campaigns administrators run
(amounts, minimum first deposit, budget, window), who invited whom, and the rewards paid.

- `code_parrainage`: one code per person (8 characters of an alphabet without 0/O/1/I).
- `campagne_parrainage`: at most one active campaign (a partial unique index); it applies to
  the sign-ups made inside its window. `budget_engage` only grows, in the same transaction
  as the reward's ledger posting, on the campaign row locked FOR UPDATE (CHECK ≤ budget).
- `parrainage`: one row per invitee (UNIQUE `id_filleul`), created at registration when the
  code used matches someone; its status follows the first deposit.
- `recompense_parrainage`: a paid reward, with its ledger transaction. UNIQUE on the invitee
  and on a keyed hash of the invitee's phone (or e-mail): one reward per person and per
  number, even after the account was deleted or anonymised (the people's ids are then
  NULL, the hash stays).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, text
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    flag,
    foreign_key,
    primary_key,
    timestamp,
    timestamp_now,
    user_id,
    zero,
)
from hostolink.models.types import one_of

STATUTS_PARRAINAGE = ("inscrit", "en_validation", "recompense", "non_eligible")


class CodeParrainage(Base):
    __tablename__ = "code_parrainage"
    __table_args__ = (
        CheckConstraint("code ~ '^[A-HJ-NP-Z2-9]{8}$'", name="code_format"),
        {"comment": "Code d'invitation de chaque personne (lien /i/<code>)."},
    )

    id_user: Mapped[int] = user_id(
        "CASCADE", "Personne à qui appartient le code.", "1001", primary_key=True
    )
    code: Mapped[str] = column(
        String(8), "Code d'invitation (8 caractères, sans 0, O, 1 ni I).", "K7QM4XPA", unique=True
    )
    date_creation: Mapped[datetime] = timestamp_now("Date de création.", "2026-03-01 12:00:00+00")


class CampagneParrainage(Base):
    __tablename__ = "campagne_parrainage"
    __table_args__ = (
        CheckConstraint("montant_parrain >= 0 AND montant_filleul >= 0", name="montants_positifs"),
        CheckConstraint("montant_parrain + montant_filleul > 0", name="bonus_non_nul"),
        CheckConstraint("depot_minimum >= 1", name="depot_minimum_positif"),
        CheckConstraint("budget >= 0", name="budget_positif"),
        CheckConstraint("budget_engage >= 0 AND budget_engage <= budget", name="budget_respecte"),
        CheckConstraint("date_fin > date_debut", name="periode_valide"),
        CheckConstraint("delai_validation_heures BETWEEN 0 AND 720", name="delai_valide"),
        # RG-82: at most one active campaign at a time.
        Index(
            "uq_campagne_parrainage_active",
            "active",
            unique=True,
            postgresql_where=text("active"),
        ),
        {"comment": "Campagne de parrainage : bonus, dépôt minimum, budget et période."},
    )

    id_campagne: Mapped[int] = primary_key(Integer, "Identifiant.", "2")
    nom: Mapped[str] = column(String(120), "Nom de la campagne.", "Parrainage rentrée 2026")
    montant_parrain: Mapped[int] = column(
        BigInteger, "Bonus du parrain, francs CFA.", "1000", nullable=False
    )
    montant_filleul: Mapped[int] = column(
        BigInteger, "Bonus du filleul, francs CFA.", "500", nullable=False
    )
    depot_minimum: Mapped[int] = column(
        BigInteger, "Montant minimum du premier dépôt du filleul, francs CFA.", "5000"
    )
    budget: Mapped[int] = column(
        BigInteger, "Budget total de la campagne (bonus des deux côtés), francs CFA.", "1000000"
    )
    budget_engage: Mapped[int] = zero(BigInteger, "Bonus déjà versés, francs CFA.", "45000")
    date_debut: Mapped[datetime] = timestamp(
        "Début de la période d'inscription couverte.", "2026-09-01 00:00:00+00", nullable=False
    )
    date_fin: Mapped[datetime] = timestamp(
        "Fin (exclue) de la période d'inscription couverte.",
        "2026-10-01 00:00:00+00",
        nullable=False,
    )
    active: Mapped[bool] = flag(True, "Au plus une campagne active à la fois.", "true")
    delai_validation_heures: Mapped[int] = column(
        Integer,
        "Délai entre le premier dépôt et le versement (un dépôt contre-passé entre-temps "
        "n'est pas récompensé).",
        "24",
        nullable=False,
        server_default="24",
    )
    id_modifie_par: Mapped[int | None] = user_id(
        "SET NULL", "Administrateur auteur de la dernière modification.", "1"
    )
    date_creation: Mapped[datetime] = timestamp_now("Date de création.", "2026-08-20 10:00:00+00")
    date_modification: Mapped[datetime] = timestamp_now(
        "Date de dernière modification.", "2026-08-20 10:00:00+00"
    )


class Parrainage(Base):
    __tablename__ = "parrainage"
    __table_args__ = (
        CheckConstraint(one_of("statut", STATUTS_PARRAINAGE), name="statut_valide"),
        # RG-83: nobody invites themselves.
        CheckConstraint("id_parrain <> id_filleul", name="pas_auto_parrainage"),
        CheckConstraint("statut <> 'non_eligible' OR motif IS NOT NULL", name="motif_requis"),
        Index("ix_parrainage_id_parrain", "id_parrain", "date_creation"),
        Index("ix_parrainage_id_campagne", "id_campagne"),
        Index("ix_parrainage_id_transaction_depot", "id_transaction_depot"),
        {"comment": "Qui a invité qui (une ligne par filleul) et où en est sa récompense."},
    )

    id_parrainage: Mapped[int] = primary_key(BigInteger, "Identifiant.", "88")
    id_parrain: Mapped[int] = user_id("CASCADE", "Personne qui a invité.", "1001", nullable=False)
    id_filleul: Mapped[int] = user_id(
        "CASCADE", "Personne invitée (une seule fois).", "1002", nullable=False, unique=True
    )
    id_campagne: Mapped[int | None] = foreign_key(
        Integer,
        "campagne_parrainage.id_campagne",
        "RESTRICT",
        "Campagne en cours à l'inscription ; vide : aucune.",
        "2",
    )
    code_utilise: Mapped[str] = column(String(8), "Code saisi à l'inscription.", "K7QM4XPA")
    statut: Mapped[str] = column(
        String(20),
        "Statut : " + ", ".join(STATUTS_PARRAINAGE) + ".",
        "inscrit",
        server_default="inscrit",
    )
    motif: Mapped[str | None] = column(
        String(255), "Pourquoi aucun bonus n'est versé.", "budget de la campagne épuisé"
    )
    id_transaction_depot: Mapped[int | None] = foreign_key(
        BigInteger,
        "transaction.id_transaction",
        "RESTRICT",
        "Premier dépôt crédité du filleul.",
        "90211",
    )
    date_creation: Mapped[datetime] = timestamp_now("Date d'inscription.", "2026-09-03 08:00:00+00")
    date_modification: Mapped[datetime | None] = timestamp(
        "Dernier changement de statut.", "2026-09-04 09:00:00+00"
    )


class RecompenseParrainage(Base):
    __tablename__ = "recompense_parrainage"
    __table_args__ = (
        CheckConstraint("montant_parrain >= 0 AND montant_filleul >= 0", name="montants_positifs"),
        Index("ix_recompense_parrainage_id_parrain", "id_parrain"),
        Index("ix_recompense_parrainage_id_campagne", "id_campagne"),
        {"comment": "Bonus de parrainage versé (une fois par filleul et par numéro)."},
    )

    id_recompense: Mapped[int] = primary_key(BigInteger, "Identifiant.", "12")
    id_parrainage: Mapped[int | None] = foreign_key(
        BigInteger,
        "parrainage.id_parrainage",
        "SET NULL",
        "Parrainage récompensé.",
        "88",
        unique=True,
    )
    id_campagne: Mapped[int] = foreign_key(
        Integer, "campagne_parrainage.id_campagne", "RESTRICT", "Campagne.", "2", nullable=False
    )
    id_parrain: Mapped[int | None] = user_id("SET NULL", "Parrain récompensé.", "1001")
    id_filleul: Mapped[int | None] = user_id(
        "SET NULL", "Filleul récompensé (une seule fois).", "1002", unique=True
    )
    empreinte_identifiant: Mapped[str] = column(
        String(64),
        "Empreinte à clé (HMAC) du numéro (ou de l'e-mail) du filleul : une seule récompense "
        "par numéro, même après suppression du compte.",
        "9f2c…",
        nullable=False,
        unique=True,
    )
    montant_parrain: Mapped[int] = column(BigInteger, "Bonus versé au parrain.", "1000")
    montant_filleul: Mapped[int] = column(BigInteger, "Bonus versé au filleul.", "500")
    id_transaction: Mapped[int] = foreign_key(
        BigInteger,
        "transaction.id_transaction",
        "RESTRICT",
        "Transaction du grand livre qui a versé les deux bonus.",
        "90250",
        nullable=False,
        unique=True,
    )
    date_creation: Mapped[datetime] = timestamp_now("Date du versement.", "2026-09-05 09:00:00+00")
