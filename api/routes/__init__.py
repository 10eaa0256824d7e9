"""What the JSON API answers besides success, defined once and named by each route in the OpenAPI."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel


class Problem(BaseModel):
    detail: str


ANSWERS: dict[int, str] = {
    401: "No bearer token, or one that is unknown, revoked (a deactivated member or partner) or "
    "expired (a private link unused for MECHANIC_MEMBER_LINK_DAYS or MECHANIC_PARTNER_LINK_DAYS).",
    403: "The token is valid but for another role.",
    404: "No such thing, or not visible to this token (the two are not told apart).",
    409: "The command no longer applies to the current state, e.g. already cancelled or answered.",
}
BODY_ANSWERS: dict[int, str] = {
    400: "The body could not be read at all (not JSON, or not UTF-8).",
    413: "The body is larger than the server reads (MECHANIC_MAX_BODY_BYTES, 256 KiB by default).",
}
"""Answered before the route runs, by FastAPI and by api/body_limit.py, to any route that takes a body."""


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route or router: every error answer has the same ``{"detail": ...}`` body.
    422 is left to FastAPI, which documents its validation errors on every route that takes input."""
    return {code: {"model": Problem, "description": ANSWERS[code]} for code in codes}


def document_body_refusals(app: FastAPI) -> None:
    """Add BODY_ANSWERS to every operation that takes a body, in the app's OpenAPI document, so it
    lists every status the API answers (tests/integration/test_api_fuzz.py holds it to that)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            problem = {"$ref": "#/components/schemas/Problem"}
            for operations in document["paths"].values():
                for operation in operations.values():
                    if "requestBody" in operation:
                        for code, description in BODY_ANSWERS.items():
                            operation["responses"].setdefault(
                                str(code),
                                {
                                    "description": description,
                                    "content": {"application/json": {"schema": problem}},
                                },
                            )
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
