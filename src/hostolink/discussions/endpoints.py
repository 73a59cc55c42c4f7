"""Thematic rooms: administrators create and edit them; people list, join and leave them,
post (text, image, an expert's answer), read the history and move their read marker. New
messages are delivered live over `/ws/thematiques/{id}` (live.py).

The author of anything written here is the token's principal; bodies refuse unknown fields
(`id_user`, `auteur`…) with 422 (F-14)."""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Query, Request

from hostolink.auth import permissions
from hostolink.auth.deps import CurrentUser, authenticated_router, require
from hostolink.auth.deps import public_router as _public_router
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.discussions import service
from hostolink.discussions.hub import runtime_of
from hostolink.discussions.live import publish_quietly, within_limit, ws_router
from hostolink.discussions.schemas import (
    DoneAnswer,
    HistoryAnswer,
    HistoryData,
    MembershipAnswer,
    MessageAnswer,
    MessageCreate,
    MessageReport,
    ReadMark,
    RoomAnswer,
    RoomCreate,
    RoomEdit,
    RoomsAnswer,
)
from hostolink.errors import TooManyRequests
from hostolink.kit.deps import SettingsDep
from hostolink.kit.pagination import AfterId, BeforeId
from hostolink.kit.params import MessageId, RoomId
from hostolink.social.schemas import ReportAnswer, ReportOut

__all__ = ["admin_router", "public", "router", "ws_router"]

router = authenticated_router(tags=["discussions"])
public = _public_router(tags=["discussions"])
admin_router = authenticated_router(tags=["discussions"])
ContentManager = Annotated[Principal, Depends(require(permissions.CONTENTS_MANAGE))]

Limit = Annotated[int, Query(ge=1, le=service.MAX_PAGE, description="Messages par page.")]


@admin_router.post(
    "/api/admin/thematiques",
    status_code=201,
    response_model=RoomAnswer,
    summary="Créer un salon thématique",
)
async def create_room(body: RoomCreate, admin: ContentManager, session: SessionDep) -> RoomAnswer:
    return RoomAnswer(data=await service.create_room(session, actor=admin, body=body))


@admin_router.patch(
    "/api/admin/thematiques/{id_thematique}",
    response_model=RoomAnswer,
    summary="Modifier ou archiver un salon thématique",
)
async def edit_room(
    id_thematique: RoomId, body: RoomEdit, admin: ContentManager, session: SessionDep
) -> RoomAnswer:
    room = await service.edit_room(session, actor=admin, room_id=id_thematique, body=body)
    return RoomAnswer(data=room)


@admin_router.get(
    "/api/admin/thematiques",
    response_model=RoomsAnswer,
    summary="Tous les salons thématiques, archivés compris",
)
async def all_rooms(admin: ContentManager, session: SessionDep) -> RoomsAnswer:
    """Tous les salons, archivés compris."""
    rooms = await service.list_rooms(session, viewer=admin, include_archived=True)
    return RoomsAnswer(data=rooms)


@router.get("/api/thematiques", response_model=RoomsAnswer, summary="Salons thématiques ouverts")
async def rooms(user: CurrentUser, session: SessionDep) -> RoomsAnswer:
    """Les salons ouverts, avec pour chacun l'adhésion de l'appelant et ses non-lus."""
    return RoomsAnswer(data=await service.list_rooms(session, viewer=user))


@router.get(
    "/api/thematiques/{id_thematique}", response_model=RoomAnswer, summary="Un salon thématique"
)
async def room(id_thematique: RoomId, user: CurrentUser, session: SessionDep) -> RoomAnswer:
    return RoomAnswer(data=await service.room_view(session, user_id=user.id, room_id=id_thematique))


@router.post(
    "/api/thematiques/{id_thematique}/membres",
    status_code=201,
    response_model=MembershipAnswer,
    summary="Rejoindre un salon",
)
async def join(id_thematique: RoomId, user: CurrentUser, session: SessionDep) -> MembershipAnswer:
    """Rejoindre le salon (l'appelant ; un expert de santé y entre comme expert)."""
    return MembershipAnswer(data=await service.join(session, actor=user, room_id=id_thematique))


@router.delete(
    "/api/thematiques/{id_thematique}/membres",
    response_model=DoneAnswer,
    summary="Quitter un salon",
)
async def leave(id_thematique: RoomId, user: CurrentUser, session: SessionDep) -> DoneAnswer:
    await service.leave(session, actor=user, room_id=id_thematique)
    return DoneAnswer(message="Vous avez quitté le salon.")


@router.post(
    "/api/thematiques/{id_thematique}/messages",
    status_code=201,
    response_model=MessageAnswer,
    summary="Écrire dans un salon",
)
async def post_message(
    *,
    id_thematique: RoomId,
    body: MessageCreate,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> MessageAnswer:
    """Écrire dans le salon. Un expert qui répond (`id_message_parent`) est signalé comme
    tel et l'auteur de la question est notifié."""
    runtime = runtime_of(request.app)
    per_minute = settings.discussion_messages_per_minute
    wait = await within_limit(runtime, user.id, per_minute)
    if wait is not None:
        raise TooManyRequests("Trop de messages : patientez un instant.", retry_after=wait)
    message = await service.post_message(session, actor=user, room_id=id_thematique, body=body)
    # Background tasks run after the response, hence after the session committed: no
    # socket ever shows a message that rolled back.
    background.add_task(publish_quietly, runtime.hub, message)
    return MessageAnswer(data=message)


@router.get(
    "/api/thematiques/{id_thematique}/messages",
    response_model=HistoryAnswer,
    summary="Historique des messages d'un salon",
)
async def history(
    *,
    id_thematique: RoomId,
    user: CurrentUser,
    session: SessionDep,
    avant: BeforeId = None,
    apres: AfterId = None,
    limite: Limit = 30,
) -> HistoryAnswer:
    """Historique du salon : du plus récent au plus ancien (`avant` pour la page suivante),
    ou, avec `apres`, ce qui a été écrit depuis ce message (rattrapage après reconnexion)."""
    messages, following = await service.history(
        session, viewer=user, room_id=id_thematique, before=avant, after=apres, limit=limite
    )
    return HistoryAnswer(data=HistoryData(messages=messages, curseur_suivant=following))


@router.post(
    "/api/thematiques/{id_thematique}/messages/{id_message}/signalement",
    status_code=201,
    response_model=ReportAnswer,
    summary="Signaler un message du salon à la modération",
    responses={404: {"description": "Message introuvable dans ce salon."}},
)
async def report_message(
    id_thematique: RoomId,
    id_message: MessageId,
    body: MessageReport,
    user: CurrentUser,
    session: SessionDep,
) -> ReportAnswer:
    """Signaler un message (membres du salon) ; il rejoint la file de modération. Un même
    message ne se signale qu'une fois par personne (409 ensuite)."""
    item = await service.report_message(
        session, actor=user, room_id=id_thematique, message_id=id_message, body=body
    )
    return ReportAnswer(data=ReportOut.model_validate(item, from_attributes=True))


@router.post(
    "/api/thematiques/{id_thematique}/lu",
    response_model=RoomAnswer,
    summary="Marquer un salon comme lu jusqu'à un message",
)
async def mark_read(
    id_thematique: RoomId, body: ReadMark, user: CurrentUser, session: SessionDep
) -> RoomAnswer:
    """Marquer comme lu jusqu'à ce message (la marque n'avance que vers l'avant)."""
    room = await service.mark_read(session, actor=user, room_id=id_thematique, body=body)
    return RoomAnswer(data=room)
