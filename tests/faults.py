"""Database faults injected into a real engine: the database itself misbehaves, nothing is mocked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, event


@contextmanager
def on_commit(engine: Engine, fault: Callable[[Connection], None]) -> Iterator[None]:
    """Run ``fault`` as each transaction on ``engine`` is about to send its COMMIT."""
    event.listen(engine, "commit", fault)
    try:
        yield
    finally:
        event.remove(engine, "commit", fault)


def lose_connection(conn: Connection) -> None:
    """The connection dies just before COMMIT, as on a server restart or a network cut: the COMMIT
    then fails in the driver and the database discards the transaction."""
    conn.connection.dbapi_connection.close()  # type: ignore[union-attr]
