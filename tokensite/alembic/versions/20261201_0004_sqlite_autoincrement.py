"""AUTOINCREMENT on SQLite: ids of users, tokens, posts and events are never reused

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Without AUTOINCREMENT SQLite gives a new row the largest id + 1, so deleting the
newest token handed its id to the next one, and a stale form for the deleted token
acted on the new one.  PostgreSQL's sequences never go back: nothing to do there.

SQLite cannot alter a primary key, so each table is rebuilt (copied into a new
table, dropped, renamed) with foreign keys off: dropping ``users`` with them on
would cascade into every other table (https://www.sqlite.org/lang_altertable.html).
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: children after their parent, as they were created
TABLES = ("users", "api_tokens", "posts", "security_events")


def rebuild_tables(autoincrement: bool) -> None:
    """Rebuild every table; a failure leaves foreign keys off only on a connection that is discarded."""
    context = op.get_context()
    with context.autocommit_block():  # the pragma is a no-op inside a transaction
        op.execute("PRAGMA foreign_keys=OFF")
    for table in TABLES:
        kwargs = {"sqlite_autoincrement": autoincrement}
        with op.batch_alter_table(table, recreate="always", table_kwargs=kwargs):
            pass
    problems = op.get_bind().execute(sa.text("PRAGMA foreign_key_check")).all()
    if problems:
        raise RuntimeError(f"the rebuild broke foreign keys: {problems}")
    with context.autocommit_block():
        op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    rebuild_tables(autoincrement=True)
    # a token deleted before this upgrade left its id in the security log: never hand it out again
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'api_tokens'")
    op.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'api_tokens', max("
               "(SELECT coalesce(max(id), 0) FROM api_tokens), "
               "(SELECT coalesce(max(token_id), 0) FROM security_events))")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    rebuild_tables(autoincrement=False)
