"""The Alembic migration scripts of the SQL store (run by `mediator.store.sql.migrations`)."""
