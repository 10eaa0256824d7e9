"""Partner organisations: submit, list, read, edit and cancel their own requests."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.deps import EngineDep, Partner, Quota, ReadConn, Run, Write, run_in
from api.routes import answers
from api.schemas import RequestCreate, RequestEdited, RequestPatch, RequestPublic
from services.commands import CancelRequest, EditRequest, SubmitRequest
from services.domain import SeriesScope
from services.store import views, writes
from services.store.db import Connection
from services.store.request_rows import SqlRequests

router = APIRouter(prefix="/api/partner", tags=["partner"], responses=answers(401, 403))
SCOPE = (
    "For a request of a weekly series: this date only, this and the following dates, or every date "
    "of the series not yet begun."
)


def _public(engine: EngineDep, who: Any, request_id: str) -> dict[str, object]:
    with engine.connect() as conn:
        return views.partner_requests(conn, who.club_id, who.subject_id, request_id)[0]


@router.post(
    "/requests", status_code=status.HTTP_201_CREATED, response_model=RequestPublic, responses=answers(409)
)
async def submit_request(body: RequestCreate, who: Partner, write: Write, quota: Quota) -> dict[str, object]:
    stored = body.stored()

    def submit(conn: Connection) -> dict[str, object]:  # in the writer's batch: answered once committed
        (request_id,) = run_in(conn, SubmitRequest(who.club_id, who.subject_id, [stored], quota))
        return views.just_submitted(request_id, stored)

    return await write.run(submit, key=who.subject_id)  # a partner's submissions in order: its quota holds


@router.get("/requests", response_model=list[RequestPublic])
def list_requests(who: Partner, conn: ReadConn) -> list[dict[str, object]]:
    return views.partner_requests(conn, who.club_id, who.subject_id)


@router.get("/requests/{request_id}", response_model=RequestPublic, responses=answers(404))
def read_request(request_id: str, who: Partner, conn: ReadConn) -> dict[str, object]:
    found = views.partner_requests(conn, who.club_id, who.subject_id, request_id)
    if not found:
        raise writes.NotFound(f"request {request_id} not found")
    return found[0]


def _edit(
    request_id: str, body: RequestCreate, scope: SeriesScope, who: Any, run: Run, engine: EngineDep
) -> dict[str, object]:
    changed = run(EditRequest(who.club_id, request_id, body.stored(), scope=scope, partner_id=who.subject_id))
    return {"request": _public(engine, who, request_id), "changed": changed}


@router.put(
    "/requests/{request_id}",
    response_model=RequestEdited,
    responses=answers(404, 409),
    description="Replace the request as a whole (as sent new). 409 when it is cancelled, under way or "
    "over. " + SCOPE,
)
def replace_request(
    request_id: str,
    body: RequestCreate,
    who: Partner,
    run: Run,
    engine: EngineDep,
    scope: SeriesScope = SeriesScope.THIS,
) -> dict[str, object]:
    return _edit(request_id, body, scope, who, run, engine)


@router.patch(
    "/requests/{request_id}",
    response_model=RequestEdited,
    responses=answers(404, 409),
    description="Change some fields; the result is checked as a whole. 409 when it is cancelled, under "
    "way or over. " + SCOPE,
)
def change_request(
    request_id: str,
    body: RequestPatch,
    who: Partner,
    run: Run,
    engine: EngineDep,
    scope: SeriesScope = SeriesScope.THIS,
) -> dict[str, object]:
    with engine.connect() as conn:
        found = SqlRequests(conn).get(who.club_id, request_id)
    if found is None or found.partner_id != who.subject_id:
        raise writes.NotFound(f"request {request_id} not found")
    merged: dict[str, Any] = {**found.fields, "pickups": list(found.pickups)}
    merged |= body.model_dump(exclude_unset=True)
    if merged["pickups"]:
        merged["passengers"] = 0  # the pickups' total, counted again
    try:
        whole = RequestCreate.model_validate(merged)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    return _edit(request_id, whole, scope, who, run, engine)


@router.post(
    "/requests/{request_id}/cancel",
    response_model=RequestPublic,
    responses=answers(404, 409),
    description="409 when it is already cancelled, under way or over. " + SCOPE,
)
def cancel_request(
    request_id: str, who: Partner, run: Run, engine: EngineDep, scope: SeriesScope = SeriesScope.THIS
) -> dict[str, object]:
    run(CancelRequest(who.club_id, request_id, scope=scope, partner_id=who.subject_id))
    return _public(engine, who, request_id)
