"""Staff who may use the API, and their bearer tokens (only a hash is stored).

A token is 32 random bytes (`secrets.token_urlsafe`), shown once when it is created. Because it
is random and long, a plain SHA-256 is the right hash (a slow password hash buys nothing for a
256-bit secret and would cost every API call); lookups compare hashes, never tokens.

Adding a member appends an audit entry (issue 16) with the name and the role: never the token,
nor its hash, which the trail would keep forever and every export would carry.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from mediator.domain.audit import AuditAction
from mediator.domain.ids import name_problem
from mediator.store.base import NotAllowed, Role, StaffMember, StoreError
from mediator.store.sql import audit
from mediator.store.sql.schema import staff

#: Prefix that makes a leaked token recognisable (secret scanners, logs).
TOKEN_PREFIX = "mdt_"


class StaffError(StoreError):
    """A staff member cannot be added (bad name, unknown role, name taken)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: The audit trail's actor for staff added from the command line (who ran it is not known).
CLI_ACTOR = "cli"


def add_staff(
    conn: Connection, name: str, role: str, *, now: datetime, actor: str = CLI_ACTOR
) -> str:
    """Add `name` with `role` and return a new bearer token (the only time it exists in clear).
    `actor`: who added them, for the audit trail."""
    problem = name_problem(name)
    if problem is not None:
        raise StaffError(f"{name!r} is not a staff name: {problem}")
    try:
        checked = Role(role)
    except ValueError:
        raise StaffError(f"unknown role {role!r}: agent or supervisor") from None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    if conn.scalar(select(staff.c.name).where(staff.c.name == name)) is not None:
        raise StaffError(f"staff member {name!r} already exists")
    try:
        conn.execute(
            insert(staff).values(
                name=name, role=checked.value, token_hash=hash_token(token), created_at=now
            )
        )
    except IntegrityError:
        raise StaffError(f"staff member {name!r} already exists") from None
    audit.append(
        conn,
        AuditAction.STAFF_ADDED,
        actor=actor,
        at=now,
        dispute_id=None,
        after={"name": name, "role": checked.value},
    )
    return token


#: A revoked member's `token_hash`: never the SHA-256 hex of any token, unique per revocation.
REVOKED = "revoked:"


def new_token(conn: Connection, name: str, *, now: datetime, actor: str = CLI_ACTOR) -> str:
    """A new bearer token for `name`; the old one stops working at once (a lost laptop, a
    leaked token). Returns the token, the only time it exists in clear."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    _set_hash(conn, name, hash_token(token), now=now, actor=actor, action=AuditAction.TOKEN_ISSUED)
    return token


def revoke(conn: Connection, name: str, *, now: datetime, actor: str = CLI_ACTOR) -> None:
    """`name`'s token stops working: the API refuses it and `mediator web` ends the browser
    sessions signed in with it. `new_token` gives them another."""
    marker = REVOKED + secrets.token_hex(16)
    _set_hash(conn, name, marker, now=now, actor=actor, action=AuditAction.TOKEN_REVOKED)


def _set_hash(
    conn: Connection, name: str, value: str, *, now: datetime, actor: str, action: AuditAction
) -> None:
    done = conn.execute(update(staff).where(staff.c.name == name).values(token_hash=value))
    if done.rowcount != 1:
        raise StaffError(f"no staff member {name!r} (mediator staff list)")
    audit.append(conn, action, actor=actor, at=now, dispute_id=None, after={"name": name})


def staff_for_token(conn: Connection, token: str) -> StaffMember | None:
    """Who holds `token`, or None."""
    row = conn.execute(
        select(staff.c.name, staff.c.role).where(staff.c.token_hash == hash_token(token))
    ).one_or_none()
    if row is None:
        return None
    return StaffMember(name=row.name, role=Role(row.role))


def list_staff(conn: Connection) -> list[StaffMember]:
    rows = conn.execute(select(staff.c.name, staff.c.role).order_by(staff.c.name))
    return [StaffMember(name=r.name, role=Role(r.role)) for r in rows]


def staff_named(conn: Connection, name: str) -> StaffMember | None:
    """The member of staff called `name`, or None."""
    row = conn.execute(select(staff.c.name, staff.c.role).where(staff.c.name == name)).one_or_none()
    return None if row is None else StaffMember(name=row.name, role=Role(row.role))


def must_be_supervisor(conn: Connection, actor: str, doing: str) -> None:
    """Raise `NotAllowed` unless `actor` is a supervisor on this store's staff (the review rule,
    macros): `doing` says what they tried."""
    member = staff_named(conn, actor)
    if member is None:
        raise NotAllowed(f"{actor} is not staff of this store: only a supervisor may {doing}")
    if member.role is not Role.SUPERVISOR:
        raise NotAllowed(f"{actor} is an agent: only a supervisor may {doing}")
