"""Posts, comments, likes and shares. The author is always the caller (`actor`); services
never commit (one request is one transaction)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from asyncpg import Record
from pydantic_core import to_json
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth.principal import Principal
from hostolink.db import Database
from hostolink.errors import BadRequest, Forbidden, NotFound
from hostolink.kit.masking import full_name
from hostolink.kit.pagination import decode_cursor as decode_position
from hostolink.kit.pagination import encode_cursor as encode_position
from hostolink.models import Commentaire, Partages, Publication
from hostolink.notifications.service import notify
from hostolink.social import repository
from hostolink.social.repository import PUBLISHED, Cursor
from hostolink.social.schemas import (
    AuthorOut,
    CommentCreate,
    CommentOut,
    LikeOut,
    MediaOut,
    PostCreate,
    PostEdit,
    PostOut,
    ShareCreate,
)

ANONYMOUS_NAME = "Membre Hostolink"


class PostNotFound(NotFound):
    message = "Publication introuvable."


class CommentNotFound(NotFound):
    message = "Commentaire introuvable."


class NotYourPost(Forbidden):
    message = "Vous ne pouvez modifier ou supprimer que vos propres publications."


class NotYourComment(Forbidden):
    message = "Vous ne pouvez supprimer que vos propres commentaires."


class MediaRefused(BadRequest):
    message = "Image introuvable ou inutilisable pour une publication : téléversez-la d'abord."


def encode_cursor(moment: datetime, row_id: int) -> str:
    return encode_position(moment, row_id)


def decode_cursor(cursor: str | None) -> Cursor:
    """The shared decoding (`hostolink.wallet.history`): a cursor the server did not issue
    (a naive time, an id out of BIGINT's range…) is `InvalidCursor`, never a database error."""
    if cursor is None:
        return None
    return decode_position(cursor)


def author(user_id: int, prenom: str | None, nom: str | None, photo: str | None) -> AuthorOut:
    name = full_name(prenom, nom) or ANONYMOUS_NAME
    return AuthorOut(id_user=user_id, nom_affiche=name, photo_profile=photo)


async def _shown(session: AsyncSession, rows: Sequence[Row[*tuple[Any, ...]]]) -> list[PostOut]:
    ids = [row.Publication.id_publication for row in rows]
    medias: dict[int, list[MediaOut]] = defaultdict(list)
    for media in await repository.medias_of(session, ids):
        medias[media.id_publication].append(
            MediaOut(
                id_media=media.id_media,
                position=media.position,
                url=media.url,
                largeur=media.largeur,
                hauteur=media.hauteur,
            )
        )
    shown = []
    for row in rows:
        post: Publication = row.Publication
        shown.append(
            PostOut(
                id_publication=post.id_publication,
                auteur=author(post.id_user, row.prenom, row.nom, row.photo_profile),
                titre_publication=post.titre_publication,
                contenu=post.contenu,
                medias=medias[post.id_publication],
                compteur_like=post.compteur_like,
                nombre_commentaires=post.nombre_commentaires,
                nombre_partages=post.nombre_partages,
                aime_par_moi=bool(row.aime_par_moi),
                date_publication=post.date_publication,
                date_modification=post.date_modification,
            )
        )
    return shown


async def feed(
    database: Database,
    *,
    viewer: Principal,
    author_id: int | None = None,
    cursor: str | None,
    limit: int,
) -> bytes:
    """A page of the feed (or of one person's posts) as the JSON of `FeedAnswer`, encoded
    once: one statement on the driver's connection (`repository.feed_page`), its rows shaped
    straight into plain dicts in the model's field order, then pydantic-core's encoder — the
    one FastAPI uses for a `response_model`, so the bytes are those the models gave."""
    position = decode_cursor(cursor)
    async with database.driver_read() as connection:
        rows = await repository.feed_page(
            connection,
            viewer_id=viewer.id,
            author_id=author_id,
            cursor=position,
            limit=limit + 1,
        )
    following = None
    if len(rows) > limit:
        last = rows[limit - 1]
        following = encode_cursor(last["date_publication"], last["id_publication"])
    posts = [_post_dict(row) for row in rows[:limit]]
    answer = {"success": True, "data": {"publications": posts, "curseur_suivant": following}}
    return to_json(answer)


def _post_dict(row: Record) -> dict[str, Any]:
    (post_id, user_id, prenom, nom, photo, title, text, medias) = row[:8]
    return {
        "id_publication": post_id,
        "auteur": {
            "id_user": user_id,
            "nom_affiche": _display_name(prenom, nom),
            "photo_profile": photo,
        },
        "titre_publication": title,
        "contenu": text,
        "medias": [
            {"id_media": m[0], "position": m[1], "url": m[2], "largeur": m[3], "hauteur": m[4]}
            for m in medias
        ],
        "compteur_like": row[8],
        "nombre_commentaires": row[9],
        "nombre_partages": row[10],
        "aime_par_moi": row[11],
        "date_publication": row[12],
        "date_modification": row[13],
    }


@lru_cache(maxsize=4096)
def _display_name(prenom: str | None, nom: str | None) -> str:
    """`author()`'s name, kept per (first name, family name): a page repeats its authors."""
    return full_name(prenom, nom) or ANONYMOUS_NAME


async def show_post(session: AsyncSession, post_id: int, *, viewer_id: int | None) -> PostOut:
    row = await repository.published_post(session, post_id, viewer_id=viewer_id)
    if row is None:
        raise PostNotFound
    return (await _shown(session, [row]))[0]


async def _check_medias(session: AsyncSession, actor: Principal, ids: Sequence[int]) -> None:
    usable = await repository.usable_medias(session, owner_id=actor.id, ids=ids)
    if usable != set(ids):
        raise MediaRefused


async def create_post(session: AsyncSession, *, actor: Principal, body: PostCreate) -> PostOut:
    await _check_medias(session, actor, body.medias)
    post = Publication(
        id_user=actor.id, contenu=body.contenu, titre_publication=body.titre_publication
    )
    session.add(post)
    await session.flush()
    await repository.set_medias(session, post.id_publication, body.medias)
    return await show_post(session, post.id_publication, viewer_id=actor.id)


async def _own_post(session: AsyncSession, actor: Principal, post_id: int) -> Publication:
    post = await repository.lock_post(session, post_id)
    if post is None or post.statut != PUBLISHED:
        raise PostNotFound
    if post.id_user != actor.id:
        raise NotYourPost
    return post


async def edit_post(
    session: AsyncSession, *, actor: Principal, post_id: int, body: PostEdit
) -> PostOut:
    post = await _own_post(session, actor, post_id)
    if body.contenu is not None:
        post.contenu = body.contenu
    if "titre_publication" in body.model_fields_set:
        post.titre_publication = body.titre_publication
    if body.medias is not None:
        await _check_medias(session, actor, body.medias)
        await repository.set_medias(session, post_id, body.medias)
    post.date_modification = datetime.now(UTC)
    await session.flush()
    return await show_post(session, post_id, viewer_id=actor.id)


async def delete_post(session: AsyncSession, *, actor: Principal, post_id: int) -> None:
    # Soft delete: comments, likes, shares and reports keep pointing at the row.
    post = await _own_post(session, actor, post_id)
    post.statut = "supprime"
    post.date_modification = datetime.now(UTC)
    await session.flush()


async def _visible_post(session: AsyncSession, post_id: int) -> int:
    """The author of a published post (404 otherwise)."""
    found = await repository.post_status(session, post_id)
    if found is None or found[1] != PUBLISHED:
        raise PostNotFound
    return found[0]


async def comment(
    session: AsyncSession, *, actor: Principal, post_id: int, body: CommentCreate
) -> CommentOut:
    author_id = await _visible_post(session, post_id)
    row = Commentaire(id_publication=post_id, id_user=actor.id, contenu=body.contenu)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    await repository.bump(session, post_id, "nombre_commentaires", 1)
    if author_id != actor.id:
        name = full_name(actor.prenom, actor.nom) or ANONYMOUS_NAME
        await notify(
            session,
            user_id=author_id,
            kind="commentaire",
            title="Nouveau commentaire",
            text=f"{name} a commenté votre publication.",
            data={"id_publication": post_id, "id_commentaire": row.id_commentaire},
            comment_id=row.id_commentaire,
        )
    return CommentOut(
        id_commentaire=row.id_commentaire,
        id_publication=post_id,
        auteur=author(actor.id, actor.prenom, actor.nom, actor.photo_profile),
        contenu=row.contenu,
        date_commentaire=row.date_commentaire,
    )


async def comments(
    session: AsyncSession, *, post_id: int, cursor: str | None, limit: int
) -> tuple[list[CommentOut], str | None]:
    await _visible_post(session, post_id)
    rows = await repository.comments(
        session, post_id, cursor=decode_cursor(cursor), limit=limit + 1
    )
    page = [
        CommentOut(
            id_commentaire=row.Commentaire.id_commentaire,
            id_publication=post_id,
            auteur=author(row.Commentaire.id_user, row.prenom, row.nom, row.photo_profile),
            contenu=row.Commentaire.contenu,
            date_commentaire=row.Commentaire.date_commentaire,
        )
        for row in rows[:limit]
    ]
    following = None
    if len(rows) > limit:
        following = encode_cursor(page[-1].date_commentaire, page[-1].id_commentaire)
    return page, following


async def delete_comment(session: AsyncSession, *, actor: Principal, comment_id: int) -> None:
    row = await repository.lock_comment(session, comment_id)
    if row is None or row.statut != PUBLISHED:
        raise CommentNotFound
    if row.id_user != actor.id:
        raise NotYourComment
    row.statut = "supprime"
    row.date_modification = datetime.now(UTC)
    await session.flush()
    await repository.bump(session, row.id_publication, "nombre_commentaires", -1)


async def like(session: AsyncSession, *, actor: Principal, post_id: int) -> LikeOut:
    author_id = await _visible_post(session, post_id)
    # The counter moves only when this request really created the like: a repeated or
    # concurrent PUT by the same person collides on liker's primary key and changes nothing.
    if await repository.add_like(session, user_id=actor.id, post_id=post_id):
        count = await repository.bump(session, post_id, "compteur_like", 1)
        await _announce_like(session, actor=actor, author_id=author_id, post_id=post_id)
    else:
        count = await repository.like_count(session, post_id)
    return LikeOut(id_publication=post_id, aime_par_moi=True, compteur_like=count)


async def _announce_like(
    session: AsyncSession, *, actor: Principal, author_id: int, post_id: int
) -> None:
    if author_id == actor.id or await repository.like_already_announced(
        session, author_id=author_id, post_id=post_id, liker_id=actor.id
    ):
        return
    name = full_name(actor.prenom, actor.nom) or ANONYMOUS_NAME
    await notify(
        session,
        user_id=author_id,
        kind="like",
        title="Nouveau « j'aime »",
        text=f"{name} aime votre publication.",
        data={"id_publication": post_id, "id_user": actor.id},
        publication_id=post_id,
    )


async def unlike(session: AsyncSession, *, actor: Principal, post_id: int) -> LikeOut:
    if await repository.post_status(session, post_id) is None:
        raise PostNotFound
    if await repository.remove_like(session, user_id=actor.id, post_id=post_id):
        count = await repository.bump(session, post_id, "compteur_like", -1)
    else:
        count = await repository.like_count(session, post_id)
    return LikeOut(id_publication=post_id, aime_par_moi=False, compteur_like=count)


async def share(
    session: AsyncSession, *, actor: Principal, post_id: int, body: ShareCreate
) -> Partages:
    await _visible_post(session, post_id)
    row = Partages(
        id_publication=post_id,
        id_user=actor.id,
        jeton=secrets.token_urlsafe(24),  # 32 characters of [A-Za-z0-9_-]
        plateforme=body.plateforme,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    await repository.bump(session, post_id, "nombre_partages", 1)
    return row
