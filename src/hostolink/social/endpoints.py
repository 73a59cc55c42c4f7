"""Social network routes: posts and the feed, comments, likes, shares (with a public link),
reports (the administrators' moderation desk is `hostolink.moderation`).

The author of anything written here is the token's principal; bodies refuse unknown fields
(`id_user`, `auteur`…) with 422 (F-14)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Response
from fastapi.responses import HTMLResponse

from hostolink.auth.deps import (
    CurrentUser,
    authenticated_router,
    limit_client,
    public_router,
)
from hostolink.db import DatabaseDep, SessionDep
from hostolink.kit.crypto import keyed_hash
from hostolink.kit.deps import SettingsDep, SigningKeyDep, client_ip
from hostolink.kit.keys import derive_key
from hostolink.kit.pagination import CursorQuery, PageLimit
from hostolink.kit.params import CommentId, PostId, UserId
from hostolink.social import moderation, repository, service, share_page
from hostolink.social.schemas import (
    CommentAnswer,
    CommentCreate,
    CommentsAnswer,
    CommentsData,
    FeedAnswer,
    LikeAnswer,
    MessageAnswer,
    PostAnswer,
    PostCreate,
    PostEdit,
    ReportAnswer,
    ReportCreate,
    ReportOut,
    ShareAnswer,
    ShareCreate,
    SharedPostAnswer,
    SharedPostOut,
    ShareOut,
)

router = authenticated_router(tags=["Réseau social"])
public = public_router(tags=["Réseau social"], dependencies=[Depends(limit_client)])

SHARE_JETON_FORMAT = r"^[A-Za-z0-9_-]{16,43}$"
JSON = "application/json"


@router.post("/api/publications", status_code=201, response_model=PostAnswer, summary="Publier")
async def create_post(body: PostCreate, user: CurrentUser, session: SessionDep) -> PostAnswer:
    post = await service.create_post(session, actor=user, body=body)
    return PostAnswer(data=post)


@router.get("/api/publications", response_model=FeedAnswer, summary="Fil d'actualité")
async def feed(
    user: CurrentUser, database: DatabaseDep, curseur: CursorQuery = None, limite: PageLimit = 20
) -> Response:
    """Le fil : publications publiées, des plus récentes aux plus anciennes."""
    # The answer is encoded by the service (one statement, no models); `response_model`
    # still documents it.
    body = await service.feed(database, viewer=user, cursor=curseur, limit=limite)
    return Response(body, media_type=JSON)


@router.get(
    "/api/utilisateurs/{id_user}/publications",
    response_model=FeedAnswer,
    summary="Publications d'une personne",
)
async def posts_of(
    id_user: UserId,
    user: CurrentUser,
    database: DatabaseDep,
    curseur: CursorQuery = None,
    limite: PageLimit = 20,
) -> Response:
    body = await service.feed(
        database, viewer=user, author_id=id_user, cursor=curseur, limit=limite
    )
    return Response(body, media_type=JSON)


@router.get(
    "/api/publications/{id_publication}", response_model=PostAnswer, summary="Une publication"
)
async def show_post(id_publication: PostId, user: CurrentUser, session: SessionDep) -> PostAnswer:
    post = await service.show_post(session, id_publication, viewer_id=user.id)
    return PostAnswer(data=post)


@router.patch(
    "/api/publications/{id_publication}",
    response_model=PostAnswer,
    summary="Modifier ma publication",
)
async def edit_post(
    id_publication: PostId, body: PostEdit, user: CurrentUser, session: SessionDep
) -> PostAnswer:
    post = await service.edit_post(session, actor=user, post_id=id_publication, body=body)
    return PostAnswer(data=post)


@router.delete(
    "/api/publications/{id_publication}",
    response_model=MessageAnswer,
    summary="Supprimer ma publication",
)
async def delete_post(
    id_publication: PostId, user: CurrentUser, session: SessionDep
) -> MessageAnswer:
    await service.delete_post(session, actor=user, post_id=id_publication)
    return MessageAnswer(message="Publication supprimée.")


@router.post(
    "/api/publications/{id_publication}/commentaires",
    status_code=201,
    response_model=CommentAnswer,
    summary="Commenter une publication",
)
async def comment(
    id_publication: PostId, body: CommentCreate, user: CurrentUser, session: SessionDep
) -> CommentAnswer:
    row = await service.comment(session, actor=user, post_id=id_publication, body=body)
    return CommentAnswer(data=row)


@router.get(
    "/api/publications/{id_publication}/commentaires",
    response_model=CommentsAnswer,
    summary="Commentaires d'une publication",
)
async def comments(
    id_publication: PostId,
    session: SessionDep,
    curseur: CursorQuery = None,
    limite: PageLimit = 20,
) -> CommentsAnswer:
    """Commentaires publiés, du plus ancien au plus récent."""
    rows, following = await service.comments(
        session, post_id=id_publication, cursor=curseur, limit=limite
    )
    return CommentsAnswer(data=CommentsData(commentaires=rows, curseur_suivant=following))


@router.delete(
    "/api/commentaires/{id_commentaire}",
    response_model=MessageAnswer,
    summary="Supprimer mon commentaire",
)
async def delete_comment(
    id_commentaire: CommentId, user: CurrentUser, session: SessionDep
) -> MessageAnswer:
    await service.delete_comment(session, actor=user, comment_id=id_commentaire)
    return MessageAnswer(message="Commentaire supprimé.")


@router.put(
    "/api/publications/{id_publication}/like",
    response_model=LikeAnswer,
    summary="Aimer une publication",
)
async def like(id_publication: PostId, user: CurrentUser, session: SessionDep) -> LikeAnswer:
    """Idempotent : aimer deux fois ne compte qu'une fois."""
    return LikeAnswer(data=await service.like(session, actor=user, post_id=id_publication))


