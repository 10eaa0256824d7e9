from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from services.store.db import make_engine, upgrade


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
