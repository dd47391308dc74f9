"""The draft box: each dispute's unsent work, one JSON file per dispute, on the agent's machine.

Drafts live under `config.drafts_dir()`, in a subdirectory per scope (the store and the agent:
drafts for two stores or two agents never mix), named by a hash of the scope. A file's name is
the hex of the dispute id, never the id itself: ids hold ':' and '.', which some filesystems
refuse or read as paths, and differ only by case, which some filesystems ignore.

Every save is atomic and durable: the draft is written to a temporary file in the same
directory, synced, renamed over the old one and the directory synced, so a crash at any moment
leaves the previous draft or the new one, never half of one. A file that cannot be read is not
deleted: it is kept aside as `NAME.corrupt-<time>` and the reader is told (`DraftError`).

Synchronous (the console calls it from a thread worker); no Textual imports.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from mediator.domain.drafts import Draft
from mediator.domain.ids import id_problem
from mediator.domain.text import one_line
from mediator.store.base import StoreError

SUFFIX = ".json"
#: A temporary file older than this was left by a writer that died (a save takes milliseconds).
STALE_TEMP = 600.0
#: Marks a file kept aside because it could not be read: `NAME.corrupt-<time>`.
CORRUPT = ".corrupt-"


class DraftError(StoreError):
    """A draft file could not be read or written (corrupt, disk full, permissions): the message
    names the file and what was being done."""


def scope_dirname(scope: str) -> str:
    """The subdirectory of a scope: a short hash, so any scope is a safe, fixed-length name."""
    return hashlib.sha256(scope.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def file_name(dispute_id: str) -> str:
    """The file of a dispute's draft; raises `DraftError` for an id that is not a safe id."""
    problem = id_problem(dispute_id)
    if problem is None and dispute_id.strip(".") == "":
        problem = "is not a name"
    if problem is not None:
        raise DraftError(f"no draft can be kept for the dispute id {dispute_id!r}: it {problem}")
    return dispute_id.encode("ascii").hex() + SUFFIX


class DraftBox:
    """The drafts of one scope (store and agent) in `directory`, created on first save.

    Each call is atomic on its own, and calls in this process wait for each other; but two
    threads saving one dispute at once land in whichever order they finish, so keep one save
    per dispute in flight (the last one typed must be the last one written)."""

    def __init__(self, directory: Path, scope: str) -> None:
        self.directory = directory / scope_dirname(scope)
        self.scope = scope
        #: One writer at a time in this process; each write is atomic on its own regardless.
        self._lock = threading.Lock()

    def path(self, dispute_id: str) -> Path:
        return self.directory / file_name(dispute_id)

    # ----- writing ----------------------------------------------------------------------
    def save(self, draft: Draft) -> None:
        """Keep `draft`, replacing the dispute's previous one; an empty draft discards it."""
        if draft.is_empty:
            self.discard(draft.dispute_id)
            return
        path = self.path(draft.dispute_id)
        try:
            data = draft.model_dump_json(indent=1).encode("utf-8")
        except PydanticSerializationError:
            raise DraftError(
                f"could not save the draft of {draft.dispute_id} to {path}: it holds text that "
                "is not Unicode (a lone surrogate)"
            ) from None
        with self._lock, self._guard("save the draft to", path):
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=f".{path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temp, path)
            except BaseException:
                with suppress(OSError):
                    os.unlink(temp)
                raise
            _sync_directory(self.directory)
            self._sweep(path)

    def _sweep(self, path: Path) -> None:
        """Remove the temporary files of `path` that a killed writer left behind."""
        cutoff = time.time() - STALE_TEMP
        for temp in self.directory.glob(f".{path.name}.*.tmp"):
            with suppress(OSError):
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()

    def discard(self, dispute_id: str) -> None:
        """Forget the dispute's draft (there may be none)."""
        path = self.path(dispute_id)
        with self._lock, self._guard("discard the draft", path):
            try:
                path.unlink()
            except FileNotFoundError:
                return
            _sync_directory(self.directory)

    # ----- reading ----------------------------------------------------------------------
    def load(self, dispute_id: str) -> Draft | None:
        """The dispute's draft, or None. A file that cannot be read is kept aside (the next save
        starts afresh) and raises `DraftError`, which names the file and the problem."""
        path = self.path(dispute_id)
        with self._lock:
            return self._read(path, dispute_id)

    def drafts(self) -> list[Draft]:
        """Every draft of this scope, newest first. Files that cannot be read are kept aside
        (see `set_aside`) and left out."""
        with self._lock, self._guard("list the drafts in", self.directory):
            try:
                paths = sorted(self.directory.glob("*" + SUFFIX))
            except FileNotFoundError:
                return []
            found: list[Draft] = []
            for path in paths:
                with suppress(DraftError):
                    draft = self._read(path, None)
                    if draft is not None:
                        found.append(draft)
        return sorted(found, key=lambda d: (d.saved_at, d.dispute_id), reverse=True)

    def set_aside(self) -> list[Path]:
        """The files kept aside because they could not be read, oldest name first."""
        with self._guard("list the drafts in", self.directory):
            try:
                return sorted(p for p in self.directory.iterdir() if CORRUPT in p.name)
            except FileNotFoundError:
                return []

    def _read(self, path: Path, dispute_id: str | None) -> Draft | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._set_aside(path, f"it cannot be read ({exc.strerror or exc})")
        try:
            draft = Draft.model_validate_json(data)
        except ValidationError as exc:
            self._set_aside(path, _first_problem(exc))
        expected = dispute_id if dispute_id is not None else _id_of(path)
        if draft.dispute_id != expected:
            self._set_aside(path, f"it holds the draft of {draft.dispute_id}, not {expected}")
        return draft

    def _set_aside(self, path: Path, problem: str) -> NoReturn:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = path.with_name(f"{path.name}{CORRUPT}{stamp}")
        try:
            os.replace(path, aside)
            _sync_directory(path.parent)
        except OSError as exc:
            raise DraftError(
                f"the draft file {path} is unreadable: {problem}; it could not be kept aside "
                f"either ({exc.strerror or exc}) and is still there"
            ) from None
        raise DraftError(
            f"the draft file {path} is unreadable: {problem}; it was kept as {aside.name}"
        )

    @contextmanager
    def _guard(self, doing: str, path: Path) -> Iterator[None]:
        """An `OSError` (disk full, permissions, a file where the folder should be) becomes a
        `DraftError` that says what was being done to which file."""
        try:
            yield
        except OSError as exc:
            raise DraftError(f"could not {doing} {path}: {exc.strerror or exc}") from exc


def _id_of(path: Path) -> str | None:
    """The dispute id a draft file's name stands for, or None if the name is not one of ours."""
    try:
        return bytes.fromhex(path.name.removesuffix(SUFFIX)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None


def _first_problem(exc: ValidationError) -> str:
    """A pydantic error in one line, without the input (which may be long, or anything); the
    field's path comes from the file too (an unknown key), so it is shortened and made visible."""
    error = exc.errors(include_url=False, include_input=False)[0]
    where = one_line(".".join(str(part) for part in error["loc"]), 60)
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _sync_directory(directory: Path) -> None:
    """Make a rename or unlink in `directory` durable (POSIX; Windows cannot open a folder)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
