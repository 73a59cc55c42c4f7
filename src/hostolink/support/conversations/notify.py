"""Telling the person that the desk answered or resolved: an in-app notification of type
`assistance`, pushed to their devices when they accept pushes (notifications/service.py).
Internal notes and the person's own messages never notify."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import ConversationAssistance, MessageAssistance
from hostolink.notifications.service import notify

KIND = "assistance"
EXCERPT_CHARS = 140


def _excerpt(message: MessageAssistance) -> str:
    text = (message.contenu or "").strip()
    if not text:
        return "Le support vous a envoyé une image."
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


async def answered(
    session: AsyncSession, conversation: ConversationAssistance, message: MessageAssistance
) -> None:
    await notify(
        session,
        user_id=conversation.id_user,
        kind=KIND,
        title="Le support vous a répondu",
        text=_excerpt(message),
        data={
            "id_conversation": conversation.id_conversation,
            "id_message": message.id_message,
        },
    )


async def resolved(session: AsyncSession, conversation: ConversationAssistance) -> None:
    await notify(
        session,
        user_id=conversation.id_user,
        kind=KIND,
        title="Conversation résolue",
        text=(
            f"« {conversation.sujet} » est marquée résolue. Écrivez-nous si le problème "
            "persiste : la conversation se rouvrira."
        ),
        data={"id_conversation": conversation.id_conversation},
    )
