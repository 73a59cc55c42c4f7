"""`question_frequente`: the public FAQ of the help screen, managed in the back-office.
`texte_recherche` holds the folded words of the question, answer and category (no
`unaccent` on the embedded server, as for the directory), recomputed on every change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, flag, primary_key, timestamp_now, user_id


class QuestionFrequente(Base):
    __tablename__ = "question_frequente"
    __table_args__ = (
        CheckConstraint("length(btrim(question)) > 0", name="question_non_vide"),
        CheckConstraint("length(btrim(reponse)) > 0", name="reponse_non_vide"),
        Index("ix_question_frequente_publiee_ordre", "publiee", "categorie", "ordre"),
        {"comment": "Question fréquente (FAQ) de l'écran d'aide."},
    )

    id_question: Mapped[int] = primary_key(Integer, "Identifiant.", "12")
    question: Mapped[str] = column(
        String(300), "Question.", "Combien de temps prend un retrait Orange Money ?"
    )
    reponse: Mapped[str] = column(
        Text, "Réponse.", "En général moins d'une minute ; au plus 24 heures."
    )
    categorie: Mapped[str] = column(
        String(60), "Catégorie affichée.", "Portefeuille", server_default="Général"
    )
    ordre: Mapped[int] = column(
        Integer, "Rang dans sa catégorie.", "10", nullable=False, server_default="0"
    )
    publiee: Mapped[bool] = flag(True, "Visible du public.", "true")
    texte_recherche: Mapped[str] = column(
        Text, "Mots repliés (minuscules, sans accents) pour la recherche.", "retrait orange"
    )
    id_modifie_par: Mapped[int | None] = user_id(
        "SET NULL", "Auteur de la dernière modification.", "7"
    )
    date_creation: Mapped[datetime] = timestamp_now("Date de création.", "2026-12-01 10:00:00+00")
    date_modification: Mapped[datetime] = timestamp_now(
        "Date de dernière modification.", "2026-12-01 10:00:00+00"
    )
