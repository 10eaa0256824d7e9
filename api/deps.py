"""Dependencies of the routes and pages: database connections and the caller's identity.

Every route declares the role it serves; a token of another role, a revoked token or a token
of a deactivated member or partner gets 401/403 and reads nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine

from services.commands import Command, execute
from services.domain import PartnerQuota
from services.store import tokens
from services.store.db import read_only
from services.store.tokens import Principal, Role
from services.store.uow import SqlUnitOfWork
from services.store.writer import Writer

bearer = HTTPBearer(auto_error=False, description="The token from your private link.")


# Dependencies that only look something up are ``async def``: FastAPI runs a plain ``def`` in its
# thread pool, and a hop there and back per dependency costs more than the look-up.


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


async def get_writer(request: Request) -> Writer:
    return request.app.state.writer


Write = Annotated[Writer, Depends(get_writer)]
"""The process's one writer: ``await write.run(work)`` runs ``work(conn)`` in a batch transaction
and returns once it has committed (services.store.writer)."""


def read_conn(engine: EngineDep) -> Iterator[Connection]:
    with read_only(engine).connect() as conn:
        yield conn


def write_conn(engine: EngineDep) -> Iterator[Connection]:
    """One transaction per request: state and outbox rows commit together, or not at all.

    WriteConn scopes it to the endpoint function, so the COMMIT runs after the endpoint returns and
    before its answer is sent: a 2xx means the write is stored (the caller's next request sees it),
    and a COMMIT that fails is answered as an error instead of as a success for a lost write.
    """
    with engine.begin() as conn:
        yield conn


ReadConn = Annotated[Connection, Depends(read_conn)]
WriteConn = Annotated[Connection, Depends(write_conn, scope="function")]


def principal(
    engine: EngineDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    with read_only(engine).connect() as conn:
        who = tokens.resolve(conn, credentials.credentials)
        if who is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "unknown or revoked token",
                headers={"WWW-Authenticate": "Bearer"},
            )
    return who


def _require(role: Role):  # type: ignore[no-untyped-def]
    async def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role != role:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs a {role} token")
        return who

    return check


Partner = Annotated[Principal, Depends(_require("partner"))]
Member = Annotated[Principal, Depends(_require("member"))]
Coordinator = Annotated[Principal, Depends(_require("coordinator"))]


class Commands:
    """Runs a command in its own unit of work, in the writer's next batch; it has committed when
    the call returns."""

    def __init__(self, engine: Engine, writer: Writer) -> None:
        self.engine, self.writer = engine, writer

    def __call__(self, command: Command) -> Any:
        return self.writer.call(lambda conn: execute(SqlUnitOfWork.within(conn), command))

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)


async def commands(engine: EngineDep, writer: Write) -> Commands:
    return Commands(engine, writer)


Run = Annotated[Commands, Depends(commands)]


async def partner_quota(request: Request) -> PartnerQuota:
    settings = request.app.state.settings
    return PartnerQuota(settings.partner_open_requests, settings.partner_requests_per_day)


Quota = Annotated[PartnerQuota, Depends(partner_quota)]
