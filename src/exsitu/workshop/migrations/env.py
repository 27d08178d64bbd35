"""Alembic environment for the workshop store.

The store runs migrations itself on open (:func:`exsitu.workshop.migrate.upgrade`), handing Alembic an open
connection in ``config.attributes["connection"]``; there is no alembic.ini. Offline (SQL script) mode is not used.
"""

from alembic import context

from exsitu.workshop.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the store runs these migrations
    raise RuntimeError("run exsitu.workshop migrations through exsitu.workshop.open_store()")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
