"""Authentication reads one person by an index whatever the number of people: the query's
generic plan (what PostgreSQL uses for a prepared statement after a few executions) must
not scan a table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.auth.principal import PRINCIPAL_BY_ID
from hostolink.db import create_engine

PEOPLE = 3000


async def test_generic_plan_uses_indexes_only(database_url: str, db_engine: AsyncEngine) -> None:
    async with db_engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO utilisateur (email) "
                "SELECT 'p' || g || '@example.ci' FROM generate_series(1, :n) g"
            ),
            {"n": PEOPLE},
        )
        await connection.execute(
            text(
                "INSERT INTO compte (numero_compte, type_compte, id_user) "
                "SELECT 'HL' || lpad(id_user::text, 10, '0'), 'utilisateur', id_user "
                "FROM utilisateur"
            )
        )
        await connection.execute(text("ANALYZE utilisateur, compte, utilisateur_role"))

    sent: list[str] = []
    engine = create_engine(database_url, pool_size=1)

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with engine.connect() as connection:
            await connection.execute(PRINCIPAL_BY_ID, {"user_id": 1})
            principal_sql = sent[-1]  # as the driver sent it, parameters as $1
            await connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            await connection.exec_driver_sql(f"PREPARE principal(integer) AS {principal_sql}")
            rows = await connection.exec_driver_sql("EXPLAIN EXECUTE principal(1)")
            plan = "\n".join(str(row[0]) for row in rows)
    finally:
        await engine.dispose()
    assert "Seq Scan on compte" not in plan, plan
    assert "Seq Scan on utilisateur " not in plan, plan