@router.delete(
    "/api/publications/{id_publication}/like",
    response_model=LikeAnswer,
    summary="Ne plus aimer une publication",
)
async def unlike(id_publication: PostId, user: CurrentUser, session: SessionDep) -> LikeAnswer:
    return LikeAnswer(data=await service.unlike(session, actor=user, post_id=id_publication))


@router.post(
    "/api/publications/{id_publication}/partages",
    status_code=201,
    response_model=ShareAnswer,
    summary="Partager une publication (lien public)",
)
async def share(
    id_publication: PostId,
    settings: SettingsDep,
    user: CurrentUser,
    session: SessionDep,
    body: ShareCreate | None = None,
) -> ShareAnswer:
    row = await service.share(
        session, actor=user, post_id=id_publication, body=body or ShareCreate()
    )
    base = settings.public_url.rstrip("/")
    out = ShareOut(
        id_partage=row.id_partage,
        jeton=row.jeton,
        lien=f"{base}/p/{row.jeton}",
        plateforme=row.plateforme,
        date_partage=row.date_partage,
    )
    return ShareAnswer(data=out)


@public.get(
    "/api/partages/{jeton}",
    response_model=SharedPostAnswer,
    summary="Publication partagée (sans connexion)",
)
async def shared_post(
    jeton: Annotated[str, Path(pattern=SHARE_JETON_FORMAT)],
    request: Request,
    session: SessionDep,
    signing_key: SigningKeyDep,
) -> SharedPostAnswer:
    """Sans connexion : la publication partagée (404 si masquée ou supprimée) ; la visite
    est comptée."""
    return SharedPostAnswer(data=await _visit(jeton, request, session, signing_key))


@public.get("/p/{jeton}", response_class=HTMLResponse, include_in_schema=False)
async def shared_page(
    jeton: Annotated[str, Path(pattern=SHARE_JETON_FORMAT)],
    request: Request,
    session: SessionDep,
    signing_key: SigningKeyDep,
) -> HTMLResponse:
    """The link a share hands out: the post as a page anyone can open."""
    shared = await _visit(jeton, request, session, signing_key)
    return share_page.page(shared.publication, shared.nombre_visites)


async def _visit(
    jeton: str, request: Request, session: SessionDep, signing_key: str
) -> SharedPostOut:
    found = await repository.share_by_token(session, jeton)
    if found is None:
        raise service.PostNotFound
    # Distinct visitors without storing an address: a keyed hash of address and browser.
    fingerprint = keyed_hash(
        derive_key(signing_key, "visite_partage").hex(),
        client_ip(request) or "",
        request.headers.get("user-agent", ""),
    )
    visits = await repository.count_visit(session, found.id_partage, fingerprint)
    post = await service.show_post(session, found.id_publication, viewer_id=None)
    return SharedPostOut(publication=post, nombre_visites=visits)


@router.post(
    "/api/signalements",
    status_code=201,
    response_model=ReportAnswer,
    summary="Signaler une publication ou un commentaire",
)
async def report(body: ReportCreate, user: CurrentUser, session: SessionDep) -> ReportAnswer:
    row = await moderation.report(session, actor=user, body=body)
    return ReportAnswer(data=ReportOut.model_validate(row, from_attributes=True))
