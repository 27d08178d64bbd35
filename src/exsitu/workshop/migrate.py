"""Schema migrations, run programmatically: :func:`upgrade` brings a database to the newest revision.

The Alembic scripts ship inside the package (``exsitu/workshop/migrations``; no alembic.ini). Two processes
opening a new database at once are serialised: SQLite by ``BEGIN IMMEDIATE`` (one writer), PostgreSQL by a
transaction-scoped advisory lock, so the second finds the schema already at head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_ADVISORY_LOCK = 7_246_180_011  # any constant, the same in every process


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Migrate the database to head (a no-op when it is there already); returns the head revision."""
    head = head_revision()
    if current_revision(engine) == head:
        return head
    config = _config()
    with engine.connect() as connection:
        connection = connection.execution_options(exsitu_write=True)
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return head
