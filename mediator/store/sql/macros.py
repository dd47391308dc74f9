"""Canned replies in SQL (issue 19): the team's macros, every version of each, and who may
write them.

Only a supervisor (by the `staff` table) adds, edits or retires a macro; anyone reads them. An
edit names the version it was made on and writes the next one (`VersionConflict` when another
supervisor got there first); versions are never updated, and a retired macro is kept, so a
decision still names the text it was made with. Every write has its audit entry, in its
transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from mediator.domain.audit import AuditAction
from mediator.domain.macros import Macro, MacroBody, MacroError, checked
from mediator.domain.macros import search as matching
from mediator.store.base import InvalidDecision, NotFound, VersionConflict
from mediator.store.sql import audit
from mediator.store.sql.schema import macro_versions, macros
from mediator.store.sql.staff import must_be_supervisor
from mediator.store.sql.writes import new_id

m, v = macros.c, macro_versions.c
_JOINED = select(m.id, m.retired, v.version, v.body, v.saved_by, v.saved_at).select_from(
    macros.join(macro_versions, v.macro_id == m.id)
)


def _macro(row: Any) -> Macro:
    body = MacroBody.model_validate_json(row.body)
    return Macro(
        **dict(body),
        id=row.id,
        version=row.version,
        updated_by=row.saved_by,
        updated_at=row.saved_at,
        retired=bool(row.retired),
    )


def list_macros(conn: Connection, *, search: str = "", retired: bool = False) -> list[Macro]:
    """Every macro in use (with `retired`, the retired ones too) at its current version whose
    path holds every word of `search`, by path (a team has tens of macros, not thousands)."""
    query = _JOINED.where(v.version == m.version)
    if not retired:
        query = query.where(m.retired.is_(False))
    return matching([_macro(r) for r in conn.execute(query.order_by(m.path, m.id))], search)


def get_macro(conn: Connection, macro_id: str, version: int | None = None) -> Macro:
    """`macro_id` at `version` (its current one if None), retired or not. Raises `NotFound`."""
    query = _JOINED.where(m.id == macro_id)
    query = query.where(v.version == (m.version if version is None else version))
    row = conn.execute(query).one_or_none()
    if row is None:
        at = "" if version is None else f" version {version}"
        raise NotFound(f"no macro {macro_id!r}{at}")
    return _macro(row)


def _valid(body: MacroBody) -> MacroBody:
    try:
        return checked(body)
    except MacroError as exc:
        raise InvalidDecision(exc.problems) from None


def _path_taken(conn: Connection, path: str, but: str | None = None) -> None:
    query = select(m.id).where(m.path == path, m.retired.is_(False))
    if but is not None:
        query = query.where(m.id != but)
    other = conn.execute(query).scalar()
    if other is not None:
        raise InvalidDecision([("path", f"{path!r} is already macro {other}")])


def save_macro(
    conn: Connection,
    body: MacroBody,
    *,
    macro_id: str | None,
    expected_version: int | None,
    actor: str,
    now: datetime,
) -> Macro:
    """Add a macro (`macro_id` None) or write the next version of `macro_id`, made on
    `expected_version` (`VersionConflict` when it is not the current one). A supervisor only."""
    doing = "add a macro" if macro_id is None else f"edit macro {macro_id}"
    must_be_supervisor(conn, actor, doing)
    body = _valid(body)
    if macro_id is None:
        _path_taken(conn, body.path)
        macro_id, version = new_id("MAC-"), 1
        conn.execute(insert(macros).values(id=macro_id, path=body.path, version=1, retired=False))
        before = None
    else:
        row = conn.execute(
            select(m.version, m.retired).where(m.id == macro_id).with_for_update()
        ).one_or_none()
        if row is None:
            raise NotFound(f"no macro {macro_id!r}")
        if row.retired:
            raise InvalidDecision([("macro", f"{macro_id} is retired: add a new macro instead")])
        if expected_version is not None and row.version != expected_version:
            raise VersionConflict(macro_id, expected_version)
        _path_taken(conn, body.path, but=macro_id)
        previous = get_macro(conn, macro_id)
        version = row.version + 1
        done = conn.execute(
            update(macros)
            .where(and_(m.id == macro_id, m.version == row.version))
            .values(path=body.path, version=version)
        )
        if done.rowcount != 1:
            raise VersionConflict(macro_id, row.version)
        before = {"version": previous.version, **previous.body().model_dump(mode="json")}
    text = body.model_dump_json()
    conn.execute(
        insert(macro_versions).values(
            macro_id=macro_id, version=version, body=text, saved_by=actor, saved_at=now
        )
    )
    audit.append(
        conn,
        AuditAction.MACRO_ADDED if before is None else AuditAction.MACRO_EDITED,
        actor=actor,
        at=now,
        dispute_id=None,
        before=before,
        after={"id": macro_id, "version": version, **body.model_dump(mode="json")},
    )
    return get_macro(conn, macro_id)


def retire_macro(conn: Connection, macro_id: str, *, actor: str, now: datetime) -> Macro:
    """Retire `macro_id` (a supervisor only): no longer offered, still kept. Idempotent."""
    must_be_supervisor(conn, actor, f"remove macro {macro_id}")
    current = get_macro(conn, macro_id)
    if current.retired:
        return current
    conn.execute(update(macros).where(m.id == macro_id).values(retired=True))
    audit.append(
        conn,
        AuditAction.MACRO_RETIRED,
        actor=actor,
        at=now,
        dispute_id=None,
        before={"id": macro_id, "version": current.version, "path": current.path},
        after={"id": macro_id, "retired": True},
    )
    return current.model_copy(update={"retired": True})
