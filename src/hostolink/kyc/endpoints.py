"""Routes of kyc: a person submits an identity document and follows it; administrators review
the queue with signed, expiring links to the images, approve or reject; the signed links
themselves are served on the public router (the link is the credential)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, Query, UploadFile
from starlette.responses import Response

from hostolink.auth import permissions
from hostolink.auth.deps import (
    CurrentUser,
    authenticated_router,
    limit_client,
    public_router,
    require,
)
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.kit.deps import SettingsDep
from hostolink.kit.params import VerificationId
from hostolink.kyc import files, service
from hostolink.kyc.deps import LinkKeyDep
from hostolink.kyc.schemas import (
    DecisionAnswer,
    QueueAnswer,
    Rejection,
    ReviewAnswer,
    VerificationAnswer,
    VerificationList,
    VerificationOut,
)
from hostolink.media.deps import StorageDep
from hostolink.media.service import read_bounded
from hostolink.models.verification_identite import STATUTS, TYPES_DOCUMENT

router = authenticated_router(tags=["Vérification d'identité"])
public = public_router(tags=["Vérification d'identité"])
admin_router = authenticated_router(tags=["Administration — vérification d'identité"])
Reviewer = Annotated[Principal, Depends(require(permissions.KYC_REVIEW))]
_REVIEW = [Depends(require(permissions.KYC_REVIEW))]

ImageFile = Annotated[UploadFile, File(description="Image JPEG, PNG ou WebP.")]
PATH = "/api/verifications-identite"
ADMIN_PATH = "/api/admin/verifications-identite"


@router.post(
    PATH,
    summary="Soumettre ma pièce d'identité pour vérification (KYC)",
    response_model=VerificationAnswer,
    status_code=201,
    dependencies=[Depends(limit_client)],
)
async def submit(
    *,
    type_document: Annotated[str, Form(description="Type : " + ", ".join(TYPES_DOCUMENT) + ".")],
    numero_document: Annotated[str, Form(min_length=3, max_length=50)],
    niveau_demande: Annotated[int, Form(ge=1, le=3, description="Niveau KYC visé.")] = 1,
    recto: ImageFile,
    verso: Annotated[UploadFile | None, File(description="Verso (sauf passeport).")] = None,
    selfie: ImageFile,
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
) -> VerificationAnswer:
    limit = settings.media_max_bytes
    submission = service.Submission(
        type_document=type_document,
        numero_document=numero_document.strip(),
        niveau_demande=niveau_demande,
        recto=await read_bounded(recto, limit),
        verso=await read_bounded(verso, limit) if verso is not None else None,
        selfie=await read_bounded(selfie, limit),
    )
    row = await service.submit(
        session,
        storage=storage,
        principal=principal,
        submission=submission,
        max_side=settings.media_max_side_px,
    )
    return VerificationAnswer(data=VerificationOut.model_validate(row))


@router.get(
    PATH, summary="Mes demandes de vérification d'identité", response_model=VerificationList
)
async def mine(principal: CurrentUser, session: SessionDep) -> VerificationList:
    rows = await service.mine(session, principal)
    return VerificationList(data=[VerificationOut.model_validate(row) for row in rows])


@admin_router.get(
    ADMIN_PATH,
    summary="File des demandes de vérification (les plus anciennes d'abord)",
    response_model=QueueAnswer,
    dependencies=_REVIEW,
)
async def queue(
    session: SessionDep,
    statut: Annotated[str, Query(description=", ".join(STATUTS))] = "en_attente",
    curseur: str | None = None,
    limite: Annotated[int, Query(ge=1, le=100)] = 20,
) -> QueueAnswer:
    return await files.queue(session, statut=statut, cursor=curseur, limit=limite)


@admin_router.get(
    ADMIN_PATH + "/{id_verification}",
    summary="Une demande, avec des liens signés (quelques minutes) vers les images",
    response_model=ReviewAnswer,
    dependencies=_REVIEW,
)
async def detail(
    id_verification: VerificationId, session: SessionDep, settings: SettingsDep, key: LinkKeyDep
) -> ReviewAnswer:
    row, person = await service.for_review(session, id_verification)
    base = str(settings.public_url).rstrip("/")
    return ReviewAnswer(data=files.review(row, person, key=key, base_url=base))


@admin_router.post(
    ADMIN_PATH + "/{id_verification}/approbation",
    summary="Approuver : le niveau KYC de la personne passe au niveau demandé",
    response_model=DecisionAnswer,
)
async def approve(
    id_verification: VerificationId, actor: Reviewer, session: SessionDep
) -> DecisionAnswer:
    row = await service.approve(session, actor=actor, verification_id=id_verification)
    return DecisionAnswer(
        message="Pièce approuvée : niveau KYC relevé.", data=VerificationOut.model_validate(row)
    )


@admin_router.post(
    ADMIN_PATH + "/{id_verification}/rejet",
    summary="Rejeter, avec un motif montré à la personne",
    response_model=DecisionAnswer,
)
async def reject(
    id_verification: VerificationId, body: Rejection, actor: Reviewer, session: SessionDep
) -> DecisionAnswer:
    row = await service.reject(
        session, actor=actor, verification_id=id_verification, motif=body.motif.strip()
    )
    return DecisionAnswer(message="Pièce rejetée.", data=VerificationOut.model_validate(row))


@public.get(
    "/api/kyc/fichiers/{jeton}",
    summary="Image d'une pièce d'identité, par lien signé et expirant",
    response_class=Response,
)
async def serve(
    jeton: str, session: SessionDep, settings: SettingsDep, key: LinkKeyDep
) -> Response:
    return await files.serve(session, settings=settings, key=key, token=jeton)
