"""Column types SQLAlchemy lacks. Domain-free: nothing here knows about Hostolink.

`Point` maps PostgreSQL's core `point` type, which needs no extension (the embedded server
ships none, and PostGIS is not assumed on Supabase). The x coordinate is the longitude and
y the latitude, the order `point(lon, lat)` and the GiST KNN operator `<->` expect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Float
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import UserDefinedType

LonLat = tuple[float, float]


class Point(UserDefinedType[LonLat]):
    """`point` as a `(lon, lat)` tuple of floats.

    asyncpg accepts any 2-sequence for a `point` parameter and returns `asyncpg.Point`,
    a tuple subclass: both directions reduce to plain tuples so callers never import asyncpg.
    """

    cache_ok = True
    # Rendered as `$n::POINT`: in a multi-row INSERT (SQLAlchemy's insertmanyvalues puts the
    # parameters in a VALUES list) PostgreSQL would otherwise infer `text` for them.
    render_bind_cast = True

    class comparator_factory(UserDefinedType.Comparator[LonLat]):  # noqa: N801 (SQLAlchemy's name)
        def distance(self, other: Any) -> ColumnElement[float]:
            """`self <-> other`: Euclidean distance in degrees, the order a GiST index can
            produce (KNN). Good for ordering nearby rows, not for the metres shown."""
            return cast(ColumnElement[float], self.op("<->", return_type=Float())(other))

    def get_col_spec(self, **kw: Any) -> str:
        return "POINT"

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        def process(value: Any) -> Any:
            if value is None:
                return None
            lon, lat = value
            return (float(lon), float(lat))

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        def process(value: Any) -> LonLat | None:
            if value is None:
                return None
            # asyncpg.Point is a tuple; a text round-trip (other drivers) gives "(x,y)".
            if isinstance(value, str):
                x, y = value.strip("()").split(",")
                return (float(x), float(y))
            return (float(value[0]), float(value[1]))

        return process

    @property
    def python_type(self) -> type[Any]:
        return tuple


# Reflection (Alembic autogenerate, `alembic check`) must see `point` columns as this type,
# not as NullType, or every comparison reports a spurious type change.
ischema_names["point"] = Point


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL text for a CHECK that `column` takes one of `values` (a closed vocabulary stored as
    text: readable in the database, and cheaper to extend than a PostgreSQL ENUM type)."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
