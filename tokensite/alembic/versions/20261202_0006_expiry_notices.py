"""token_expiry_notices: the expiry notices sent per token, so none is sent twice

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from tokensite.models.meta import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "token_expiry_notices",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("within_days", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"],
                                name=op.f("fk_token_expiry_notices_token_id_api_tokens"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_id", "within_days", name=op.f("pk_token_expiry_notices")),
    )


def downgrade():
    op.drop_table("token_expiry_notices")
