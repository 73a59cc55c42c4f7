"""Routes of announcements and ads: public lists of those shown now (by placement), a
public click counter for ads, and the administrators' create/edit/delete (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from hostolink.admin.audit import Actor, actor_of
from hostolink.announcements import repository, service
from hostolink.announcements.schemas import (
    AdAdminAnswer,
    AdAdminOut,
    AdBody,
    AdEdit,
    AdOut,
    AdsAdminAnswer,
    AdsAnswer,
    AnnouncementAdminAnswer,
    AnnouncementAdminOut,
    AnnouncementBody,
    AnnouncementEdit,
    AnnouncementOut,
    AnnouncementsAdminAnswer,
    AnnouncementsAnswer,
    Click,
    ClickAnswer,
    Deleted,
    Placement,
)
from hostolink.announcements.service import ADS, ANNOUNCEMENTS, as_dict
from hostolink.auth import permissions
from hostolink.auth.deps import (
    authenticated_router,
    limit_client,
    public_router,
    require,
)
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.kit.params import AdId, AnnouncementId

router = authenticated_router(tags=["Annonces et publicités"])
public = public_router(tags=["Annonces et publicités"])
admin_router = authenticated_router(tags=["Administration — annonces et publicités"])
ContentManager = Annotated[Principal, Depends(require(permissions.CONTENTS_MANAGE))]
_MANAGE = [Depends(require(permissions.CONTENTS_MANAGE))]

PlacementQuery = Annotated[Placement | None, Query(description="Emplacement dans l'application.")]


def _actor(principal: ContentManager, request: Request) -> Actor:
    return actor_of(principal, request)


ActorDep = Annotated[Actor, Depends(_actor)]


@public.get(
    "/api/annonces", summary="Annonces affichées maintenant", response_model=AnnouncementsAnswer
)
async def announcements(
    session: SessionDep, emplacement: PlacementQuery = None
) -> AnnouncementsAnswer:
    rows = await repository.active(session, ANNOUNCEMENTS.model, placement=emplacement)
    return AnnouncementsAnswer(
        data=[AnnouncementOut.model_validate(as_dict(row, url)) for row, url in rows]
    )


@public.get("/api/publicites", summary="Publicités diffusées maintenant", response_model=AdsAnswer)
async def ads(session: SessionDep, emplacement: PlacementQuery = None) -> AdsAnswer:
    rows = await repository.active(session, ADS.model, placement=emplacement)
    return AdsAnswer(data=[AdOut.model_validate(as_dict(row, url)) for row, url in rows])


@public.post(
    "/api/publicites/{id_publicite}/clic",
    summary="Compter un clic sur une publicité diffusée",
    response_model=ClickAnswer,
    dependencies=[Depends(limit_client)],
)
async def ad_click(session: SessionDep, id_publicite: AdId) -> ClickAnswer:
    target = await service.click(session, id_publicite)
    return ClickAnswer(data=Click(url_cible=target))


@admin_router.get(
    "/api/admin/annonces",
    summary="Toutes les annonces (les plus récentes d'abord)",
    dependencies=_MANAGE,
    response_model=AnnouncementsAdminAnswer,
)
async def all_announcements(session: SessionDep) -> AnnouncementsAdminAnswer:
    rows = await repository.every(session, ANNOUNCEMENTS.model)
    return AnnouncementsAdminAnswer(
        data=[AnnouncementAdminOut.model_validate(as_dict(row, url)) for row, url in rows]
    )


@admin_router.post(
    "/api/admin/annonces",
    summary="Créer une annonce",
    status_code=201,
    response_model=AnnouncementAdminAnswer,
)
async def create_announcement(
    session: SessionDep, actor: ActorDep, body: AnnouncementBody
) -> AnnouncementAdminAnswer:
    row = await service.create(session, ANNOUNCEMENTS, values=body.values(), actor=actor)
    return AnnouncementAdminAnswer(data=AnnouncementAdminOut.model_validate(row))


@admin_router.patch(
    "/api/admin/annonces/{id_annonce}",
    summary="Modifier une annonce",
    response_model=AnnouncementAdminAnswer,
)
async def edit_announcement(
    session: SessionDep, actor: ActorDep, id_annonce: AnnouncementId, body: AnnouncementEdit
) -> AnnouncementAdminAnswer:
    changes = body.values(sent_only=True)
    row = await service.edit(session, ANNOUNCEMENTS, id_annonce, changes=changes, actor=actor)
    return AnnouncementAdminAnswer(data=AnnouncementAdminOut.model_validate(row))


@admin_router.delete(
    "/api/admin/annonces/{id_annonce}", summary="Supprimer une annonce", response_model=Deleted
)
async def delete_announcement(
    session: SessionDep, actor: ActorDep, id_annonce: AnnouncementId
) -> Deleted:
    await service.remove(session, ANNOUNCEMENTS, id_annonce, actor=actor)
    return Deleted(message="Annonce supprimée.")


@admin_router.get(
    "/api/admin/publicites",
    summary="Toutes les publicités, avec leurs compteurs",
    dependencies=_MANAGE,
    response_model=AdsAdminAnswer,
)
async def all_ads(session: SessionDep) -> AdsAdminAnswer:
    rows = await repository.every(session, ADS.model)
    return AdsAdminAnswer(data=[AdAdminOut.model_validate(as_dict(row, url)) for row, url in rows])


@admin_router.post(
    "/api/admin/publicites",
    summary="Créer une publicité",
    status_code=201,
    response_model=AdAdminAnswer,
)
async def create_ad(session: SessionDep, actor: ActorDep, body: AdBody) -> AdAdminAnswer:
    row = await service.create(session, ADS, values=body.values(), actor=actor)
    return AdAdminAnswer(data=AdAdminOut.model_validate(row))


@admin_router.patch(
    "/api/admin/publicites/{id_publicite}",
    summary="Modifier une publicité",
    response_model=AdAdminAnswer,
)
async def edit_ad(
    session: SessionDep, actor: ActorDep, id_publicite: AdId, body: AdEdit
) -> AdAdminAnswer:
    changes = body.values(sent_only=True)
    row = await service.edit(session, ADS, id_publicite, changes=changes, actor=actor)
    return AdAdminAnswer(data=AdAdminOut.model_validate(row))


@admin_router.delete(
    "/api/admin/publicites/{id_publicite}",
    summary="Supprimer une publicité",
    response_model=Deleted,
)
async def delete_ad(session: SessionDep, actor: ActorDep, id_publicite: AdId) -> Deleted:
    await service.remove(session, ADS, id_publicite, actor=actor)
    return Deleted(message="Publicité supprimée.")
