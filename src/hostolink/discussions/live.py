"""Live delivery of a room over WebSocket: `/ws/thematiques/{id}`.

The handshake authenticates itself (HTTPBearer is an HTTP dependency): the access token comes
in the `token` query parameter, or as the subprotocols `bearer, <token>` (what a browser can
send). Refusals accept then close with a 44xx code and a French reason, so that the client
can tell "log in again" (4401) from "not allowed" (4403) and "no such room" (4404).

Frames, all JSON. Server → client: `bienvenue` (subscribed: nothing published from now on
is missed), `message` (`data`: a message, from REST or WebSocket), `retrait` (`id_message`:
a moderator hid this message; take it off the screen), `resynchronisation`
(`id_thematique`: live delivery was cut, by a Redis outage or restart, and is back; frames
sent meanwhile may be missing: catch up from the history with `apres`, as after
`bienvenue`), `ping` (heartbeat), `accuse` (`ref`, `id_message`: my message was stored),
`erreur` (`error`, `message`; the connection stays open). Client → server: `{"type":
"message", "contenu", "id_media", "id_message_parent", "ref"}` (validated and stored as over
REST), `pong` (ignored).

Redis unreachable never closes a socket: it is accepted local-only (it sees what this
process publishes) and gets `resynchronisation` once the room is shared again (hub.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from hostolink.auth.deps import AUTHENTICATED_IN_HANDLER, authenticate
from hostolink.auth.principal import Principal
from hostolink.auth.service import AccountSuspended
from hostolink.db import database_of
from hostolink.discussions import repository, service
from hostolink.discussions.hub import Hub, Runtime, runtime_of
from hostolink.discussions.schemas import MessageCreate, MessageOut
from hostolink.errors import HostolinkError, SessionEnded
from hostolink.kit.deps import settings_of
from hostolink.kit.metrics import ROOM_SOCKETS
from hostolink.kit.params import RoomId

logger = logging.getLogger("hostolink.discussions.live")
# The socket authenticates in the handler (token in the subprotocol or the query string) and
# closes with 4401/4403/4404; the marker declares that policy in the route table.
ws_router = APIRouter(dependencies=[Depends(AUTHENTICATED_IN_HANDLER)])
Send = Callable[[dict[str, Any]], Awaitable[None]]
MAX_FRAME_CHARS = 16_000
# RFC 6455 1013 "Try Again Later": the server cannot take the socket now (database
# unreachable, connections exhausted); the app reconnects later and catches up.
TRY_AGAIN_LATER = 1013
BUSY = "Service momentanément indisponible, réessayez dans un instant."


class Refusal(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def message_frame(message: MessageOut) -> dict[str, Any]:
    return {"type": "message", "data": message.model_dump(mode="json")}


def withdrawal_frame(room_id: int, message_id: int) -> dict[str, Any]:
    return {"type": "retrait", "id_thematique": room_id, "id_message": message_id}


async def _publish_quietly(hub: Hub, room_id: int, frame: dict[str, Any]) -> None:
    """Publish a frame about a committed change. The hub already copes with Redis away
    (local delivery, resynchronisation); anything else loses only the live copy (the history
    has the truth: sockets catch up from it), so it is logged, never raised into the
    request."""
    try:
        await hub.publish(room_id, frame)
    except Exception:  # a bug or an unforeseen transport failure
        logger.warning("live %s frame for room %s failed", frame["type"], room_id, exc_info=True)


async def publish_quietly(hub: Hub, message: MessageOut) -> None:
    """Deliver a committed message to the room's sockets."""
    await _publish_quietly(hub, message.id_thematique, message_frame(message))


async def withdraw_quietly(hub: Hub, room_id: int, message_id: int) -> None:
    """Tell the room's sockets that a committed moderation decision hid a message."""
    await _publish_quietly(hub, room_id, withdrawal_frame(room_id, message_id))


async def within_limit(runtime: Runtime, user_id: int, per_minute: int) -> int | None:
    """None when the person may post now, else the seconds to wait."""
    key = f"discussion:{runtime.namespace}:{user_id}"
    decision = await runtime.limiter.hit(key, per_minute, 60)
    return None if decision.allowed else decision.retry_after


