"""Every query of the social network. Counters are changed by one atomic UPDATE each
(`x = x + 1`), never read-modify-write, and only when the row they count was really
inserted or deleted, so they stay equal to the rows under any concurrency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import ColumnElement, Row, delete, exists, func, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import (
    Commentaire,
    Liker,
    Media,
    Notification,
    Partages,
    Publication,
    PublicationMedia,
    Utilisateur,
    VisitePartage,
)

Cursor = tuple[datetime, int] | None
PUBLISHED = "publie"


# ------------------------------------------------------------------ the feed, one statement
#
# A page of the feed (or of one person's posts) is one prepared statement, written once as
# SQL text with asyncpg's `$n` parameters and cached by asyncpg on each connection: the
# posts (`LIMIT` first, in the subquery, on ix_publication_fil or ix_publication_id_user_date),
# then for those rows only their author, « liked by me » and their images in order (an array
# of records). « Liked by me » is a scalar subquery, one probe of liker's primary key per
# post: written `EXISTS`, PostgreSQL may hash the viewer's every like instead (a thousand
# rows read for twenty posts). `statut` is a literal, so a
# generic plan can still use the partial index ix_publication_fil. Parameters: $1 the viewer,
# $2 the number of rows, then the author when filtered, then the cursor (date, id).


def _feed_sql(*, by_author: bool, after_cursor: bool) -> str:
    conditions = [f"statut = '{PUBLISHED}'"]
    position = 3
    if by_author:
        conditions.append(f"id_user = ${position}")
        position += 1
    if after_cursor:
        conditions.append(
            f"(date_publication, id_publication) < (${position}, ${position + 1}::bigint)"
        )
    where = " AND ".join(conditions)  # this module's constants and `$n` markers only
    return f"""
SELECT p.id_publication, p.id_user, u.prenom, u.nom, u.photo_profile,
       p.titre_publication, p.contenu,
       ARRAY(SELECT ROW(m.id_media, pm.position, m.url, m.largeur, m.hauteur)
               FROM publication_media pm JOIN media m ON m.id_media = pm.id_media
              WHERE pm.id_publication = p.id_publication
              ORDER BY pm.position) AS medias,
       p.compteur_like, p.nombre_commentaires, p.nombre_partages,
       coalesce((SELECT true FROM liker l
                  WHERE l.id_user = $1 AND l.id_publication = p.id_publication),
                false) AS aime_par_moi,
       p.date_publication, p.date_modification
  FROM (SELECT id_publication, id_user, titre_publication, contenu, compteur_like,
               nombre_commentaires, nombre_partages, date_publication, date_modification
          FROM publication
         WHERE {where}
         ORDER BY date_publication DESC, id_publication DESC
         LIMIT $2) AS p
  JOIN utilisateur u ON u.id_user = p.id_user
 ORDER BY p.date_publication DESC, p.id_publication DESC"""  # noqa: S608


# (by author, after a cursor) → the statement's text
FEED_SQL: dict[tuple[bool, bool], str] = {
    (by_author, after_cursor): _feed_sql(by_author=by_author, after_cursor=after_cursor)
    for by_author in (False, True)
    for after_cursor in (False, True)
}


async def feed_page(
    connection: asyncpg.Connection,
    *,
    viewer_id: int,
    author_id: int | None,
    cursor: Cursor,
    limit: int,
) -> list[asyncpg.Record]:
    """Published posts, newest first, `limit` of them after `cursor` (date, id); columns in
    `PostOut`'s order (the author's id, prenom, nom and photo_profile in place of `auteur`);
    `medias` holds records (id_media, position, url, largeur, hauteur)."""
    args: list[Any] = [viewer_id, limit]
    if author_id is not None:
        args.append(author_id)
    if cursor is not None:
        args.extend(cursor)
    sql = FEED_SQL[(author_id is not None, cursor is not None)]
    rows: list[asyncpg.Record] = await connection.fetch(sql, *args)
    return rows


def _post_columns(viewer_id: int | None) -> tuple[Any, ...]:
    if viewer_id is None:
        liked: ColumnElement[bool] = literal(False)
    else:
        liked = exists().where(
            Liker.id_publication == Publication.id_publication, Liker.id_user == viewer_id
        )
    return (
        Publication,
        Utilisateur.prenom,
        Utilisateur.nom,
        Utilisateur.photo_profile,
        liked.label("aime_par_moi"),
    )


async def posts(
    session: AsyncSession,
    *,
    viewer_id: int,
    author_id: int | None,
    cursor: Cursor,
    limit: int,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Published posts, newest first, `limit` of them after `cursor` (date, id), as ORM
    rows (their images are `medias_of`). The routes read `feed_page` instead; this form is
    what bench/social.py still times as « the feed's SQL alone »."""
    query = (
        select(*_post_columns(viewer_id))
        .join(Utilisateur, Utilisateur.id_user == Publication.id_user)
        .where(Publication.statut == PUBLISHED)
        .order_by(Publication.date_publication.desc(), Publication.id_publication.desc())
        .limit(limit)
    )
    if author_id is not None:
        query = query.where(Publication.id_user == author_id)
    if cursor is not None:
        query = query.where(
            tuple_(Publication.date_publication, Publication.id_publication) < tuple_(*cursor)
        )
    return (await session.execute(query)).all()


async def published_post(
    session: AsyncSession, post_id: int, *, viewer_id: int | None
) -> Row[*tuple[Any, ...]] | None:
    query = (
        select(*_post_columns(viewer_id))
        .join(Utilisateur, Utilisateur.id_user == Publication.id_user)
        .where(Publication.id_publication == post_id, Publication.statut == PUBLISHED)
    )
    return (await session.execute(query)).first()


