"""The caller's own profile."""

from __future__ import annotations

from starlette.responses import Response

from hostolink.auth import repository as auth_repository
from hostolink.auth.deps import CurrentUser, authenticated_router
from hostolink.auth.schemas import Answer
from hostolink.db import SessionDep
from hostolink.kit.responses import json_answer
from hostolink.users import repository
from hostolink.users.schemas import DeviceBody, MeAnswer, ProfileAnswer, ProfileUpdate, UserOut

router = authenticated_router(tags=["Profil"])


@router.get("/api/user/me", summary="Mon profil et mon compte", response_model=MeAnswer)
async def me(principal: CurrentUser) -> Response:
    return json_answer(MeAnswer(data=UserOut.of(principal)))


@router.patch("/api/user/me", summary="Modifier mon profil (nom, prénom, pays)")
@router.patch("/api/update-profile", summary="Modifier mon profil (alias)")
async def update_profile(
    body: ProfileUpdate, principal: CurrentUser, session: SessionDep
) -> ProfileAnswer:
    changes = {field: getattr(body, field) for field in body.model_fields_set}
    if changes:
        await repository.update_profile(session, user_id=principal.id, changes=changes)
    updated = principal.with_profile(**changes)
    return ProfileAnswer(message="Profil mis à jour.", data=UserOut.of(updated))


@router.post("/api/user/fcm-token", summary="Enregistrer l'appareil pour les notifications")
@router.post("/api/update-fcm-token", summary="Enregistrer l'appareil (alias)")
async def register_device(body: DeviceBody, principal: CurrentUser, session: SessionDep) -> Answer:
    await auth_repository.register_device(session, user_id=principal.id, fcm_token=body.fcm_token)
    return Answer(message="Appareil enregistré pour les notifications.")
