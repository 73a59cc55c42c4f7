"""What follows a claim's change, apart from the money: a `systeme` message in its
conversation and a `reclamation` notification (with its push) in the same transaction, and
the live frames once that transaction committed. The conversation side (messages, frames,
the hub) belongs to support/conversations; this module is the claims' only door to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from hostolink.models import Reclamations
from hostolink.notifications.service import notify
from hostolink.support.conversations import live
from hostolink.support.conversations.service import system_message


@dataclass
class Pending:
    """What to publish on the conversation's channel after commit: the claim's frame, then
    the new messages' frames and the conversation's state."""

    conversation_id: int
    claim_frame: dict[str, Any]
    message_ids: tuple[int, ...] = field(default=())


async def announce(
    session: AsyncSession,
    *,
    claim: Reclamations,
    title: str,
    text: str,
    claim_frame: dict[str, Any],
) -> Pending:
    """The person is told in the conversation and by a notification (with its push), in the
    transaction of the change; the frames wait for its commit (`publish`)."""
    message = await system_message(session, conversation_id=claim.id_conversation, text=text)
    await notify(
        session,
        user_id=claim.id_user,
        kind="reclamation",
        title=title,
        text=text,
        data={
            "id_reclamation": claim.id_reclamation,
            "id_conversation": claim.id_conversation,
            "statut": claim.statut,
        },
    )
    return Pending(claim.id_conversation, claim_frame, (message.id_message,))


async def publish(app: Starlette, pending: Pending) -> None:
    """After commit; never raises (the change is committed whatever live delivery does)."""
    frame = {"type": "reclamation", "data": pending.claim_frame}
    await live.publish_conversation(app, pending.conversation_id, frame)
    if pending.message_ids:
        await live.announce(app, pending.conversation_id, message_ids=pending.message_ids)
