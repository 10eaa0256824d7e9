"""What the JSON API answers besides success, defined once and named by each route in the OpenAPI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    detail: str


ANSWERS: dict[int, str] = {
    401: "No bearer token, or one that is unknown or revoked (a deactivated member or partner).",
    403: "The token is valid but for another role.",
    404: "No such thing, or not visible to this token (the two are not told apart).",
    409: "The command no longer applies to the current state, e.g. already cancelled or answered.",
}


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route or router: every error answer has the same ``{"detail": ...}`` body.
    422 is left to FastAPI, which documents its validation errors on every route that takes input."""
    return {code: {"model": Problem, "description": ANSWERS[code]} for code in codes}
