"""The schema's version and Alembic revisions, apart from the tables (`schema.py`): the
console's first page (`peek.py`) checks them without importing SQLAlchemy."""

#: The schema this code reads and writes, kept in `meta.schema_version` by every migration so
#: that older releases (which only know that number) refuse a store they do not understand. A
#: database with a newer version is refused; an older one is migrated on open (`migrations.py`).
SCHEMA_VERSION = 13

#: `meta.schema_version` → the Alembic revision (`alembic/versions/`) of that schema. Versions 1
#: and 2 predate Alembic: `migrations.py` brings them to 3 by hand first.
REVISIONS = {
    3: "v3_baseline",
    4: "v4_staff",
    5: "v5_pg_search",
    6: "v6_claims",
    7: "v7_changes",
    8: "v8_review_audit",
    9: "v9_report_indexes",
    10: "v10_macros",
    11: "v11_queue_sort",
    12: "v12_bulk_jobs",
    13: "v13_decided",
}
#: The Alembic head: a store whose `alembic_version` says this needs no migration, and opening it
#: does not import Alembic (tests/store/test_sql_migrations.py checks it against the scripts).
HEAD_REVISION = REVISIONS[SCHEMA_VERSION]
