"""The product's own statements as SQL text with `$n` parameters, compiled once per process
(at the floor's start, never per request) with the API's dialect: the floor runs exactly
the SQL our service runs, and follows it when a repository changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

_DIALECT = make_url("postgresql+asyncpg://").get_dialect()()


@dataclass(frozen=True)
class Compiled:
    """SQL text and, for each `$n`, either a named argument or a constant of the statement."""

    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]

    def args(self, **given: Any) -> list[Any]:
        return [given[name] if name in given else self.constants[name] for name in self.names]


def compile_statement(statement: Any, roles: dict[str, Any] | None = None) -> Compiled:
    """`statement` compiled with its values rendered as parameters. `roles` maps an argument
    name to the distinctive value the statement was built with (`{"lon": 1.2345}`): the
    parameter holding that value takes the argument's name."""
    compiled = statement.compile(dialect=_DIALECT)
    # As SQLAlchemy does at execution: IN lists and literal-execute values rendered, the
    # parameters given at execution left as `$n` (a placeholder `None` here).
    unset = {name: None for name, bind in compiled.binds.items() if bind.required}
    state = compiled.construct_expanded_state(unset)
    values = state.parameters
    names = []
    for name in state.positiontup or ():
        role = next(
            (role for role, marker in (roles or {}).items() if values[name] == marker), None
        )
        names.append(role or name)
    return Compiled(state.statement, tuple(names), dict(values))
