"""index api_tokens.created_at, for pruning under a global token lifetime

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f("ix_api_tokens_created_at"), "api_tokens", ["created_at"])


def downgrade():
    op.drop_index(op.f("ix_api_tokens_created_at"), table_name="api_tokens")
