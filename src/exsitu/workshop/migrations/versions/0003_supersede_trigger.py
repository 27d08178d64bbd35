"""A new judgement supersedes the participant's current one on the same topic inside the database.

A ``BEFORE INSERT`` trigger on ``judgements`` stamps the earlier current judgement's ``superseded_at`` with the
new one's ``submitted_at``. Submitting a judgement is then one ``INSERT``: on SQLite the database's single write
lock is held for that one statement instead of a transaction of four driven from Python (with forty
participants submitting at once on two cores, a writer interrupted mid-transaction held every other writer up);
on PostgreSQL it is one round trip instead of four.

Revision ID: 0003_supersede_trigger
Revises: 0002_topics
Create Date: 2026-12-03
"""
from alembic import op

revision = "0003_supersede_trigger"
down_revision = "0002_topics"
branch_labels = None
depends_on = None

_SQLITE = """
CREATE TRIGGER judgements_supersede BEFORE INSERT ON judgements
WHEN NEW.superseded_at IS NULL
BEGIN
    UPDATE judgements SET superseded_at = NEW.submitted_at
    WHERE participant_id = NEW.participant_id AND topic = NEW.topic AND superseded_at IS NULL;
END
"""

_POSTGRES_FUNCTION = """
CREATE FUNCTION judgements_supersede() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE judgements SET superseded_at = NEW.submitted_at
    WHERE participant_id = NEW.participant_id AND topic = NEW.topic AND superseded_at IS NULL;
    RETURN NEW;
END
$$
"""

_POSTGRES_TRIGGER = """
CREATE TRIGGER judgements_supersede BEFORE INSERT ON judgements
FOR EACH ROW WHEN (NEW.superseded_at IS NULL) EXECUTE FUNCTION judgements_supersede()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)
    else:
        op.execute(_SQLITE)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS judgements_supersede" +
               (" ON judgements" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS judgements_supersede()")
