"""Bounded integer identifiers: path parameters, query cursors and ids in request bodies.

An id in the URL ends up in a `WHERE id_… = $1` on an INTEGER (int4) or BIGINT (int8) column.
A number the column cannot hold would reach the driver and fail there (asyncpg refuses it with
a DataError, i.e. a 500); bounding the parameter to the column's range turns it into the app's
ordinary 422 validation error and tells API clients the range in the OpenAPI document.

One alias per kind of id, named after what it identifies, so each endpoint reads
`id_publication: PostId` and every route that takes that id declares the same range. Bodies
that name a row (`id_media`, `id_cible`…) use `IntRef` / `BigRef` for the same reason.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import Field

INT4_MAX = 2_147_483_647
"""Largest value of a PostgreSQL INTEGER (int4) column."""

INT8_MAX = 9_223_372_036_854_775_807
"""Largest value of a PostgreSQL BIGINT (int8) column."""


def int_id(description: str | None = None) -> Any:
    """A path id stored in an INTEGER column."""
    return Path(ge=1, le=INT4_MAX, description=description)


def big_id(description: str | None = None) -> Any:
    """A path id stored in a BIGINT column."""
    return Path(ge=1, le=INT8_MAX, description=description)


IntId = Annotated[int, int_id()]
"""Any path id stored in an INTEGER column."""

BigId = Annotated[int, big_id()]
"""Any path id stored in a BIGINT column."""

# INTEGER primary keys.
UserId = Annotated[int, int_id("Identifiant de la personne.")]
EstablishmentId = Annotated[int, int_id("Identifiant de l'établissement.")]
RoomId = Annotated[int, int_id("Identifiant du salon thématique.")]
AnnouncementId = Annotated[int, int_id("Identifiant de l'annonce.")]
AdId = Annotated[int, int_id("Identifiant de la publicité.")]

# BIGINT primary keys.
PostId = Annotated[int, big_id("Identifiant de la publication.")]
CommentId = Annotated[int, big_id("Identifiant du commentaire.")]
ReportId = Annotated[int, big_id("Identifiant du signalement.")]
MessageId = Annotated[int, big_id("Identifiant du message.")]
MediaId = Annotated[int, big_id("Identifiant du média.")]
NotificationId = Annotated[int, big_id("Identifiant de la notification.")]
ContactId = Annotated[int, big_id("Identifiant du contact.")]
VerificationId = Annotated[int, big_id("Identifiant de la vérification d'identité.")]
EmergencyNumberId = Annotated[int, big_id("Identifiant du numéro.")]

# Ids given in a request body (a reference to an existing row).
IntRef = Annotated[int, Field(ge=1, le=INT4_MAX)]
"""A body field naming a row of an INTEGER-keyed table."""

BigRef = Annotated[int, Field(ge=1, le=INT8_MAX)]
"""A body field naming a row of a BIGINT-keyed table."""
