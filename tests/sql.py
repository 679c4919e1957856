"""Count the SQL statements a block of code sends (to prove "refused without a query")."""
from __future__ import annotations

import contextlib
import re

import sqlalchemy as sa

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


@contextlib.contextmanager
def sql_statements():
    """Every statement any engine executes inside the block, in order."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def writes(statements) -> list[str]:
    return [statement for statement in statements if WRITE.match(statement)]


def rows(engine, table: str, order_by: str = "id") -> list[dict]:
    """Every row of ``table`` as dicts: what an operator would see."""
    with engine.connect() as conn:
        result = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY {order_by}"))
        return [dict(row) for row in result.mappings()]
