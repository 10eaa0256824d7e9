"""Database faults injected into a real engine: the database itself misbehaves, nothing is mocked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import Connection, Engine, event

PAGES = ("/p/", "/m/", "/c/")


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


def assert_unavailable(answer: httpx.Response) -> None:
    """A 503 that asks to come back in 5 s: JSON for the API, a page without data for people."""
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "5"
    if answer.request.url.path.startswith(PAGES):
        assert answer.headers["content-type"].startswith("text/html")
        assert "Try again shortly" in answer.text and "We cannot reach our database" in answer.text
    else:
        assert answer.json() == {"detail": "the database is unavailable, try again shortly"}
