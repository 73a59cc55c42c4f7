"""The caller's virtual card: masked view, details after PIN, freeze, card face (SVG)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends, Request, Response

from hostolink.auth.deps import CurrentUser, authenticated_router
from hostolink.cards import crypto
from hostolink.cards.schemas import (
    CardAnswer,
    CardDetailsAnswer,
    CardDetailsOut,
    CardOut,
    CardPinBody,
)
from hostolink.cards.service import Issuer, card_service, issuer_of
from hostolink.db import SessionDep
from hostolink.kit.deps import SettingsDep, SigningKeyDep
from hostolink.qr.deps import KeyRingDep
from hostolink.wallet.deps import PinCheckDep
from hostolink.wallet.pin import confirm_pin

router = authenticated_router(tags=["Carte"])

SVG_MEDIA_TYPE = "image/svg+xml"


async def get_issuer(settings: SettingsDep, signing_key: SigningKeyDep) -> Issuer:
    return issuer_of(settings, signing_key=signing_key)


IssuerDep = Annotated[Issuer, Depends(get_issuer)]


@router.get(
    "/api/carte",
    summary="Ma carte virtuelle (numéro masqué ; émise à la première consultation)",
    response_model=CardAnswer,
)
async def my_card(principal: CurrentUser, session: SessionDep, issuer: IssuerDep) -> CardAnswer:
    card = await card_service.card(session, principal=principal, issuer=issuer)
    return CardAnswer(message="Votre carte virtuelle Hostolink.", data=CardOut.of(card))


@router.post(
    "/api/carte/details",
    summary="Numéro complet, date d'expiration et CVV de ma carte (PIN requis)",
    response_model=CardDetailsAnswer,
)
async def card_details(  # keyword-only: FastAPI needs no order, and there are six
    *,
    principal: CurrentUser,
    session: SessionDep,
    issuer: IssuerDep,
    request: Request,
    pins: PinCheckDep,
    response: Response,
    body: Annotated[CardPinBody | None, Body()] = None,
) -> CardDetailsAnswer:
    await confirm_pin(session, request, pins, principal=principal, pin=body.pin if body else None)
    details = await card_service.details(session, principal=principal, issuer=issuer)
    # Neither the browser, a proxy nor the app's HTTP cache may keep the number.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    card = details.card
    message = (
        "Votre carte est gelée : elle ne peut pas servir à payer tant que vous ne l'avez pas "
        "dégelée, mais vous pouvez toujours consulter ses informations. Ne les communiquez à "
        "personne."
        if card.statut == "gelee"
        else "Informations confidentielles : ne les communiquez à personne."
    )
    data = CardDetailsOut(
        **CardOut.of(card).model_dump(),
        numero=details.pan,
        numero_formate=crypto.grouped(details.pan),
        cvv=details.cvv,
    )
    return CardDetailsAnswer(message=message, data=data)


@router.post(
    "/api/carte/geler",
    summary="Geler ma carte (aucun paiement par carte tant qu'elle est gelée)",
    response_model=CardAnswer,
)
async def freeze_card(principal: CurrentUser, session: SessionDep, issuer: IssuerDep) -> CardAnswer:
    card = await card_service.set_frozen(session, principal=principal, frozen=True, issuer=issuer)
    return CardAnswer(
        message="Votre carte est gelée. Vous pouvez la dégeler à tout moment.",
        data=CardOut.of(card),
    )


@router.post(
    "/api/carte/degeler",
    summary="Dégeler ma carte",
    response_model=CardAnswer,
)
async def unfreeze_card(
    principal: CurrentUser, session: SessionDep, issuer: IssuerDep
) -> CardAnswer:
    card = await card_service.set_frozen(session, principal=principal, frozen=False, issuer=issuer)
    return CardAnswer(message="Votre carte est active.", data=CardOut.of(card))


@router.get(
    "/api/carte/visuel.svg",
    summary="Visuel de ma carte (SVG, avec mon QR code de paiement)",
    response_class=Response,
    responses={
        200: {
            "description": "Le recto de la carte : numéro masqué, titulaire, expiration, QR.",
            "content": {SVG_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
async def card_face(
    principal: CurrentUser, session: SessionDep, issuer: IssuerDep, ring: KeyRingDep
) -> Response:
    svg = await card_service.face_svg(
        session,
        principal=principal,
        issuer=issuer,
        qr_ring=ring,
    )
    # The holder's own picture: revalidated on each view (the status may change), never
    # stored by a shared cache.
    return Response(svg, media_type=SVG_MEDIA_TYPE, headers={"Cache-Control": "private, no-cache"})
