"""Constructors for the column declarations the tables repeat.

Every documented column carries a `comment` (written to the database) and an
`info={"exemple": …}` (read by the MERISE documentation generator, `hostolink_devtools.merise`):
each helper takes those two first, then whatever else the column declares, and passes it
all to `mapped_column` unchanged, so the schema is what the plain `mapped_column` call
would give. Nullability not given here follows the `Mapped[...]` annotation, as usual.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, func, text
from sqlalchemy.orm import MappedColumn, mapped_column
from sqlalchemy.types import TypeEngine


def column(
    type_: type[TypeEngine[Any]] | TypeEngine[Any],
    comment: str,
    exemple: str,
    /,
    *args: Any,
    **kw: Any,
) -> MappedColumn[Any]:
    """A documented column: `mapped_column(type_, *args, comment=…, info={"exemple": …}, **kw)`."""
    return mapped_column(type_, *args, comment=comment, info={"exemple": exemple}, **kw)


def primary_key(
    type_: type[TypeEngine[Any]] | TypeEngine[Any], comment: str, exemple: str, /, **kw: Any
) -> MappedColumn[Any]:
    """The table's (or one of its) primary key column(s)."""
    return column(type_, comment, exemple, primary_key=True, **kw)


def foreign_key(
    type_: type[TypeEngine[Any]] | TypeEngine[Any],
    target: str,
    ondelete: str,
    comment: str,
    exemple: str,
    /,
    **kw: Any,
) -> MappedColumn[Any]:
    """A column referencing `target` ("table.column"), with its ON DELETE rule."""
    return column(type_, comment, exemple, ForeignKey(target, ondelete=ondelete), **kw)


def user_id(ondelete: str, comment: str, exemple: str, /, **kw: Any) -> MappedColumn[Any]:
    """A reference to a person (`utilisateur.id_user`, an INTEGER)."""
    return foreign_key(Integer, "utilisateur.id_user", ondelete, comment, exemple, **kw)


def media_id(ondelete: str, comment: str, exemple: str, /, **kw: Any) -> MappedColumn[Any]:
    """A reference to an uploaded file (`media.id_media`, a BIGINT)."""
    return foreign_key(BigInteger, "media.id_media", ondelete, comment, exemple, **kw)


def timestamp(comment: str, exemple: str, /, **kw: Any) -> MappedColumn[Any]:
    """A `timestamptz` column."""
    return column(DateTime(timezone=True), comment, exemple, **kw)


def timestamp_now(comment: str, exemple: str, /) -> MappedColumn[Any]:
    """A required `timestamptz` the database fills with `now()` (creation, reception…)."""
    return timestamp(comment, exemple, nullable=False, server_default=func.now())


def flag(default: bool, comment: str, exemple: str, /) -> MappedColumn[Any]:
    """A required boolean with a server default (`actif`, `est_lu`…)."""
    server_default = text("true") if default else text("false")
    return column(Boolean, comment, exemple, nullable=False, server_default=server_default)


def zero(
    type_: type[TypeEngine[Any]] | TypeEngine[Any], comment: str, exemple: str, /
) -> MappedColumn[Any]:
    """A required number starting at 0 (counter, fee, balance)."""
    return column(type_, comment, exemple, nullable=False, server_default="0")
