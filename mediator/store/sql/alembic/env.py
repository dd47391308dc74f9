"""Alembic environment of the SQL store.

`SqlStore.open` runs the revisions with its own connection, already inside the write transaction
that holds the schema lock (`config.attributes["connection"]`, see `migrations.upgrade`): the
migration joins that transaction and the caller commits it.

For developers, the Alembic command line works too, with a database URL given as
`-x url=sqlite:///dev.db` (or `sqlalchemy.url`) and the alembic.ini at the repository root, e.g.
`alembic -x url=sqlite:///dev.db revision --autogenerate -m "…"` against a store at head.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from mediator.store.sql.migrations import include_name
from mediator.store.sql.schema import metadata

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit(
        "the mediator migrations inspect the database: offline (--sql) mode is not supported"
    )

given = config.attributes.get("connection")
if isinstance(given, Connection):
    run(given)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database: alembic -x url=sqlite:///path/to/mediator.db …")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            run(connection)
    finally:
        engine.dispose()
