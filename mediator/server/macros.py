"""The API's routes for canned replies (issue 19): every member of staff reads the macros, only
supervisors add, edit and retire them (403 `forbidden` for an agent's token; the store refuses
them too, `NotAllowed`, whoever calls it). The author of a version is always the token's owner.
A bad macro is a 422 naming each problem (an unknown placeholder with its close match); an edit
made on an old version is a 412."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from mediator.clock import Clock
from mediator.domain.macros import Macro, MacroBody
from mediator.domain.models import StorableText
from mediator.server.answers import json_answer, route
from mediator.store.api_models import ConflictBody, MacroEdit, MacroList
from mediator.store.base import StaffMember, Store

#: A macro id in a path (`Macro.id`, e.g. `MAC-3f2a9c0d41b7`).
MacroPath = Annotated[StorableText, Path(max_length=64, examples=["MAC-3f2a9c0d41b7"])]

#: The edit's own 412.
_EDIT_ERRORS: dict[int, tuple[type[BaseModel], str]] = {
    412: (ConflictBody, "The macro is not at `expected_version`: nothing was written"),
}

Member = Callable[..., Awaitable[StaffMember] | StaffMember]


def install(app: FastAPI, store: Store, clock: Clock, *, staff: Member, supervisor: Member) -> None:
    """Add `/macros` to `app`, over `store`."""
    Staff = Annotated[StaffMember, Depends(staff)]
    Supervisor = Annotated[StaffMember, Depends(supervisor)]

    @app.get("/macros", tags=["macros"], **route(200, MacroList, 422))
    async def list_macros(
        who: Staff,
        search: Annotated[str, Query(max_length=200)] = "",
        retired: bool = False,
    ) -> Response:
        """The team's macros at their current versions, by path: those whose path holds every
        word of `search`; the retired ones too with `retired=true`."""
        return json_answer(MacroList(macros=await store.macros(search=search, retired=retired)))

    @app.get("/macros/{macro_id}", tags=["macros"], **route(200, Macro, 404, 422))
    async def get_macro(
        macro_id: MacroPath, who: Staff, version: Annotated[int | None, Query(ge=1)] = None
    ) -> Response:
        """One macro at `version` (its current one if none), retired or not: a decision names
        the version it used."""
        return json_answer(await store.macro(macro_id, version))

    @app.post("/macros", tags=["macros"], **route(201, Macro, 400, 403, 422))
    async def add_macro(body: MacroBody, who: Supervisor) -> Response:
        """Add a macro (version 1), recorded in the audit trail."""
        macro = await store.save_macro(body, actor=who.name, now=clock.now())
        return json_answer(macro, 201)

    @app.put(
        "/macros/{macro_id}",
        tags=["macros"],
        **route(200, Macro, 400, 403, 404, 412, 422, overrides=_EDIT_ERRORS),
    )
    async def edit_macro(macro_id: MacroPath, body: MacroEdit, who: Supervisor) -> Response:
        """Write the macro's next version (every version is kept), made on
        `expected_version`: 412 when another edit came first."""
        fields = body.model_dump(exclude={"expected_version"})
        macro = await store.save_macro(
            MacroBody.model_validate(fields),
            macro_id=macro_id,
            expected_version=body.expected_version,
            actor=who.name,
            now=clock.now(),
        )
        return json_answer(macro)

    @app.delete("/macros/{macro_id}", tags=["macros"], **route(200, Macro, 403, 404, 422))
    async def retire_macro(macro_id: MacroPath, who: Supervisor) -> Response:
        """Retire the macro: no longer offered, kept so that old decisions still name it."""
        return json_answer(await store.retire_macro(macro_id, actor=who.name, now=clock.now()))
