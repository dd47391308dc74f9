"""The API's reports (issue 17): `GET /reports/summary`, the shift's figures for a period.

Supervisors only (403 `forbidden` for agents, naming them), as the dashboard is. The period is
`[start, end)` in aware ISO times; the figures are judged by the server's clock. The answer is
`domain.report.Summary` as JSON (money as decimal strings, per currency, never mixed).
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from fastapi.responses import Response
from pydantic import AwareDatetime

from mediator.clock import Clock
from mediator.domain.report import Period, Summary
from mediator.server import errors
from mediator.server.answers import json_answer, route
from mediator.store.base import StaffMember, Store

Member = Callable[..., Awaitable[StaffMember] | StaffMember]


def install(app: FastAPI, store: Store, clock: Clock, *, supervisor: Member) -> None:
    """Add `GET /reports/summary` to `app`, over `store`."""
    Supervisor = Annotated[StaffMember, Depends(supervisor)]

    @app.get("/reports/summary", tags=["reports"], **route(200, Summary, 403, 422))
    async def summary(
        who: Supervisor,
        start: Annotated[
            AwareDatetime, Query(description="the period's start (inclusive), with an offset")
        ],
        end: Annotated[
            AwareDatetime, Query(description="the period's end (exclusive), with an offset")
        ],
    ) -> Response:
        """The shift's figures for `[start, end)`: the backlog now, the next deadlines, the
        decisions by outcome, money back per currency, deadlines met and breached per rule,
        handling times, per-agent figures, the flagged share and the backlog over the period
        (definitions: README, "The shift's figures")."""
        period = _period(start, end)
        return json_answer(await store.summary(period, now=clock.now()))


def _period(start: datetime, end: datetime) -> Period:
    try:
        return Period(start, end)
    except ValueError as exc:
        raise errors.invalid(str(exc), [("end", str(exc))]) from None
