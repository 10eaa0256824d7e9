"""The SQL unit of work: one connection, one transaction, repositories over it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Transaction, bindparam, insert, select

from events import AnyEvent
from services.ports import UnitOfWork
from services.store import audit, outbox
from services.store.access import SqlAccess
from services.store.accounts import SqlCoordinators
from services.store.club_settings import SqlClubs
from services.store.people import SqlPeople
from services.store.pins import SqlPins
from services.store.repositories import SqlAssignments, SqlRosters, SqlSchedule
from services.store.request_rows import SqlRequests
from services.store.tables import processed_events

_PROCESSED = select(processed_events.c.event_id).where(
    processed_events.c.consumer == bindparam("consumer"), processed_events.c.event_id == bindparam("event_id")
)
_RECORD_PROCESSED = insert(processed_events)
"""Built once: every event every consumer handles runs both."""


class SqlUnitOfWork(UnitOfWork):
    """``with SqlUnitOfWork(engine) as uow: ...; uow.commit()`` - leaving without commit rolls back."""

    conn: Connection
    _tx: Transaction

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> SqlUnitOfWork:
        self.conn = self._engine.connect()
        self._tx = self.conn.begin()
        self._repositories()
        return self

    def _repositories(self) -> None:
        self.schedule = SqlSchedule(self.conn)
        self.rosters = SqlRosters(self.conn)
        self.assignments = SqlAssignments(self.conn)
        self.pins = SqlPins(self.conn)
        self.people = SqlPeople(self.conn)
        self.coordinators = SqlCoordinators(self.conn)
        self.requests = SqlRequests(self.conn)
        self.access = SqlAccess(self.conn)
        self.clubs = SqlClubs(self.conn)

    def __exit__(self, *exc: object) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()

    def emit(self, event: AnyEvent) -> None:
        outbox.append(self.conn, event)

    def audit(
        self,
        club_id: str,
        actor_id: str,
        action: str,
        object_kind: str,
        object_id: str,
        related_id: str | None = None,
    ) -> None:
        audit.record(self.conn, club_id, actor_id, action, object_kind, object_id, related_id)

    def already_processed(self, consumer: str, event_id: str) -> bool:
        found = self.conn.execute(_PROCESSED, {"consumer": consumer, "event_id": event_id}).first()
        return found is not None

    def record_processed(self, consumer: str, event_id: str) -> None:
        # The primary key (consumer, event_id) makes a concurrent duplicate fail the whole
        # transaction rather than apply its effects twice.
        self.conn.execute(
            _RECORD_PROCESSED, {"consumer": consumer, "event_id": event_id, "processed_at": datetime.now(UTC)}
        )

    def commit(self) -> None:
        self._tx.commit()

    def rollback(self) -> None:
        if self._tx.is_active:
            self._tx.rollback()


class JoinedUnitOfWork(SqlUnitOfWork):
    """A unit of work inside a transaction the caller already holds (a page's ``WriteConn``, a
    command-line action, a test's ``engine.begin()``): the caller commits, once, with the rest of its
    changes; a command that refuses raises before it writes, and the caller's transaction rolls back.
    On SQLite a second transaction of its own would wait for the caller's write lock for ever."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> JoinedUnitOfWork:
        self._repositories()
        return self

    def __exit__(self, *exc: object) -> None:
        """The transaction is the caller's to end."""

    def commit(self) -> None:
        """The caller commits (``WriteConn`` before the answer is sent)."""

    def rollback(self) -> None:
        """The caller rolls back: an error leaving its ``with`` block does."""
