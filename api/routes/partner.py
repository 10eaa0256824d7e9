"""Partner organisations: submit, list, read and cancel their own requests."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import Connection

from api.deps import Partner, Quota, ReadConn, Write, WriteConn
from api.routes import answers
from api.schemas import RequestCreate, RequestPublic
from services.store import views, writes

router = APIRouter(prefix="/api/partner", tags=["partner"], responses=answers(401, 403))


@router.post(
    "/requests", status_code=status.HTTP_201_CREATED, response_model=RequestPublic, responses=answers(409)
)
async def submit_request(body: RequestCreate, who: Partner, write: Write, quota: Quota) -> dict[str, object]:
    def submit(conn: Connection) -> dict[str, object]:
        request_id = writes.submit_request(conn, who.club_id, who.subject_id, body.stored(), quota)
        return views.partner_requests(conn, who.club_id, who.subject_id, request_id)[0]

    return await write.run(submit)


@router.get("/requests", response_model=list[RequestPublic])
def list_requests(who: Partner, conn: ReadConn) -> list[dict[str, object]]:
    return views.partner_requests(conn, who.club_id, who.subject_id)


@router.get("/requests/{request_id}", response_model=RequestPublic, responses=answers(404))
def read_request(request_id: str, who: Partner, conn: ReadConn) -> dict[str, object]:
    found = views.partner_requests(conn, who.club_id, who.subject_id, request_id)
    if not found:
        raise writes.NotFound(f"request {request_id} not found")
    return found[0]


@router.post("/requests/{request_id}/cancel", response_model=RequestPublic, responses=answers(404, 409))
def cancel_request(request_id: str, who: Partner, conn: WriteConn) -> dict[str, object]:
    writes.cancel_request(conn, who.club_id, who.subject_id, request_id)
    return views.partner_requests(conn, who.club_id, who.subject_id, request_id)[0]
