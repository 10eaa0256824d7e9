"""The JSON API when the database fails: a success is only ever answered for a committed write."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, Table, func, select

from api.app import create_app
from services.store.tables import help_requests, members, outbox
from tests.e2e_support import free_port, wait_for
from tests.faults import lose_connection, on_commit
from tests.integration.conftest import MEMBER, Club
from tests.integration.test_api import request_body


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize(
    ("path", "body", "tables"),
    [
        ("/api/coordinator/members", MEMBER, (members,)),
        ("/api/partner/requests", request_body(), (help_requests, outbox)),
    ],
)
def test_a_write_whose_commit_fails_is_not_answered_with_success(
    club: Club, path: str, body: dict[str, object], tables: tuple[Table, ...]
) -> None:
    headers = club.add_partner("Court Support") if "partner" in path else club.coordinator
    before = [count(club.engine, t) for t in tables]
    client = TestClient(club.client.app, raise_server_exceptions=False)
    with on_commit(club.engine, lose_connection):
        answer = client.post(path, json=body, headers=headers)
    assert answer.status_code == 500, answer.text
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
        me = http.get("/api/member/me", headers={"Authorization": f"Bearer {made.json()['token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["id"] == made.json()["id"]
