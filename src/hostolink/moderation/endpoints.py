"""The administrators' moderation desk: the queue of pending reports, and the decisions on
them (hide the content, or reject the report).

Reports are written by the social network (`social.moderation`: posts and comments) and by
the discussions (room messages); a decision to hide a room message also withdraws it from
the screens connected to the room (`discussions.live`). This package sits above both, so
that neither imports the other's routes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request

from hostolink.auth import permissions
from hostolink.auth.deps import authenticated_router, require
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.discussions.hub import runtime_of
from hostolink.discussions.live import withdraw_quietly
from hostolink.kit.pagination import CursorQuery, PageLimit
from hostolink.kit.params import ReportId
from hostolink.social import moderation
from hostolink.social.schemas import (
    Decision,
    ModerationAnswer,
    ModerationData,
    ReportAnswer,
    ReportOut,
)

router = authenticated_router(tags=["Administration — modération"])
Moderator = Annotated[Principal, Depends(require(permissions.MODERATION))]


@router.get(
    "/api/admin/moderation",
    response_model=ModerationAnswer,
    summary="File de modération (signalements en attente)",
    dependencies=[Depends(require(permissions.MODERATION))],
)
async def moderation_queue(
    session: SessionDep, curseur: CursorQuery = None, limite: PageLimit = 50
) -> ModerationAnswer:
    """Signalements en attente (publications, commentaires et messages des salons), du plus
    ancien au plus récent."""
    rows, following = await moderation.pending(session, cursor=curseur, limit=limite)
    return ModerationAnswer(data=ModerationData(signalements=rows, curseur_suivant=following))


@router.post(
    "/api/admin/moderation/{id_signalement}/masquer",
    response_model=ReportAnswer,
    summary="Masquer le contenu signalé",
)
async def hide(
    *,
    id_signalement: ReportId,
    body: Decision,
    admin: Moderator,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> ReportAnswer:
    """Masquer le contenu : il disparaît du fil, de la publication ou de l'historique du
    salon ; un message de salon est aussi retiré des écrans connectés (trame `retrait`)."""
    outcome = await moderation.decide(
        session, actor=admin, report_id=id_signalement, hide=True, motif=body.motif
    )
    if outcome.withdrawn_message is not None:
        # After the response, hence after the commit: a rolled-back decision withdraws nothing.
        room_id, message_id = outcome.withdrawn_message
        background.add_task(withdraw_quietly, runtime_of(request.app).hub, room_id, message_id)
    out = ReportOut.model_validate(outcome.report, from_attributes=True)
    return ReportAnswer(message="Contenu masqué.", data=out)


@router.post(
    "/api/admin/moderation/{id_signalement}/rejeter",
    response_model=ReportAnswer,
    summary="Rejeter le signalement (le contenu reste visible)",
)
async def reject(
    id_signalement: ReportId, body: Decision, admin: Moderator, session: SessionDep
) -> ReportAnswer:
    outcome = await moderation.decide(
        session, actor=admin, report_id=id_signalement, hide=False, motif=body.motif
    )
    out = ReportOut.model_validate(outcome.report, from_attributes=True)
    return ReportAnswer(message="Signalement rejeté.", data=out)
