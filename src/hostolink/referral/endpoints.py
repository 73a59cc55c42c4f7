"""Referral routes: the person's code, link, invitees and rewards; the public invitation
link `/i/<code>`; and the administrators' campaigns (`parrainage:gerer`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.responses import RedirectResponse

from hostolink.admin.audit import actor_of
from hostolink.auth import permissions
from hostolink.auth.deps import CurrentUser, authenticated_router, public_router, require
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.kit.deps import SettingsDep
from hostolink.referral import campaigns, codes, service
from hostolink.referral.schemas import (
    CampaignAnswer,
    CampaignBody,
    CampaignListAnswer,
    CampaignPatch,
    ReferralAnswer,
)

router = authenticated_router(tags=["Parrainage"])
public = public_router(tags=["Parrainage"])
admin_router = authenticated_router(tags=["Administration — parrainage"])
CampaignManager = Annotated[Principal, Depends(require(permissions.REFERRAL_MANAGE))]
CampaignId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.get(
    "/api/parrainage",
    summary="Mon code, mon lien, la campagne en cours, mes filleuls et mes bonus",
)
async def my_referrals(
    principal: CurrentUser, session: SessionDep, settings: SettingsDep
) -> ReferralAnswer:
    data = await service.overview(session, user_id=principal.id, public_url=settings.public_url)
    return ReferralAnswer(data=data)


@public.get("/i/{code}", include_in_schema=False)
async def invitation_link(code: str) -> RedirectResponse:
    """The shared link opens the web app's sign-up with the code filled in (an unknown code
    opens it too: registration never fails because of it)."""
    found = codes.normalise(code)
    target = f"/#/invitation/{found}" if found else "/#/connexion"
    return RedirectResponse(target, status_code=303)


@admin_router.get(
    "/api/admin/parrainage/campagnes",
    summary="Campagnes de parrainage (budget engagé et restant)",
)
async def list_campaigns(_: CampaignManager, session: SessionDep) -> CampaignListAnswer:
    return CampaignListAnswer(data=await campaigns.listing(session))


@admin_router.post(
    "/api/admin/parrainage/campagnes",
    summary="Créer une campagne de parrainage (motif journalisé)",
    status_code=201,
)
async def create_campaign(
    body: CampaignBody, principal: CampaignManager, session: SessionDep, request: Request
) -> CampaignAnswer:
    data = await campaigns.create(session, actor=actor_of(principal, request), body=body)
    return CampaignAnswer(message="Campagne de parrainage créée.", data=data)


@admin_router.patch(
    "/api/admin/parrainage/campagnes/{id_campagne}",
    summary="Modifier une campagne de parrainage (motif journalisé)",
)
async def update_campaign(
    id_campagne: CampaignId,
    body: CampaignPatch,
    principal: CampaignManager,
    session: SessionDep,
    request: Request,
) -> CampaignAnswer:
    data = await campaigns.update(
        session, actor=actor_of(principal, request), campaign_id=id_campagne, body=body
    )
    return CampaignAnswer(message="Campagne de parrainage modifiée.", data=data)
