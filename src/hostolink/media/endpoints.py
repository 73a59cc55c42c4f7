"""Routes of media: upload an image, delete it, set one's profile photo, and serve the files
stored on the local disk."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, File, Form, UploadFile
from starlette.responses import Response

from hostolink.auth import permissions
from hostolink.auth.deps import (
    CurrentUser,
    authenticated_router,
    limit_client,
    public_router,
    require,
)
from hostolink.db import SessionDep
from hostolink.kit.deps import SettingsDep
from hostolink.kit.params import MediaId
from hostolink.media import service
from hostolink.media.deps import StorageDep
from hostolink.media.errors import MediaNotFound, Unprocessable
from hostolink.media.schemas import DeletedAnswer, MediaAnswer, MediaOut
from hostolink.media.storage import CONTENT_TYPES, LocalStorage
from hostolink.models.media import USAGES

router = authenticated_router(tags=["media"])
public = public_router(tags=["media"])
# No route yet; whatever lands here manages content.
admin_router = authenticated_router(
    tags=["media"], dependencies=[Depends(require(permissions.CONTENTS_MANAGE))]
)

# The key changes with the content (a new upload is a new key): cached for good.
IMMUTABLE = "public, max-age=31536000, immutable"


ImageFile = Annotated[UploadFile, File(description="L'image : JPEG, PNG ou WebP.")]


@router.post(
    "/api/medias",
    summary="Téléverser une image (JPEG, PNG ou WebP ; métadonnées EXIF retirées)",
    response_model=MediaAnswer,
    status_code=201,
    dependencies=[Depends(limit_client)],
)
async def upload(
    *,
    fichier: ImageFile,
    usage: Annotated[str, Form(description="Usage : " + ", ".join(USAGES) + ".")],
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
) -> MediaAnswer:
    if usage in service.PRIVATE_USAGES:
        raise IdentityThroughKyc if usage == "identite" else AttachmentThroughHelpDesk
    data = await service.read_bounded(fichier, settings.media_max_bytes)
    media = await service.upload(
        session,
        storage=storage,
        user_id=principal.id,
        usage=usage,
        data=data,
        max_side=settings.media_max_side_px,
    )
    return MediaAnswer(data=MediaOut.model_validate(media))


class IdentityThroughKyc(Unprocessable):
    message = (
        "Les pièces d'identité se déposent avec la demande de vérification "
        "(POST /api/verifications-identite)."
    )


class AttachmentThroughHelpDesk(Unprocessable):
    message = "Les pièces jointes de l'assistance se déposent par POST /api/assistance/pieces."


@router.delete(
    "/api/medias/{id_media}",
    summary="Supprimer une de mes images (si rien ne l'utilise encore)",
    response_model=DeletedAnswer,
)
async def delete(
    id_media: MediaId, principal: CurrentUser, session: SessionDep, storage: StorageDep
) -> DeletedAnswer:
    await service.delete(session, storage=storage, user_id=principal.id, media_id=id_media)
    return DeletedAnswer()


@router.post(
    "/api/user/photo",
    summary="Changer ma photo de profil",
    response_model=MediaAnswer,
    dependencies=[Depends(limit_client)],
)
async def profile_photo(
    *,
    fichier: ImageFile,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
) -> MediaAnswer:
    data = await service.read_bounded(fichier, settings.media_max_bytes)
    media = await service.set_profile_photo(
        session,
        storage=storage,
        user_id=principal.id,
        data=data,
        max_side=settings.media_max_side_px,
    )
    return MediaAnswer(message="Photo de profil mise à jour.", data=MediaOut.model_validate(media))


@public.get(
    "/media/{key}",
    summary="Fichier d'une image publique stockée sur le disque du serveur",
    response_class=Response,
    responses={200: {"content": {mime: {} for mime in CONTENT_TYPES.values()}}},
)
async def serve(key: str, settings: SettingsDep) -> Response:
    # Only public files, only keys of our own shape: no path from the URL reaches the disk.
    path = LocalStorage(settings.data_dir, settings.public_url).path(key)
    if path is None:
        raise MediaNotFound
    try:
        content = await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError as exc:
        raise MediaNotFound from exc
    headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=CONTENT_TYPES[key.rsplit(".", 1)[1]], headers=headers)
