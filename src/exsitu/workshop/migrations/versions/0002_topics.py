"""Topics: a rating in Steps 2–4 the facilitator opens to one group or to every group of the workshop.

Revision ID: 0002_topics
Revises: 0001_initial
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_topics"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topics",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("workshop_id", sa.String(40), sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("group_id", sa.String(40), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("criteria", sa.Text, nullable=False),
        sa.Column("score_min", sa.Float, nullable=False),
        sa.Column("score_max", sa.Float, nullable=False),
        sa.Column("opened_at", sa.String(40), nullable=False),
        sa.Column("closed_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_topics_workshop_id", "topics", ["workshop_id"])


def downgrade() -> None:
    op.drop_index("ix_topics_workshop_id", table_name="topics")
    op.drop_table("topics")
