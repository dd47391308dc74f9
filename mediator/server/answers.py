"""What the API's route modules share (`server.api`, `server.reviews`): a dispute id in a path,
an answer's body serialised by pydantic in one step, and a route's OpenAPI declaration (its
success and error answers)."""

from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import Response
from pydantic import BaseModel

from mediator.domain.models import StorableText
from mediator.server.errors import responses

#: A dispute id in a path: the import format's ids (IMPORT_FORMAT.md), anything else is 404.
DisputePath = Annotated[StorableText, Path(max_length=64, examples=["D-10001"])]


def json_answer(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """`model` as JSON, serialised by pydantic in one step (FastAPI's encoder would validate
    the model again first: a dispute with 10,000 messages, twice)."""
    return Response(model.model_dump_json(), status, headers, media_type="application/json")


def route(
    status: int,
    model: type[BaseModel] | None,
    *errors: int,
    also: dict[int | str, dict[str, Any]] | None = None,
    overrides: dict[int, tuple[type[BaseModel], str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Keyword arguments for a route decorator: the success `status` answers `model` (None: no
    body, as for a 204); `also`: other successful answers; `overrides`: error answers whose
    body and meaning differ on this route (`errors.responses`)."""
    success = {"description": "Success", **extra}
    if model is not None:
        success["model"] = model
    return {
        "status_code": status,
        "response_model": None,
        "responses": {
            status: success,
            **(also or {}),
            **responses(*errors, overrides=overrides),
        },
    }
