"""The help desk's service-level figures, for the agents' statistics route and the
back-office dashboard: the queue as it stands, and over the last `days` days the time to a
first answer (conversations opened in the period and answered) and to resolution
(conversations resolved in the period), median and 90th percentile."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.support.conversations.schemas import FiguresOut

_FIGURES = text(
    """
    SELECT
      (SELECT count(*) FROM conversation_assistance WHERE statut = 'nouvelle') AS nouvelles,
      (SELECT count(*) FROM conversation_assistance WHERE statut = 'en_cours') AS en_cours,
      (SELECT count(*) FROM conversation_assistance
        WHERE statut = 'attente_utilisateur') AS attente_utilisateur,
      (SELECT count(*) FROM conversation_assistance
        WHERE statut = 'resolue' AND date_resolution >= now() - make_interval(days => :days))
        AS resolues_periode,
      first.mediane AS premiere_mediane, first.p90 AS premiere_p90,
      solved.mediane AS resolution_mediane, solved.p90 AS resolution_p90,
      (SELECT count(*) FROM reclamations WHERE statut = 'ouverte') AS reclamations_ouvertes,
      (SELECT count(*) FROM reclamations WHERE statut = 'a_approuver')
        AS reclamations_a_approuver
    FROM (
      SELECT
        percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS mediane,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY s) AS p90
      FROM (
        SELECT extract(epoch FROM date_premiere_reponse - date_creation) AS s
        FROM conversation_assistance
        WHERE date_premiere_reponse IS NOT NULL
          AND date_creation >= now() - make_interval(days => :days)
      ) answered
    ) first,
    (
      SELECT
        percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS mediane,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY s) AS p90
      FROM (
        SELECT extract(epoch FROM date_resolution - date_creation) AS s
        FROM conversation_assistance
        WHERE statut = 'resolue'
          AND date_resolution >= now() - make_interval(days => :days)
      ) resolved
    ) solved
    """
)


def _per(seconds: Any, unit: float) -> float | None:
    return None if seconds is None else round(float(seconds) / unit, 1)


async def figures(session: AsyncSession, days: int) -> FiguresOut:
    row = (await session.execute(_FIGURES, {"days": days})).one()
    return FiguresOut(
        nouvelles=row.nouvelles,
        en_cours=row.en_cours,
        attente_utilisateur=row.attente_utilisateur,
        resolues_periode=row.resolues_periode,
        premiere_reponse_mediane_min=_per(row.premiere_mediane, 60),
        premiere_reponse_p90_min=_per(row.premiere_p90, 60),
        resolution_mediane_h=_per(row.resolution_mediane, 3600),
        resolution_p90_h=_per(row.resolution_p90, 3600),
        reclamations_ouvertes=row.reclamations_ouvertes,
        reclamations_a_approuver=row.reclamations_a_approuver,
    )