async def medias_of(
    session: AsyncSession, post_ids: Sequence[int]
) -> Sequence[Row[*tuple[Any, ...]]]:
    if not post_ids:
        return []
    query = (
        select(
            PublicationMedia.id_publication,
            PublicationMedia.position,
            Media.id_media,
            Media.url,
            Media.largeur,
            Media.hauteur,
        )
        .join(Media, Media.id_media == PublicationMedia.id_media)
        .where(PublicationMedia.id_publication.in_(post_ids))
        .order_by(PublicationMedia.id_publication, PublicationMedia.position)
    )
    return (await session.execute(query)).all()


async def usable_medias(session: AsyncSession, *, owner_id: int, ids: Sequence[int]) -> set[int]:
    """Of `ids`, the public post images uploaded by `owner_id`."""
    if not ids:
        return set()
    query = select(Media.id_media).where(
        Media.id_media.in_(ids),
        Media.id_user == owner_id,
        Media.usage == "publication",
        Media.prive.is_(False),
    )
    return set((await session.scalars(query)).all())


async def set_medias(session: AsyncSession, post_id: int, ids: Sequence[int]) -> None:
    await session.execute(
        delete(PublicationMedia).where(PublicationMedia.id_publication == post_id)
    )
    for position, media_id in enumerate(ids, start=1):
        session.add(PublicationMedia(id_publication=post_id, position=position, id_media=media_id))
    await session.flush()


async def lock_post(session: AsyncSession, post_id: int) -> Publication | None:
    # FOR NO KEY UPDATE: an edit does not wait for the likes and comments in flight (their
    # foreign keys only take KEY SHARE on the post).
    query = (
        select(Publication)
        .where(Publication.id_publication == post_id)
        .with_for_update(key_share=True)
    )
    return (await session.scalars(query)).first()


async def post_status(session: AsyncSession, post_id: int) -> tuple[int, str] | None:
    row = (
        await session.execute(
            select(Publication.id_user, Publication.statut).where(
                Publication.id_publication == post_id
            )
        )
    ).first()
    return None if row is None else (row.id_user, row.statut)


async def bump(session: AsyncSession, post_id: int, column: str, delta: int) -> int:
    """Atomically add `delta` to one of the post's counters; the new value."""
    counter = getattr(Publication, column)
    value = await session.scalar(
        update(Publication)
        .where(Publication.id_publication == post_id)
        .values({column: counter + delta})
        .returning(counter)
    )
    return int(value or 0)


async def add_like(session: AsyncSession, *, user_id: int, post_id: int) -> bool:
    """True when this call created the like (the primary key makes a second one a no-op)."""
    inserted = await session.scalar(
        insert(Liker)
        .values(id_user=user_id, id_publication=post_id)
        .on_conflict_do_nothing()
        .returning(Liker.id_user)
    )
    return inserted is not None


async def remove_like(session: AsyncSession, *, user_id: int, post_id: int) -> bool:
    deleted = await session.scalar(
        delete(Liker)
        .where(Liker.id_user == user_id, Liker.id_publication == post_id)
        .returning(Liker.id_user)
    )
    return deleted is not None


async def like_count(session: AsyncSession, post_id: int) -> int:
    value = await session.scalar(
        select(Publication.compteur_like).where(Publication.id_publication == post_id)
    )
    return int(value or 0)


async def comments(
    session: AsyncSession, post_id: int, *, cursor: Cursor, limit: int
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Published comments of a post, oldest first (a conversation reads downwards)."""
    query = (
        select(Commentaire, Utilisateur.prenom, Utilisateur.nom, Utilisateur.photo_profile)
        .join(Utilisateur, Utilisateur.id_user == Commentaire.id_user)
        .where(Commentaire.id_publication == post_id, Commentaire.statut == PUBLISHED)
        .order_by(Commentaire.date_commentaire, Commentaire.id_commentaire)
        .limit(limit)
    )
    if cursor is not None:
        query = query.where(
            tuple_(Commentaire.date_commentaire, Commentaire.id_commentaire) > tuple_(*cursor)
        )
    return (await session.execute(query)).all()


async def lock_comment(session: AsyncSession, comment_id: int) -> Commentaire | None:
    query = select(Commentaire).where(Commentaire.id_commentaire == comment_id).with_for_update()
    return (await session.scalars(query)).first()


async def share_by_token(session: AsyncSession, token: str) -> Partages | None:
    query = (
        select(Partages)
        .join(Publication, Publication.id_publication == Partages.id_publication)
        .where(Partages.jeton == token, Publication.statut == PUBLISHED)
    )
    return (await session.scalars(query)).first()


async def count_visit(session: AsyncSession, share_id: int, fingerprint: str | None) -> int:
    session.add(VisitePartage(id_partage=share_id, empreinte_visiteur=fingerprint))
    await session.flush()
    value = await session.scalar(
        update(Partages)
        .where(Partages.id_partage == share_id)
        .values(nombre_visites=Partages.nombre_visites + 1)
        .returning(Partages.nombre_visites)
    )
    return int(value or 0)


async def user_exists(session: AsyncSession, user_id: int) -> bool:
    found = await session.scalar(select(func.count()).where(Utilisateur.id_user == user_id))
    return bool(found)


async def like_already_announced(
    session: AsyncSession, *, author_id: int, post_id: int, liker_id: int
) -> bool:
    """Whether `author_id` was already told that `liker_id` likes the post (so liking,
    unliking and liking again does not notify again)."""
    query = select(
        exists().where(
            Notification.id_user == author_id,
            Notification.type_notification == "like",
            Notification.id_publication == post_id,
            Notification.donnees["id_user"].as_integer() == liker_id,
        )
    )
    return bool(await session.scalar(query))
