"""Engines and migrations. Nothing here runs at import time: callers build engines in bootstrap."""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection as Connection
from sqlalchemy import Engine as Engine
from sqlalchemy import create_engine, event, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")


READ_ONLY_OPTION = "mechanic_read_only"


def read_only(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that only read (no write lock on SQLite)."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def ping(engine: Engine) -> None:
    """A round trip to the database, for a readiness probe: it raises what any query would raise
    while the database cannot be reached."""
    with read_only(engine).connect() as conn:
        conn.execute(select(1))


def _private_file(path: Path) -> None:
    """The database holds members' names, phones and availability: only its owner may read it.
    SQLite gives its -wal and -shm files the database file's mode, so setting that one suffices;
    a file made world-readable by an older version is tightened too."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


BUSY_TIMEOUT_S = 30
SQLITE_POOL = 40
"""Connections a SQLite engine keeps open: as many as the API's worker threads (anyio's 40) can
use at once. With SQLAlchemy's default of 5, a burst of requests opened and closed connections
(and ran their PRAGMAs) all the time, a tenth of the cost of a token look-up under load."""


class WriteGate:
    """First come, first served: one write transaction at a time among this process's threads.

    SQLite lets one writer in at a time. Left to its busy handler, waiting writers sleep and poll
    (1 ms, then up to 100 ms), so one that keeps writing (the API's writer) can take the lock
    again before a sleeper wakes, starving the dispatcher and the scheduler; and a sleeper
    leaves the lock idle. Within a process, writers queue here in order instead and are woken
    as soon as the lock is free; other processes still meet SQLite's busy timeout.

    A turn is re-entrant for the thread that holds it (``one_turn``), so a loop that writes
    several transactions in a row (the dispatcher's batch of events) queues once, not once each."""

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._next = self._serving = 0
        self._abandoned: set[int] = set()
        self._holder: int | None = None
        self._depth = 0

    def enter(self) -> None:
        me = threading.get_ident()
        with self._turns:
            if self._holder == me:
                self._depth += 1
                return
            ticket, self._next = self._next, self._next + 1
            if self._turns.wait_for(lambda: self._serving == ticket, timeout=BUSY_TIMEOUT_S):
                self._holder, self._depth = me, 1
                return
            self._abandoned.add(ticket)  # passed over when its turn comes
        raise sqlite3.OperationalError("database is locked")

    def leave(self) -> None:
        """(Possibly from another thread: FastAPI may end a transaction on another worker thread.)"""
        with self._turns:
            self._depth -= 1
            if self._depth:
                return
            self._holder = None
            self._serving += 1
            while self._serving in self._abandoned:
                self._abandoned.remove(self._serving)
                self._serving += 1
            self._turns.notify_all()


class _GatedConnection(sqlite3.Connection):
    """A SQLite connection that leaves its process's WriteGate when its write transaction ends,
    however it ends: COMMIT, ROLLBACK, or the connection closed under it."""

    gate: WriteGate | None = None
    writing = False

    def enter_gate(self) -> None:
        if self.gate is not None and not self.writing:
            self.gate.enter()
            self.writing = True

    def leave_gate(self) -> None:
        if self.writing and self.gate is not None:
            self.writing = False
            self.gate.leave()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_gate()


_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()


def has_write_gate(engine: Engine) -> bool:
    return engine in _GATES


@contextmanager
def one_turn(engine: Engine) -> Iterator[None]:
    """Hold this thread's turn at ``engine``'s WriteGate across several write transactions (the
    other writers of the process wait until the block ends). Nothing on PostgreSQL."""
    gate = _GATES.get(engine)
    if gate is None:
        yield
        return
    gate.enter()
    try:
        yield
    finally:
        gate.leave()


WORK_SAVEPOINT = "mechanic_work"


@contextmanager
def savepoint(conn: Connection) -> Iterator[None]:
    """One piece of work in a transaction that several share (the writer's batch, the dispatcher's
    run of events): rolled back to its start if it raises, the others kept. SQLAlchemy's
    ``begin_nested`` names every savepoint afresh, so its SAVEPOINT and RELEASE statements were
    compiled anew each time, which cost the writer as much as a request's own statements; this one
    name is sent as it is. The work may nest its own savepoints (``begin_nested``) inside. When the
    connection itself died, the whole transaction is lost: the work's error goes up as it is."""
    conn.exec_driver_sql(f"SAVEPOINT {WORK_SAVEPOINT}")
    try:
        yield
    except BaseException:
        if not conn.invalidated:  # a lost connection has no savepoint left: the work's own error says so
            conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {WORK_SAVEPOINT}")
            conn.exec_driver_sql(f"RELEASE SAVEPOINT {WORK_SAVEPOINT}")
        raise
    conn.exec_driver_sql(f"RELEASE SAVEPOINT {WORK_SAVEPOINT}")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout so the API,
    the dispatcher and the scheduler can share one file. Statement parameters (names, emails,
    phones, password hashes) never go into a log line or an error message."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        _private_file(Path(parsed.database))
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S, "factory": _GatedConnection},
        hide_parameters=True,
        pool_size=SQLITE_POOL,
        max_overflow=SQLITE_POOL,
    )
    gate = _GATES[engine] = WriteGate()

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.gate = gate
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # Writers take the write lock at BEGIN, so two writers queue (busy_timeout) instead of one
        # failing to upgrade its read lock; readers stay deferred, so in WAL mode they never wait.
        # Within this process they queue in order at the engine's WriteGate first.
        if conn.get_execution_options().get(READ_ONLY_OPTION, False):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_conn = conn.connection.dbapi_connection
        dbapi_conn.enter_gate()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_conn.leave_gate()
            raise

    return engine


def _alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (alembic)."""
    command.upgrade(_alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


TRANSIENT = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.IntegrityError,
    sa_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
)
"""Failures a retry can fix: the database or a connection went away, a lock or a pool timed out,
two consumers raced for the same inbox row. Anything else (a missing row, a bug, bad data) fails
the same way every time."""


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)


OUTAGES: tuple[type[Exception], ...] = (sa_exc.DBAPIError, sa_exc.DisconnectionError, sa_exc.TimeoutError)
"""What a request may raise while the database is away: the api answers these with a 503 (after
``database_down`` confirms), knowing no SQLAlchemy itself. ``Engine`` and ``Connection`` are
re-exported above for the same reason: the api holds them and hands them to views and commands."""


def database_down(exc: Exception) -> bool:
    """Drivers report a database they cannot reach or that gave up as OperationalError (psycopg's
    connection errors reach us wrapped in it), and SQLAlchemy flags any error that lost the
    connection with ``connection_invalidated``; a disconnect or an exhausted pool is not the
    request's fault either. Other database errors are bugs, and stay 500s."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return True
    return isinstance(exc, sa_exc.OperationalError) or exc.connection_invalidated
