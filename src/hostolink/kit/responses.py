"""JSON answers serialized once.

FastAPI dumps a returned model to Python objects, validates that against the route's
response model, then encodes JSON. For the hottest routes (check-user, /api/user/me) we
return the model's own JSON (pydantic's Rust encoder) directly; the route keeps its
`response_model` so OpenAPI still documents the schema.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


def json_answer(model: BaseModel, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
