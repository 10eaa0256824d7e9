from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from services.store.db import make_engine, upgrade
from tests.commands_support import create_club

MEMBER = {
    "name": "Nia Hughes",
    "skills": ["driver", "court_support_trained"],
    "home_lat": 51.48,
    "home_lon": -3.18,
    "max_hours_week": 10,
    "car_seats": 3,
    "email": "nia@example.org",
}


@dataclass
class Club:
    club_id: str
    engine: Engine
    client: TestClient
    coordinator: dict[str, str]

    def add_partner(self, name: str) -> dict[str, str]:
        made = self.client.post("/api/coordinator/partners", json={"name": name}, headers=self.coordinator)
        assert made.status_code == 201, made.text
        return {"Authorization": f"Bearer {made.json()['token']}"}

    def add_member(self, **fields: object) -> tuple[str, dict[str, str]]:
        made = self.client.post("/api/coordinator/members", json=MEMBER | fields, headers=self.coordinator)
        assert made.status_code == 201, made.text
        return made.json()["id"], {"Authorization": f"Bearer {made.json()['token']}"}


@pytest.fixture
def api_engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def club(api_engine: Engine) -> Iterator[Club]:
    with api_engine.begin() as conn:
        club_id, token = create_club(conn, "Test club")
    with TestClient(create_app(engine=api_engine)) as client:
        yield Club(club_id, api_engine, client, {"Authorization": f"Bearer {token}"})
