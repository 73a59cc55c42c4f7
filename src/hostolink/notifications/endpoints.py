"""Routes of notifications: my inbox (list, unread count, mark read) and my push devices.

Every route acts on the caller's own notifications and devices only: another person's
notification answers 404, exactly like one that does not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from hostolink.auth.deps import CurrentUser, authenticated_router
from hostolink.db import SessionDep
from hostolink.kit.params import NotificationId
from hostolink.notifications import repository, service
from hostolink.notifications.schemas import (
    DeviceAnswer,
    DeviceBody,
    DeviceOut,
    Done,
    MarkedAll,
    MarkedAllAnswer,
    NotificationAnswer,
    NotificationOut,
    NotificationPage,
    NotificationPageAnswer,
    UnreadCount,
    UnreadCountAnswer,
)

router = authenticated_router(tags=["Notifications"])

MAX_PAGE = 100
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Éléments par page.")]
Cursor = Annotated[str | None, Query(max_length=200, description="Page suivante.")]
UnreadOnly = Annotated[bool, Query(description="Seulement les non lues.")]


@router.get(
    "/api/notifications",
    summary="Mes notifications, les plus récentes d'abord",
    response_model=NotificationPageAnswer,
)
async def list_notifications(
    principal: CurrentUser,
    session: SessionDep,
    limite: Limit = 20,
    curseur: Cursor = None,
    non_lues: UnreadOnly = False,
) -> NotificationPageAnswer:
    rows, following = await service.inbox(
        session, user_id=principal.id, limit=limite, cursor=curseur, unread_only=non_lues
    )
    items = [NotificationOut.model_validate(row) for row in rows]
    return NotificationPageAnswer(
        data=NotificationPage(notifications=items, curseur_suivant=following)
    )


@router.get(
    "/api/notifications/non-lues/nombre",
    summary="Nombre de mes notifications non lues",
    response_model=UnreadCountAnswer,
)
async def unread_count(principal: CurrentUser, session: SessionDep) -> UnreadCountAnswer:
    count = await repository.unread_count(session, user_id=principal.id)
    return UnreadCountAnswer(data=UnreadCount(non_lues=count))


@router.post(
    "/api/notifications/lues",
    summary="Marquer toutes mes notifications comme lues",
    response_model=MarkedAllAnswer,
)
async def mark_all_read(principal: CurrentUser, session: SessionDep) -> MarkedAllAnswer:
    count = await repository.mark_all_read(session, user_id=principal.id)
    return MarkedAllAnswer(data=MarkedAll(marquees=count))


@router.post(
    "/api/notifications/{id_notification}/lue",
    summary="Marquer une de mes notifications comme lue",
    response_model=NotificationAnswer,
)
async def mark_read(
    principal: CurrentUser,
    session: SessionDep,
    id_notification: NotificationId,
) -> NotificationAnswer:
    row = await service.mark_read(session, user_id=principal.id, notification_id=id_notification)
    return NotificationAnswer(data=NotificationOut.model_validate(row))


@router.post(
    "/api/appareils",
    summary="Enregistrer (ou rafraîchir) le jeton push de cet appareil",
    response_model=DeviceAnswer,
)
async def register_device(
    principal: CurrentUser, session: SessionDep, body: DeviceBody
) -> DeviceAnswer:
    row = await service.register_device(
        session, user_id=principal.id, token=body.jeton, platform=body.plateforme
    )
    return DeviceAnswer(data=DeviceOut.model_validate(row))


@router.delete(
    "/api/appareils/{jeton}",
    summary="Oublier le jeton push d'un de mes appareils (déconnexion)",
    response_model=Done,
)
async def forget_device(
    principal: CurrentUser,
    session: SessionDep,
    jeton: Annotated[str, Path(min_length=1, max_length=4096)],
) -> Done:
    await service.forget_device(session, user_id=principal.id, token=jeton)
    return Done(message="Appareil retiré : il ne recevra plus de notifications.")
