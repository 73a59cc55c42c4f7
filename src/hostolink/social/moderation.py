"""Reports and the moderators' queue. Hiding sets the content's `statut` to `masque` (the
row stays for the audit trail); the feed, the post page and share links only ever show
`publie`, and a room's history only its published messages. Every decision is written to
`journal_audit` with the administrator and reason.

One queue for the three kinds of content: posts and comments reported through
`POST /api/signalements`, messages of thematic rooms through the room
(`discussions.service.report_message`, which checks that the reporter is in the room)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Row, and_, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hostolink.admin import audit
from hostolink.auth.principal import Principal
from hostolink.errors import Conflict, NotFound
from hostolink.models import Commentaire, Message, Publication, Signalement
from hostolink.social import repository
from hostolink.social.repository import PUBLISHED, Cursor
from hostolink.social.schemas import PendingReportOut, ReportCreate
from hostolink.social.service import (
    CommentNotFound,
    PostNotFound,
    decode_cursor,
    encode_cursor,
)

PENDING = "en_attente"


class AlreadyReported(Conflict):
    message = "Vous avez déjà signalé ce contenu."


class ReportNotFound(NotFound):
    message = "Signalement introuvable."


class AlreadyDecided(Conflict):
    message = "Ce signalement a déjà été traité."


@dataclass(frozen=True, slots=True)
class Outcome:
    """A moderation decision: the report as settled and, when a room message was just
    hidden, its (room, message) so that the caller withdraws it from the connected
    sockets once the transaction has committed."""

    report: Signalement
    withdrawn_message: tuple[int, int] | None = None


async def _check_target(session: AsyncSession, body: ReportCreate) -> None:
    if body.id_publication is not None:
        found = await repository.post_status(session, body.id_publication)
        if found is None or found[1] != PUBLISHED:
            raise PostNotFound
        return
    statut = await session.scalar(
        select(Commentaire.statut).where(Commentaire.id_commentaire == body.id_commentaire)
    )
    if statut != PUBLISHED:
        raise CommentNotFound


async def report(session: AsyncSession, *, actor: Principal, body: ReportCreate) -> Signalement:
    await _check_target(session, body)
    return await record_report(
        session,
        actor=actor,
        target={"id_publication": body.id_publication, "id_commentaire": body.id_commentaire},
        motif=body.motif,
        details=body.details,
    )


async def record_report(
    session: AsyncSession,
    *,
    actor: Principal,
    target: dict[str, int | None],
    motif: str,
    details: str | None,
) -> Signalement:
    """Queue a report of an existing, published target (the caller checked it): `target`
    names exactly one of id_publication, id_commentaire, id_message."""
    # UNIQUE NULLS NOT DISTINCT (person, target): a second report of the same content is a
    # no-op at the database, answered 409.
    new_id = await session.scalar(
        insert(Signalement)
        .values(id_user=actor.id, motif=motif, details=details, **target)
        .on_conflict_do_nothing()
        .returning(Signalement.id_signalement)
    )
    if new_id is None:
        raise AlreadyReported
    row = await session.get(Signalement, new_id)
    assert row is not None  # noqa: S101 — inserted just above, same transaction
    return row


_Comment = aliased(Commentaire, name="cible_commentaire")
_Message = aliased(Message, name="cible_message")


async def pending(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[PendingReportOut], str | None]:
    """Pending reports on posts, comments and room messages, oldest first."""
    position: Cursor = decode_cursor(cursor)
    query = (
        select(
            Signalement,
            func.coalesce(Publication.contenu, _Comment.contenu, _Message.contenu, "").label(
                "contenu_cible"
            ),
            func.coalesce(Publication.id_user, _Comment.id_user, _Message.id_user).label(
                "id_auteur_cible"
            ),
            _Message.id_thematique.label("id_thematique"),
        )
        .outerjoin(Publication, Publication.id_publication == Signalement.id_publication)
        .outerjoin(_Comment, _Comment.id_commentaire == Signalement.id_commentaire)
        .outerjoin(_Message, _Message.id_message == Signalement.id_message)
        .where(Signalement.statut == PENDING)
        .order_by(Signalement.date_creation, Signalement.id_signalement)
        .limit(limit + 1)
    )
    if position is not None:
        query = query.where(
            tuple_(Signalement.date_creation, Signalement.id_signalement) > tuple_(*position)
        )
    rows = (await session.execute(query)).all()
    page = [_pending_out(row) for row in rows[:limit]]
    following = None
    if len(rows) > limit:
        following = encode_cursor(page[-1].date_creation, page[-1].id_signalement)
    return page, following


def _pending_out(row: Row[*tuple[Any, ...]]) -> PendingReportOut:
    item: Signalement = row.Signalement
    return PendingReportOut(
        id_signalement=item.id_signalement,
        id_publication=item.id_publication,
        id_commentaire=item.id_commentaire,
        id_message=item.id_message,
        motif=item.motif,
        details=item.details,
        statut=item.statut,
        date_creation=item.date_creation,
        id_signaleur=item.id_user,
        type_cible=_kind(item),
        contenu_cible=row.contenu_cible,
        id_auteur_cible=row.id_auteur_cible,
        id_thematique=row.id_thematique,
    )


def _kind(item: Signalement) -> Literal["publication", "commentaire", "message"]:
    if item.id_publication is not None:
        return "publication"
    return "commentaire" if item.id_commentaire is not None else "message"


async def _lock_pending(session: AsyncSession, report_id: int) -> Signalement:
    query = select(Signalement).where(Signalement.id_signalement == report_id).with_for_update()
    row = (await session.scalars(query)).first()
    if row is None:
        raise ReportNotFound
    if row.statut != PENDING:
        raise AlreadyDecided
    return row


async def _hide(
    session: AsyncSession, item: Signalement
) -> tuple[str, int, str | None, tuple[int, int] | None]:
    """Hide the target if it is still published: (table, id, its status before, and the
    (room, message) of a room message this call hid)."""
    if item.id_publication is not None:
        post = await repository.lock_post(session, item.id_publication)
        before = post.statut if post is not None else None
        if post is not None and post.statut == PUBLISHED:
            post.statut = "masque"
            await session.flush()
        return "publication", item.id_publication, before, None
    if item.id_message is not None:
        message = await session.scalar(
            select(Message).where(Message.id_message == item.id_message).with_for_update()
        )
        before = message.statut if message is not None else None
        withdrawn = None
        if message is not None and message.statut == PUBLISHED:
            message.statut = "masque"
            await session.flush()
            withdrawn = (message.id_thematique, message.id_message)
        return "message", item.id_message, before, withdrawn
    assert item.id_commentaire is not None  # noqa: S101 — CHECK une_cible
    comment = await repository.lock_comment(session, item.id_commentaire)
    before = comment.statut if comment is not None else None
    if comment is not None and comment.statut == PUBLISHED:
        comment.statut = "masque"
        await session.flush()
        await repository.bump(session, comment.id_publication, "nombre_commentaires", -1)
    return "commentaire", item.id_commentaire, before, None


def _settled_by(item: Signalement, *, hide: bool) -> Any:
    """The reports a decision settles: hiding settles every pending report on the same
    content (the content is gone for all of them); rejecting only this one."""
    if not hide:
        return Signalement.id_signalement == item.id_signalement
    return and_(
        Signalement.statut == PENDING,
        Signalement.id_publication.is_not_distinct_from(item.id_publication),
        Signalement.id_commentaire.is_not_distinct_from(item.id_commentaire),
        Signalement.id_message.is_not_distinct_from(item.id_message),
    )


async def decide(
    session: AsyncSession, *, actor: Principal, report_id: int, hide: bool, motif: str
) -> Outcome:
    item = await _lock_pending(session, report_id)
    before: str | None = None
    withdrawn: tuple[int, int] | None = None
    if hide:
        table, key, before, withdrawn = await _hide(session, item)
    else:
        table = _kind(item)
        key = item.id_publication or item.id_commentaire or item.id_message or 0
    await session.execute(
        update(Signalement)
        .where(_settled_by(item, hide=hide))
        .values(
            statut="contenu_masque" if hide else "rejete",
            id_moderateur=actor.id,
            decision=motif,
            date_traitement=datetime.now(UTC),
        )
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        actor=actor,
        action="moderation.masquer" if hide else "moderation.rejeter",
        table=table,
        key=key,
        before={"statut": before, "id_signalement": report_id} if hide else None,
        after={"statut": "masque"} if hide else {"id_signalement": report_id},
        motif=motif,
    )
    await session.flush()
    await session.refresh(item)
    return Outcome(report=item, withdrawn_message=withdrawn)
