"""`changement_identifiant`: a person's request to replace their phone number or e-mail
address, from the request (PIN checked, code sent to the new identifier) to its end.

A request stays `en_attente` until the code sent to the new identifier is typed
(`confirme`), a newer request replaces it (`annule`), or someone else took the identifier
first (`refuse`: the unique constraints of `utilisateur` decide races). At most one request
per person is pending (a partial unique index). A confirmed row keeps the identifier it
replaced (`ancienne_valeur`): what the support needs when the person says « ce n'est pas
moi ». The proof that the person controls the new identifier is `verification_compte`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, String, text
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key, timestamp, timestamp_now, user_id
from hostolink.models.types import one_of

TYPES_IDENTIFIANT = ("telephone", "email")
STATUTS_CHANGEMENT = ("en_attente", "confirme", "annule", "refuse")


class ChangementIdentifiant(Base):
    __tablename__ = "changement_identifiant"
    __table_args__ = (
        CheckConstraint(one_of("type_identifiant", TYPES_IDENTIFIANT), name="type_valide"),
        CheckConstraint(one_of("statut", STATUTS_CHANGEMENT), name="statut_valide"),
        CheckConstraint("(statut = 'en_attente') = (date_cloture IS NULL)", name="cloture_datee"),
        Index("ix_changement_identifiant_id_user_date", "id_user", "date_demande"),
        # RG-72: one pending request per person.
        Index(
            "uq_changement_identifiant_en_attente",
            "id_user",
            unique=True,
            postgresql_where=text("statut = 'en_attente'"),
        ),
        {
            "comment": "Demande de changement du numéro de téléphone ou de l'adresse e-mail "
            "d'un compte (code envoyé au nouvel identifiant, PIN vérifié)."
        },
    )

    id_changement: Mapped[int] = primary_key(BigInteger, "Identifiant de la demande.", "12")
    id_user: Mapped[int] = user_id("CASCADE", "Personne dont l'identifiant change.", "7")
    type_identifiant: Mapped[str] = column(
        String(10), "Identifiant remplacé : telephone ou email.", "telephone"
    )
    nouvelle_valeur: Mapped[str] = column(
        String(320),
        "Nouvel identifiant, normalisé (E.164 ou e-mail en minuscules).",
        "+2250709080706",
    )
    ancienne_valeur: Mapped[str | None] = column(
        String(320),
        "Identifiant remplacé, noté à la confirmation ; vide si la personne n'en avait pas.",
        "+2250701020304",
    )
    statut: Mapped[str] = column(
        String(12),
        "État : " + ", ".join(STATUTS_CHANGEMENT) + ".",
        "en_attente",
        nullable=False,
        server_default="en_attente",
    )
    date_demande: Mapped[datetime] = timestamp_now(
        "Date de la demande (PIN vérifié, code envoyé).", "2026-12-05 09:30:00+00"
    )
    date_cloture: Mapped[datetime | None] = timestamp(
        "Date de la confirmation, de l'annulation ou du refus.", "2026-12-05 09:32:00+00"
    )
