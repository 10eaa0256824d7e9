from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from services.settings import Settings, get_settings
from services.store.db import make_engine, upgrade
from tests.pages.support import Site, make_site


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Every page and notifier test runs on SQLite and on PostgreSQL, so the store modules behind the
    pages (accounts, board, notices, webhooks, attendance) are held to both databases."""
    upgrade(database_url)
    made = make_engine(database_url)
    yield made
    made.dispose()


@pytest.fixture
def app_settings() -> Settings:
    """The settings the app under test runs with; a folder's conftest may override them."""
    return get_settings()


@pytest.fixture
def site(engine: Engine, app_settings: Settings) -> Iterator[Site]:
    with TestClient(create_app(app_settings, engine)) as client:
        yield make_site(engine, client)
