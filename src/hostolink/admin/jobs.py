"""Routes of the job desk (the same as the back-office page « Tâches de fond »): the queue's
state by kind and status, the abandoned jobs, and retrying or cancelling a job with a motif
(audited). Reading needs `taches:lire`, acting `taches:gerer`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from hostolink.admin import audit
from hostolink.admin import job_desk as desk
from hostolink.admin.governance import MotifBody
from hostolink.auth import permissions
from hostolink.auth.deps import CurrentUser, authenticated_router, require
from hostolink.db import SessionDep
from hostolink.kit.params import big_id

router = authenticated_router(tags=["Administration — tâches de fond"])

JobId = Annotated[int, big_id("Identifiant de la tâche.")]


class KindOut(BaseModel):
    nom: str = Field(description="Type de tâche.", examples=["operations.notification"])
    compteurs: dict[str, int] = Field(
        description="Nombre de tâches par statut (en_attente, en_cours, terminee, abandonnee, "
        "annulee).",
        examples=[{"en_attente": 3, "en_cours": 1, "terminee": 120, "abandonnee": 1}],
    )
    dues: int = Field(description="Tâches à exécuter maintenant (en attente et échues).")
    attente_max_secondes: float | None = Field(
        description="Depuis combien de temps la plus ancienne tâche due attend (secondes).",
        examples=[42.5],
    )
    anciennete_secondes: dict[str, float] = Field(
        description="Âge (depuis la mise en file) de la plus ancienne tâche de chaque statut."
    )


class JobOut(BaseModel):
    id_tache: int
    nom: str
    statut: str
    tentatives: int
    tentatives_max: int
    derniere_erreur: str | None
    resume: str = Field(
        description="Arguments de la tâche, identifiants seulement (le reste est masqué)."
    )
    date_creation: datetime
    date_execution: datetime
    date_fin: datetime | None

    @classmethod
    def of(cls, line: desk.JobLine) -> JobOut:
        return cls(**asdict(line))


class AbandonedPage(BaseModel):
    elements: list[JobOut]
    curseur_suivant: str | None


class QueueOut(BaseModel):
    par_nom: list[KindOut]
    abandonnees: AbandonedPage


class QueueAnswer(BaseModel):
    success: bool = True
    data: QueueOut


class JobAnswer(BaseModel):
    success: bool = True
    message: str
    data: JobOut


def _actor(principal: CurrentUser, request: Request) -> audit.Actor:
    return audit.actor_of(principal, request)


ActorDep = Annotated[audit.Actor, Depends(_actor)]


@router.get(
    "/api/admin/taches",
    summary="État de la file des tâches de fond",
    description="Par type de tâche : le nombre par statut, les tâches dues et l'attente de la "
    "plus ancienne ; puis les tâches abandonnées (la plus récemment abandonnée d'abord, "
    "avec leur dernière erreur), page par page avec `curseur`.",
    dependencies=[Depends(require(permissions.TASKS_READ))],
)
async def queue_state(
    *,
    session: SessionDep,
    curseur: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=desk.MAX_PAGE)] = 50,
) -> QueueAnswer:
    kinds = await desk.overview(session)
    lines, following = await desk.abandoned(session, cursor=curseur, limit=limit)
    return QueueAnswer(
        data=QueueOut(
            par_nom=[
                KindOut(
                    nom=kind.nom,
                    compteurs=kind.counts,
                    dues=kind.due,
                    attente_max_secondes=kind.oldest_due_seconds,
                    anciennete_secondes=kind.oldest_seconds,
                )
                for kind in kinds
            ],
            abandonnees=AbandonedPage(
                elements=[JobOut.of(line) for line in lines], curseur_suivant=following
            ),
        )
    )


@router.post(
    "/api/admin/taches/{id_tache}/relance",
    summary="Relancer une tâche abandonnée",
    description="La tâche repart tout de suite, avec toutes ses tentatives. Refusé (409) si "
    "elle n'est pas abandonnée, ou si une tâche identique attend déjà. Journalisé avec le "
    "motif.",
    dependencies=[Depends(require(permissions.TASKS_MANAGE))],
)
async def retry(
    id_tache: JobId, body: MotifBody, session: SessionDep, actor: ActorDep
) -> JobAnswer:
    line = await desk.retry(session, actor=actor, job_id=id_tache, motif=body.motif)
    return JobAnswer(message="Tâche relancée.", data=JobOut.of(line))


@router.post(
    "/api/admin/taches/{id_tache}/annulation",
    summary="Annuler une tâche en attente ou abandonnée",
    description="La tâche ne s'exécutera pas. Une tâche en cours d'exécution ne s'annule pas "
    "(409) : son effet est peut-être en train de s'appliquer. Journalisé avec le motif.",
    dependencies=[Depends(require(permissions.TASKS_MANAGE))],
)
async def cancel(
    id_tache: JobId, body: MotifBody, session: SessionDep, actor: ActorDep
) -> JobAnswer:
    line = await desk.cancel(session, actor=actor, job_id=id_tache, motif=body.motif)
    return JobAnswer(message="Tâche annulée.", data=JobOut.of(line))
