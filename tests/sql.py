"""What is in the database, and which of the statements a block sent were writes.

(``tokensite.testing.sql_statements`` records the statements.)
"""
from __future__ import annotations

import re

import sqlalchemy as sa

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


def writes(statements) -> list[str]:
    return [statement for statement in statements if WRITE.match(statement)]


def rows(engine, table: str, order_by: str = "id") -> list[dict]:
    """Every row of ``table`` as dicts: what an operator would see."""
    with engine.connect() as conn:
        result = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY {order_by}"))
        return [dict(row) for row in result.mappings()]
