"""The store's tables (SQLAlchemy Core). Changes go through a new Alembic migration in ``migrations/versions``.

* ``workshops``: title, taxon, date, the join code (normalised, unique) and the SHA-256 of the facilitator key
  (the key itself is never stored).
* ``documents``: one assessment with its current ``version`` (the optimistic-lock counter), the last save
  time and which steps are done (for the overview without parsing JSON). A group owns one; a solo
  assessment is a document without a workshop, its id unguessable.
* ``document_versions``: every saved version — JSON, author, time, summary and changed paths.
* ``groups``, ``participants``, ``judgements`` (superseded ones kept, ``superseded_at`` set),
  ``decisions`` (every recording kept; the newest is the group's decision).
* ``topics``: a rating in Steps 2–4 the facilitator opened to the room — its name (the judgements' ``topic``),
  the step, the options and criteria (JSON), the score scale, for one group or (``group_id`` NULL) every group
  of the workshop; ``closed_at`` set once closed (migration ``0002_topics``).
"""

from __future__ import annotations

from sqlalchemy import (Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint,
                        text)

metadata = MetaData()

ID = 40  # id columns: token_urlsafe / uuid hex
STAMP = 40  # ISO 8601 UTC text, sortable

workshops = Table(
    "workshops", metadata,
    Column("id", String(ID), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("taxon", String(200), nullable=False),
    Column("date", String(40), nullable=False),
    Column("join_code", String(16), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(STAMP), nullable=False),
)

documents = Table(
    "documents", metadata,
    Column("id", String(ID), primary_key=True),
    Column("workshop_id", String(ID), ForeignKey("workshops.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", String(STAMP), nullable=False),
    Column("steps_done", String(40), nullable=False, server_default=""),
)

document_versions = Table(
    "document_versions", metadata,
    Column("document_id", String(ID), ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("assessment", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("saved_at", String(STAMP), nullable=False),
    Column("summary", Text, nullable=False),
    Column("changed_paths", Text, nullable=False),
)

groups = Table(
    "groups", metadata,
    Column("id", String(ID), primary_key=True),
    Column("workshop_id", String(ID), ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("document_id", String(ID), ForeignKey("documents.id"), nullable=False, unique=True),
    Column("created_at", String(STAMP), nullable=False),
    UniqueConstraint("workshop_id", "name", name="uq_groups_workshop_name"),
)

participants = Table(
    "participants", metadata,
    Column("id", String(ID), primary_key=True),
    Column("workshop_id", String(ID), ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", String(ID), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("display_name", String(200), nullable=False),
    Column("affiliation", String(200), nullable=False),
    Column("perspective", String(40), nullable=False),
    Column("joined_at", String(STAMP), nullable=False),
)

judgements = Table(
    "judgements", metadata,
    Column("id", String(ID), primary_key=True),
    Column("workshop_id", String(ID), ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", String(ID), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("participant_id", String(ID), ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("scores", Text, nullable=False),
    Column("weights", Text, nullable=False),
    Column("vote", String(40), nullable=False),
    Column("confidence", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("submitted_at", String(STAMP), nullable=False),
    Column("superseded_at", String(STAMP), nullable=True),
    Index("ix_judgements_group_topic", "group_id", "topic"),
    # At most one current judgement per participant and topic, even with two concurrent submissions.
    Index("uq_judgements_current", "participant_id", "topic", unique=True,
          sqlite_where=text("superseded_at IS NULL"), postgresql_where=text("superseded_at IS NULL")),
)

decisions = Table(
    "decisions", metadata,
    Column("id", String(ID), primary_key=True),
    Column("workshop_id", String(ID), ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", String(ID), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("outcome", Text, nullable=False),
    Column("rationale", Text, nullable=False),
    Column("dissent", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", String(STAMP), nullable=False),
)

topics = Table(
    "topics", metadata,
    Column("id", String(ID), primary_key=True),
    Column("workshop_id", String(ID), ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("group_id", String(ID), ForeignKey("groups.id", ondelete="CASCADE"), nullable=True),  # NULL: every group
    Column("name", String(200), nullable=False),
    Column("step", Integer, nullable=False),
    Column("options", Text, nullable=False),
    Column("criteria", Text, nullable=False),
    Column("score_min", Float, nullable=False),
    Column("score_max", Float, nullable=False),
    Column("opened_at", String(STAMP), nullable=False),
    Column("closed_at", String(STAMP), nullable=True),
)

TABLES = ("workshops", "documents", "document_versions", "groups", "participants", "judgements", "decisions",
          "topics")
