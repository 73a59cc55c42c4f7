"""Payment QR codes: my static code and my dynamic codes (JSON, PNG, SVG), what a payload
pays (for the payer to confirm), and reading a QR code from a photo.

Paying a payload is the wallet's route (`POST /api/qr/payer`), on `service.lock_for_payment`.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import File, UploadFile
from starlette.responses import Response

from hostolink.auth.deps import CurrentUser, authenticated_router
from hostolink.db import SessionDep
from hostolink.kit.deps import SettingsDep
from hostolink.qr import images, service
from hostolink.qr import payload as payloads
from hostolink.qr.deps import KeyRingDep
from hostolink.qr.schemas import (
    DecodedAnswer,
    DecodedOut,
    DynamicQrBody,
    PayloadBody,
    QrAnswer,
    QrListAnswer,
    ResolutionAnswer,
)

router = authenticated_router(tags=["QR codes"])

# The static code never changes; an hour of browser cache spares redrawing it on every
# screen of the app. Private: it is served to its owner only.
STATIC_CACHE = "private, max-age=3600"
# A dynamic code may be revoked or paid any minute: always ask again.
DYNAMIC_CACHE = "private, no-store"


def _image_responses(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {}}, "description": "Image du QR code."}}


async def _image(payload: str, media_type: str, cache: str) -> Response:
    render = images.render_png if media_type == images.PNG else images.render_svg
    content = await asyncio.to_thread(render, payload)
    return Response(content, media_type=media_type, headers={"Cache-Control": cache})


# --------------------------------------------------------------------- static code


@router.get(
    "/api/qr/statique", summary="Mon QR code statique (tout montant)", response_model=QrAnswer
)
async def my_static(principal: CurrentUser, session: SessionDep, ring: KeyRingDep) -> QrAnswer:
    data = await service.my_static(session, ring=ring, user_id=principal.id)
    return QrAnswer(message="Votre QR code pour recevoir de l'argent.", data=data)


@router.get(
    "/api/qr/statique.png",
    summary="Mon QR code statique (image PNG)",
    response_class=Response,
    responses=_image_responses(images.PNG),
)
async def my_static_png(principal: CurrentUser, session: SessionDep, ring: KeyRingDep) -> Response:
    data = await service.my_static(session, ring=ring, user_id=principal.id)
    return await _image(data.payload, images.PNG, STATIC_CACHE)


@router.get(
    "/api/qr/statique.svg",
    summary="Mon QR code statique (image SVG)",
    response_class=Response,
    responses=_image_responses(images.SVG),
)
async def my_static_svg(principal: CurrentUser, session: SessionDep, ring: KeyRingDep) -> Response:
    data = await service.my_static(session, ring=ring, user_id=principal.id)
    return await _image(data.payload, images.SVG, STATIC_CACHE)


# -------------------------------------------------------------------- dynamic codes


@router.post(
    "/api/qr/dynamique",
    summary="Créer un QR code à montant fixe (usage unique, expire)",
    response_model=QrAnswer,
    status_code=201,
)
async def create_dynamic(
    body: DynamicQrBody,
    principal: CurrentUser,
    session: SessionDep,
    ring: KeyRingDep,
    settings: SettingsDep,
) -> QrAnswer:
    ttl = body.duree_secondes or settings.qr_dynamic_ttl_seconds
    data = await service.create_dynamic(
        session,
        ring=ring,
        user_id=principal.id,
        montant=body.montant,
        libelle=body.libelle,
        ttl_seconds=ttl,
    )
    return QrAnswer(message="QR code créé.", data=data)


@router.get(
    "/api/qr/dynamique",
    summary="Mes QR codes à montant fixe encore valables (les plus récents d'abord)",
    response_model=QrListAnswer,
)
async def my_dynamic(principal: CurrentUser, session: SessionDep, ring: KeyRingDep) -> QrListAnswer:
    return QrListAnswer(data=await service.my_dynamic(session, ring=ring, user_id=principal.id))


# --------------------------------------------------------------- paying a QR code


@router.post(
    "/api/qr/resoudre",
    summary="Qui et combien paie ce QR code (à confirmer par le payeur)",
    response_model=ResolutionAnswer,
)
async def resolve(body: PayloadBody, session: SessionDep, ring: KeyRingDep) -> ResolutionAnswer:
    return ResolutionAnswer(data=await service.resolve(session, ring=ring, payload=body.payload))


@router.post(
    "/api/qr/decoder",
    summary="Lire un QR code de paiement sur une photo (JPEG, PNG ou WebP)",
    response_model=DecodedAnswer,
)
async def decode(
    image: Annotated[
        UploadFile, File(description="Photo ou capture d'écran du QR code (JPEG, PNG, WebP).")
    ],
    session: SessionDep,
    ring: KeyRingDep,
) -> DecodedAnswer:
    texts = await images.decode_in_worker(await image.read())
    payload = _likeliest_payload(texts)
    resolution = await service.resolve(session, ring=ring, payload=payload)
    return DecodedAnswer(data=DecodedOut(payload=payload, resolution=resolution))


def _likeliest_payload(texts: list[str]) -> str:
    """The first of ours when the photo shows several codes (a poster, a receipt)."""
    for text in texts:
        try:
            payloads.parse(text)
        except payloads.MalformedPayload:
            continue
        return text.strip()
    return texts[0]


# ------------------------------------------------- one of my codes, by its public code
# Declared after the static routes: `/api/qr/statique.png` must not read as code "statique".


@router.get(
    "/api/qr/{code}.png",
    summary="Image PNG d'un de mes QR codes",
    response_class=Response,
    responses=_image_responses(images.PNG),
)
async def code_png(
    code: str,
    principal: CurrentUser,
    session: SessionDep,
    ring: KeyRingDep,
) -> Response:
    payload = await service.my_code_payload(session, ring=ring, user_id=principal.id, code=code)
    return await _image(payload, images.PNG, DYNAMIC_CACHE)


@router.get(
    "/api/qr/{code}.svg",
    summary="Image SVG d'un de mes QR codes",
    response_class=Response,
    responses=_image_responses(images.SVG),
)
async def code_svg(
    code: str,
    principal: CurrentUser,
    session: SessionDep,
    ring: KeyRingDep,
) -> Response:
    payload = await service.my_code_payload(session, ring=ring, user_id=principal.id, code=code)
    return await _image(payload, images.SVG, DYNAMIC_CACHE)


@router.post(
    "/api/qr/{code}/revoquer",
    summary="Désactiver un de mes QR codes à montant fixe",
    response_model=QrAnswer,
)
async def revoke(
    code: str,
    principal: CurrentUser,
    session: SessionDep,
    ring: KeyRingDep,
) -> QrAnswer:
    data = await service.revoke(session, ring=ring, user_id=principal.id, code=code)
    return QrAnswer(message="QR code désactivé : il ne peut plus être payé.", data=data)
