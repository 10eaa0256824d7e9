"""Dependencies of the routes and pages: database connections and the caller's identity.

Every route declares the role it serves; a token of another role, a revoked token or a token
of a deactivated member or partner gets 401/403 and reads nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.commands import Command, execute
from services.domain import PartnerQuota
from services.store.db import Connection, Engine, read_only
from services.store.token_lookups import TokenLookups
from services.store.tokens import Lifetimes, LinkExpired, Principal, Role
from services.store.uow import JoinedUnitOfWork, SqlUnitOfWork
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


def link_lifetimes(request: Request) -> Lifetimes:
    settings = request.app.state.settings
    return Lifetimes(
        member=timedelta(days=settings.member_link_days),
        partner=timedelta(days=settings.partner_link_days),
        calendar=timedelta(days=settings.calendar_link_days),
    )


async def _lifetimes(request: Request) -> Lifetimes:
    return link_lifetimes(request)


LifetimesDep = Annotated[Lifetimes, Depends(_lifetimes)]

EXPIRED = {
    "member": "This link was not used for {days} days, so it has stopped working. Ask for a sign-in "
    "link at /m/signin (it is sent to your email or phone), or ask your coordinator for a new link.",
    "partner": "This link was not used for {days} days, so it has stopped working. "
    "Ask your coordinator for a new link.",
    "calendar": "This calendar link was not read for {days} days, so it has stopped working. "
    "Open your page, make a new calendar link and subscribe to that.",
}
"""What the holder of an expired private link is told to do, on pages and in the API."""


def expired_message(expired: LinkExpired) -> str:
    return EXPIRED.get(expired.role, EXPIRED["partner"]).format(days=expired.lifetime.days)


async def principal(
    request: Request,
    lifetimes: LifetimesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The bearer token's holder, looked up in the API's token thread (services.store.token_lookups):
    not in the thread pool, and sharing its queries with the other requests of a burst."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    lookups: TokenLookups = request.app.state.lookups
    try:
        who = await lookups.use(credentials.credentials, lifetimes)
    except LinkExpired as expired:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            expired_message(expired),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"'},
        ) from expired
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
        return self.writer.call(lambda conn: execute(JoinedUnitOfWork(conn), command))

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)


def run_in(conn: Connection, command: Command) -> Any:
    """The command in the request's own write transaction (``WriteConn``), which commits it with the
    page's other writes before the answer is sent."""
    return execute(JoinedUnitOfWork(conn), command)


async def commands(engine: EngineDep, writer: Write) -> Commands:
    return Commands(engine, writer)


Run = Annotated[Commands, Depends(commands)]


async def partner_quota(request: Request) -> PartnerQuota:
    settings = request.app.state.settings
    return PartnerQuota(settings.partner_open_requests, settings.partner_requests_per_day)


Quota = Annotated[PartnerQuota, Depends(partner_quota)]
