"""The first workshop store: workshops, documents and their versions, groups, participants, judgements, decisions.

Revision ID: 0001_initial
Revises:
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("taxon", sa.String(200), nullable=False),
        sa.Column("date", sa.String(40), nullable=False),
        sa.Column("join_code", sa.String(16), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("workshop_id", sa.String(40), sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("steps_done", sa.String(40), nullable=False, server_default=""),
    )
    op.create_index("ix_documents_workshop_id", "documents", ["workshop_id"])
    op.create_table(
        "document_versions",
        sa.Column("document_id", sa.String(40), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("assessment", sa.Text, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("saved_at", sa.String(40), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("changed_paths", sa.Text, nullable=False),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("workshop_id", sa.String(40), sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("document_id", sa.String(40), sa.ForeignKey("documents.id"), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("workshop_id", "name", name="uq_groups_workshop_name"),
    )
    op.create_index("ix_groups_workshop_id", "groups", ["workshop_id"])
    op.create_table(
        "participants",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("workshop_id", sa.String(40), sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("group_id", sa.String(40), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("affiliation", sa.String(200), nullable=False),
        sa.Column("perspective", sa.String(40), nullable=False),
        sa.Column("joined_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_participants_group_id", "participants", ["group_id"])
    op.create_table(
        "judgements",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("workshop_id", sa.String(40), sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("group_id", sa.String(40), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("participant_id", sa.String(40), sa.ForeignKey("participants.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("scores", sa.Text, nullable=False),
        sa.Column("weights", sa.Text, nullable=False),
        sa.Column("vote", sa.String(40), nullable=False),
        sa.Column("confidence", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("submitted_at", sa.String(40), nullable=False),
        sa.Column("superseded_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_judgements_group_topic", "judgements", ["group_id", "topic"])
    op.create_index("uq_judgements_current", "judgements", ["participant_id", "topic"], unique=True,
                    sqlite_where=sa.text("superseded_at IS NULL"), postgresql_where=sa.text("superseded_at IS NULL"))
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("workshop_id", sa.String(40), sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("group_id", sa.String(40), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("rationale", sa.Text, nullable=False),
        sa.Column("dissent", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_decisions_group_id", "decisions", ["group_id"])


def downgrade() -> None:
    for table in ("decisions", "judgements", "participants", "groups", "document_versions", "documents", "workshops"):
        op.drop_table(table)
