"""Keyset pagination shared by every list: an opaque cursor (unpadded base64url of
`|`-separated fields) naming the last row a page showed, and its strict decoding.

A list orders by (instant, id), newest first, and asks for the rows before the cursor's
position; the cursor is what `encode_cursor` wrote for the page's last row. Anything the
server could not have issued (forged, truncated, out of range) is `InvalidCursor` (422), never
a database error. Lists with other keys (the directory's distance, an establishment's
members) build their cursors from `cursor_fields`, `cursor_moment` and `cursor_id`.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import InstrumentedAttribute

from hostolink.errors import HostolinkError
from hostolink.kit.params import INT8_MAX


class InvalidCursor(HostolinkError):
    """A cursor the server did not issue (forged, truncated, out of range): 422, never a
    database error."""

    status_code = 422
    message = "Curseur de pagination invalide : reprenez depuis la première page."


# An id as `encode_cursor` writes it: decimal digits, no sign, no leading zero.
_CURSOR_ID = re.compile(r"[1-9][0-9]{0,18}")


def encode_cursor(moment: datetime, entry_id: int) -> str:
    raw = f"{moment.isoformat()}|{entry_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (instant, id) position `encode_cursor` wrote, for a BIGINT id. Anything the server
    could not have issued (issue 21: an id of 10^20 used to reach asyncpg and answer 500) is
    `InvalidCursor`."""
    moment, entry_id = cursor_fields(cursor, 2)
    return cursor_moment(moment), cursor_id(entry_id)


def cursor_fields(cursor: str, count: int) -> list[str]:
    """The `count` `|`-separated fields of an unpadded base64url cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error) as exc:  # UnicodeDecodeError is a ValueError
        raise InvalidCursor from exc
    fields = raw.split("|")
    if len(fields) != count:
        raise InvalidCursor
    return fields


def cursor_moment(text: str) -> datetime:
    """An instant with its offset (every cursor's column is `timestamptz`), in UTC: a naive
    time, an impossible date, one that leaves datetime's range in UTC, or text that is not
    exactly what `isoformat` writes (fromisoformat lets a trailing NUL through) is refused."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None or moment.isoformat() != text:
            raise InvalidCursor
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidCursor from exc


def cursor_id(text: str, maximum: int = INT8_MAX) -> int:
    """A positive id the column holds (BIGINT unless `maximum` says INTEGER): a sign, a
    fraction, spaces or a number past the column's range are refused before the database."""
    if not _CURSOR_ID.fullmatch(text):
        raise InvalidCursor
    value = int(text)
    if value > maximum:
        raise InvalidCursor
    return value


# The query parameters of a page, as the social network's lists and the moderation queue
# take them (other lists document theirs in their own words).
PageLimit = Annotated[int, Query(ge=1, le=100, description="Nombre d'éléments par page.")]
CursorQuery = Annotated[
    str | None, Query(max_length=200, description="`curseur_suivant` de la page précédente.")
]

# A message history's cursors (the rooms' and the help desk's): pages back into the past with
# `avant`, the catch-up after a reconnection forward with `apres`.
BeforeId = Annotated[
    int | None,
    Query(ge=1, le=INT8_MAX, description="`curseur_suivant` de la page précédente (plus récente)."),
]
AfterId = Annotated[
    int | None,
    Query(
        ge=1,
        le=INT8_MAX,
        description="Dernier message reçu : les suivants, du plus ancien au plus récent.",
    ),
]


def id_window(
    query: Select[*tuple[Any, ...]],
    column: ColumnElement[int] | InstrumentedAttribute[int],
    *,
    before: int | None,
    after: int | None,
) -> Select[*tuple[Any, ...]]:
    """Newest first (before `before`), or oldest first after `after` (the catch-up)."""
    if after is not None:
        return query.where(column > after).order_by(column)
    if before is not None:
        query = query.where(column < before)
    return query.order_by(column.desc())
