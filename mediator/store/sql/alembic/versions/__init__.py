"""Alembic revisions, one linear history; Alembic loads these files by path, not by import."""
