"""Rooms, membership, messages and read markers. The author is always the caller (`actor`);
services never commit (one request is one transaction) and never publish: the caller
publishes the returned message once its transaction has committed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.auth.principal import Principal
from hostolink.discussions import repository
from hostolink.discussions.schemas import (
    AuthorOut,
    MembershipOut,
    MessageCreate,
    MessageOut,
    MessageReport,
    ReadMark,
    RoomCreate,
    RoomEdit,
    RoomOut,
)
from hostolink.errors import BadRequest, Conflict, Forbidden, NotFound
from hostolink.kit.masking import full_name
from hostolink.models import MembreThematique, Message, Signalement, Thematiques
from hostolink.notifications.service import notify
from hostolink.social import moderation

ANONYMOUS_NAME = "Membre Hostolink"
EXPERT_ROLE = "expert"
MAX_PAGE = 100


class RoomNotFound(NotFound):
    message = "Salon de discussion introuvable."


class RoomArchived(Conflict):
    message = "Ce salon est archivé : il est en lecture seule."


class TitleTaken(Conflict):
    message = "Un salon porte déjà ce titre."


class NotMember(Forbidden):
    message = "Rejoignez ce salon pour lire et écrire ses messages."


class MediaRefused(BadRequest):
    message = "Image introuvable ou inutilisable ici : téléversez-la d'abord."


class ParentRefused(BadRequest):
    message = "Le message auquel vous répondez n'existe pas dans ce salon."


class MessageNotInRoom(BadRequest):
    message = "Ce message n'existe pas dans ce salon."


class MessageNotFound(NotFound):
    message = "Message introuvable dans ce salon."


def author(
    user_id: int | None, prenom: str | None, nom: str | None, photo: str | None
) -> AuthorOut:
    name = full_name(prenom, nom) or ANONYMOUS_NAME
    return AuthorOut(id_user=user_id, nom_affiche=name, photo_profile=photo)


def _room_out(row: Any) -> RoomOut:
    room: Thematiques = row.Thematiques
    return RoomOut(
        id_thematique=room.id_thematique,
        titre=room.titre,
        sous_titre=room.sous_titre,
        description=room.description,
        id_media=room.id_media,
        image_url=row.image_url,
        actif=room.actif,
        date_creation=room.date_creation,
        membre=row.role is not None,
        role=row.role,
        non_lus=int(row.non_lus or 0),
        id_dernier_message_lu=row.id_dernier_message_lu,
    )


def message_out(row: Any) -> MessageOut:
    message: Message = row.Message
    return MessageOut(
        id_message=message.id_message,
        id_thematique=message.id_thematique,
        auteur=author(message.id_user, row.prenom, row.nom, row.photo_profile),
        type_message=message.type_message,
        contenu=message.contenu,
        id_media=message.id_media,
        image_url=row.image_url,
        id_message_parent=message.id_message_parent,
        reponse_expert=message.reponse_expert,
        date_envoi=message.date_envoi,
    )


def _audit(
    session: AsyncSession, actor: Principal, action: str, room_id: int, **values: Any
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        table="thematiques",
        key=room_id,
        before=values.get("avant"),
        after=values.get("apres"),
    )


async def _check_room_media(session: AsyncSession, media_id: int | None) -> None:
    if media_id is not None:
        found = await repository.usable_media(session, media_id, usage="thematique", owner_id=None)
        if found is None:
            raise MediaRefused


async def create_room(session: AsyncSession, *, actor: Principal, body: RoomCreate) -> RoomOut:
    if await repository.title_taken(session, body.titre, except_id=None):
        raise TitleTaken
    await _check_room_media(session, body.id_media)
    room = Thematiques(**body.model_dump(), id_createur=actor.id)
    session.add(room)
    await session.flush()
    _audit(session, actor, "thematique.creation", room.id_thematique, apres=body.model_dump())
    return await room_view(session, user_id=actor.id, room_id=room.id_thematique)


async def edit_room(
    session: AsyncSession, *, actor: Principal, room_id: int, body: RoomEdit
) -> RoomOut:
    room = await repository.room(session, room_id)
    if room is None:
        raise RoomNotFound
    changes = body.model_dump(exclude_unset=True)
    if "titre" in changes and await repository.title_taken(
        session, changes["titre"], except_id=room_id
    ):
        raise TitleTaken
    if "id_media" in changes:
        await _check_room_media(session, changes["id_media"])
    before = {key: getattr(room, key) for key in changes}
    for key, value in changes.items():
        setattr(room, key, value)
    await session.flush()
    _audit(session, actor, "thematique.modification", room_id, avant=before, apres=changes)
    return await room_view(session, user_id=actor.id, room_id=room_id)


async def room_view(session: AsyncSession, *, user_id: int, room_id: int) -> RoomOut:
    row = await repository.room_row(session, user_id=user_id, room_id=room_id)
    if row is None:
        raise RoomNotFound
    return _room_out(row)


async def list_rooms(
    session: AsyncSession, *, viewer: Principal, include_archived: bool = False
) -> list[RoomOut]:
    rows = await repository.rooms(session, user_id=viewer.id, include_archived=include_archived)
    return [_room_out(row) for row in rows]


async def _open_room(session: AsyncSession, room_id: int) -> Thematiques:
    room = await repository.room(session, room_id)
    if room is None:
        raise RoomNotFound
    if not room.actif:
        raise RoomArchived
    return room


async def join(session: AsyncSession, *, actor: Principal, room_id: int) -> MembershipOut:
    await _open_room(session, room_id)
    member = await repository.membership(session, room_id, actor.id)
    if member is None:  # joining twice is harmless: the first membership stays
        role = EXPERT_ROLE if EXPERT_ROLE in actor.roles else "membre"
        member = MembreThematique(id_thematique=room_id, id_user=actor.id, role=role)
        session.add(member)
        await session.flush()
        await session.refresh(member)
    return MembershipOut.model_validate(member, from_attributes=True)


async def leave(session: AsyncSession, *, actor: Principal, room_id: int) -> None:
    if await repository.room(session, room_id) is None:
        raise RoomNotFound
    if not await repository.leave(session, room_id, actor.id):
        raise NotMember("Vous n'êtes pas membre de ce salon.")


async def require_member(session: AsyncSession, room_id: int, user_id: int) -> MembreThematique:
    if await repository.room(session, room_id) is None:
        raise RoomNotFound
    member = await repository.membership(session, room_id, user_id)
    if member is None:
        raise NotMember
    return member


async def post_message(
    session: AsyncSession, *, actor: Principal, room_id: int, body: MessageCreate
) -> MessageOut:
    await _open_room(session, room_id)
    await require_member(session, room_id, actor.id)
    parent = None
    if body.id_message_parent is not None:
        parent = await repository.message_in_room(session, room_id, body.id_message_parent)
        if parent is None:
            raise ParentRefused
    if body.id_media is not None:
        found = await repository.usable_media(
            session, body.id_media, usage="message", owner_id=actor.id
        )
        if found is None:
            raise MediaRefused
    expert_answer = parent is not None and EXPERT_ROLE in actor.roles
    message = Message(
        id_thematique=room_id,
        id_user=actor.id,
        type_message="image" if body.id_media is not None else "texte",
        contenu=body.contenu,
        id_media=body.id_media,
        id_message_parent=body.id_message_parent,
        reponse_expert=expert_answer,
    )
    session.add(message)
    await session.flush()
    if expert_answer and parent is not None and parent.id_user not in (None, actor.id):
        await _notify_asker(session, actor=actor, asker_id=parent.id_user, message=message)
    row = await repository.message_row(session, message.id_message)
    return message_out(row)


async def _notify_asker(
    session: AsyncSession, *, actor: Principal, asker_id: int | None, message: Message
) -> None:
    if asker_id is None:
        return
    expert = full_name(actor.prenom, actor.nom) or "Un expert"
    await notify(
        session,
        user_id=asker_id,
        kind="reponse_expert",
        title="Un expert vous a répondu",
        text=f"{expert} a répondu à votre question.",
        data={
            "id_thematique": message.id_thematique,
            "id_message": message.id_message,
            "id_message_parent": message.id_message_parent,
        },
        message_id=message.id_message,
    )


async def history(
    session: AsyncSession,
    *,
    viewer: Principal,
    room_id: int,
    before: int | None,
    after: int | None,
    limit: int,
) -> tuple[list[MessageOut], int | None]:
    if before is not None and after is not None:
        raise BadRequest("Indiquez « avant » ou « apres », pas les deux.")
    await require_member(session, room_id, viewer.id)
    rows = list(
        await repository.history(session, room_id, before=before, after=after, limit=limit + 1)
    )
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        # Catching up goes forward (pass it as `apres`), paging goes back (as `avant`).
        following = rows[-1].Message.id_message
    return [message_out(row) for row in rows], following


async def mark_read(
    session: AsyncSession, *, actor: Principal, room_id: int, body: ReadMark
) -> RoomOut:
    await require_member(session, room_id, actor.id)
    if await repository.message_in_room(session, room_id, body.id_message) is None:
        raise MessageNotInRoom
    await repository.move_marker(session, room_id, actor.id, body.id_message)
    return await room_view(session, user_id=actor.id, room_id=room_id)


async def report_message(
    session: AsyncSession, *, actor: Principal, room_id: int, message_id: int, body: MessageReport
) -> Signalement:
    """A member reports a published message of the room; it joins the moderators' queue."""
    await require_member(session, room_id, actor.id)
    if await repository.message_in_room(session, room_id, message_id) is None:
        raise MessageNotFound
    return await moderation.record_report(
        session,
        actor=actor,
        target={"id_message": message_id},
        motif=body.motif,
        details=body.details,
    )
