"""The JSON API when the database fails: a success is only ever answered for a committed write, and
an outage is a 503 to retry, never a 500 or a wrong answer such as 401."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Table

from api.app import create_app
from services.store.db import make_engine, upgrade
from services.store.tables import help_requests, members, outbox
from tests.commands_support import create_club
from tests.e2e_support import bearer, free_port, wait_for
from tests.faults import assert_unavailable, lose_connection, on_commit
from tests.integration.conftest import MEMBER, Club
from tests.integration.test_api import request_body
from tests.store.test_contract import count


@pytest.mark.parametrize(
    ("path", "body", "tables"),
    [
        ("/api/coordinator/members", MEMBER, (members,)),
        ("/api/partner/requests", request_body(), (help_requests, outbox)),
    ],
)
def test_a_write_whose_commit_fails_answers_503_and_stores_nothing(
    club: Club, path: str, body: dict[str, object], tables: tuple[Table, ...]
) -> None:
    headers = club.add_partner("Court Support") if "partner" in path else club.coordinator
    before = [count(club.engine, t) for t in tables]
    with on_commit(club.engine, lose_connection):
        answer = club.client.post(path, json=body, headers=headers)
    assert_unavailable(answer)
    assert [count(club.engine, t) for t in tables] == before


@contextmanager
def served(app: FastAPI) -> Iterator[httpx.Client]:
    """``app`` behind a real uvicorn: unlike the TestClient, a client reads the answer as soon as it
    is sent, so work the app does after sending it is not waited for."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for("uvicorn to start", lambda: server.started, timeout_s=15, every_s=0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            yield http
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def slow_commit(_: Connection) -> None:
    """A COMMIT that takes its time, as on a busy disk: long enough for a client to ask again."""
    time.sleep(0.5)


def test_a_new_members_token_works_as_soon_as_it_is_returned(club: Club) -> None:
    with served(create_app(engine=club.engine)) as http, on_commit(club.engine, slow_commit):
        made = http.post("/api/coordinator/members", json=MEMBER, headers=club.coordinator)
        assert made.status_code == 201, made.text
        me = http.get("/api/member/me", headers=bearer(made.json()["token"]))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == made.json()["id"]


def test_while_the_database_is_gone_every_caller_is_asked_to_retry_and_readyz_says_so(
    tmp_path: Path,
) -> None:
    """The SQLite file's folder disappears (an unmounted volume) and the pool has to reconnect:
    callers get 503 with Retry-After, /healthz stays up, and all is well again once it is back."""
    folder, away = tmp_path / "data", tmp_path / "unmounted"
    url = f"sqlite:///{folder}/mechanic.db"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        _, coordinator_token = create_club(conn, "Test club")
    coordinator = bearer(coordinator_token)
    try:
        with TestClient(create_app(engine=engine)) as client:
            member_token = client.post("/api/coordinator/members", json=MEMBER, headers=coordinator).json()[
                "token"
            ]
            assert client.get("/readyz").json() == {"status": "ready"}
            folder.rename(away)
            engine.dispose()
            assert_unavailable(client.get("/readyz"))
            assert_unavailable(client.get("/api/member/me", headers=bearer(member_token)))
            assert_unavailable(client.post("/api/coordinator/members", json=MEMBER, headers=coordinator))
            assert_unavailable(client.get(f"/m/{member_token}/"))
            assert client.get("/healthz").status_code == 200
            away.rename(folder)
            assert client.get("/readyz").status_code == 200
            assert client.get("/api/member/me", headers=bearer(member_token)).status_code == 200
    finally:
        engine.dispose()


def test_an_unreachable_postgresql_is_a_503_not_an_unknown_token() -> None:
    """Nothing listens on the port, so psycopg's connection is refused: a real driver error."""
    engine = make_engine(f"postgresql+psycopg://mechanic@127.0.0.1:{free_port()}/mechanic")
    try:
        with TestClient(create_app(engine=engine)) as client:
            assert_unavailable(client.get("/readyz"))
            assert_unavailable(client.get("/api/member/me", headers=bearer("any-token")))
    finally:
        engine.dispose()