def credentials(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, subprotocol to select)."""
    offered = [p.strip() for p in websocket.scope.get("subprotocols", [])]
    if len(offered) == 2 and offered[0].lower() == "bearer":
        return offered[1], offered[0]
    return websocket.query_params.get("token"), None


async def authenticate_socket(websocket: WebSocket, token: str | None) -> Principal:
    """The person the handshake's token names (the help desk's sockets use it too)."""
    if not token:
        raise Refusal(4401, "Authentification requise.")
    try:
        principal = await authenticate(token, websocket.app)
    except AccountSuspended as exc:
        raise Refusal(4403, "Compte suspendu.") from exc
    except SessionEnded as exc:
        raise Refusal(4401, SessionEnded.message) from exc
    except HostolinkError as exc:
        raise Refusal(4401, "Jeton d'accès invalide ou expiré.") from exc
    return principal


async def _authenticate(websocket: WebSocket, token: str | None, room_id: int) -> Principal:
    principal = await authenticate_socket(websocket, token)
    db = database_of(websocket.app)
    async with db.sessionmaker() as session:
        if await repository.room(session, room_id) is None:
            raise Refusal(4404, "Salon de discussion introuvable.")
        if await repository.membership(session, room_id, principal.id) is None:
            raise Refusal(4403, "Rejoignez ce salon pour suivre la discussion.")
    return principal


@ws_router.websocket("/ws/thematiques/{room_id}")
async def room_socket(websocket: WebSocket, room_id: RoomId) -> None:
    token, subprotocol = credentials(websocket)
    await websocket.accept(subprotocol=subprotocol)
    try:
        principal = await _authenticate(websocket, token, room_id)
    except Refusal as refusal:
        await websocket.close(code=refusal.code, reason=refusal.reason)
        return
    except (SQLAlchemyError, OSError, TimeoutError):
        logger.warning("WebSocket refusé : base de données indisponible", exc_info=True)
        await websocket.close(code=TRY_AGAIN_LATER, reason=BUSY)
        return
    with ROOM_SOCKETS.track_inprogress():  # hostolink_room_sockets_open
        await _serve(websocket, principal, room_id)


async def _serve(websocket: WebSocket, principal: Principal, room_id: int) -> None:
    runtime = runtime_of(websocket.app)
    async with runtime.hub.subscribe(room_id) as queue:
        lock = asyncio.Lock()

        async def send(frame: dict[str, Any]) -> None:
            async with lock:  # one writer at a time on the socket
                await websocket.send_json(frame)

        await send({"type": "bienvenue", "id_thematique": room_id})
        tasks = [
            asyncio.create_task(heartbeat(send, settings_of(websocket.app))),
            asyncio.create_task(_forward(send, queue)),
        ]
        try:
            await _receive(websocket, send, principal, room_id)
        except WebSocketDisconnect:
            pass
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def heartbeat(send: Send, settings: Any) -> None:
    interval = float(settings.websocket_heartbeat_seconds)
    while True:
        await asyncio.sleep(interval)
        await send({"type": "ping"})


async def _forward(send: Send, queue: asyncio.Queue[dict[str, Any]]) -> None:
    while True:
        await send(await queue.get())


def _error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "erreur", "error": code, "message": message, **extra}


async def _receive(websocket: WebSocket, send: Send, principal: Principal, room_id: int) -> None:
    while True:
        text = await websocket.receive_text()
        frame: Any = None
        if len(text) <= MAX_FRAME_CHARS:
            with contextlib.suppress(ValueError):
                frame = json.loads(text)
        if not isinstance(frame, dict):
            await send(_error("TrameInvalide", "Trame invalide : envoyez un objet JSON."))
            continue
        kind = frame.pop("type", "message")
        if kind in ("pong", "ping"):
            continue
        if kind != "message":
            await send(_error("TrameInvalide", "Type de trame inconnu."))
            continue
        await _post(websocket, send, principal, room_id, frame)


async def _post(
    websocket: WebSocket, send: Send, principal: Principal, room_id: int, frame: dict[str, Any]
) -> None:
    ref = frame.pop("ref", None)
    runtime = runtime_of(websocket.app)
    per_minute = settings_of(websocket.app).discussion_messages_per_minute
    wait = await within_limit(runtime, principal.id, per_minute)
    if wait is not None:
        text = f"Trop de messages : réessayez dans {wait} secondes."
        await send(_error("TooManyRequests", text, retry_after=wait, ref=ref))
        return
    try:
        body = MessageCreate.model_validate(frame)
    except ValidationError:
        await send(_error("ValidationError", "Message invalide.", ref=ref))
        return
    db = database_of(websocket.app)
    try:
        async with db.sessionmaker() as session, session.begin():
            message = await service.post_message(
                session, actor=principal, room_id=room_id, body=body
            )
    except HostolinkError as exc:
        await send(_error(exc.code, exc.message, ref=ref))
        return
    await send({"type": "accuse", "ref": ref, "id_message": message.id_message})
    await publish_quietly(runtime.hub, message)
