"""Shared fixtures: real databases (a fresh SQLite file, a fresh PostgreSQL database) per test.

Real components come from the environment that deploy/test.sh sets up. Without them a test
that needs one is skipped, unless MECHANIC_REQUIRE_REAL=1 (CI), where it fails loudly instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REQUIRE_REAL = os.environ.get("MECHANIC_REQUIRE_REAL") == "1"
# No test reaches a public geocoder: those that search set up a stand-in (tests/geocode_stub.py),
# and this reaches the `mechanic` processes the tests start too.
os.environ.setdefault("MECHANIC_GEOCODER", "off")


def real_component(env_var: str, what: str) -> str:
    value = os.environ.get(env_var)
    if not value:
        message = f"{what} is not available: set {env_var} (bash deploy/test.sh does)"
        if REQUIRE_REAL:
            pytest.fail(message)
        pytest.skip(message)
    return value


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    server = make_url(real_component("MECHANIC_TEST_POSTGRES_URL", "PostgreSQL"))
    name = f"t_{uuid.uuid4().hex[:16]}"
    # pre-ping: a test may have restarted the server since the CREATE (tests/kafka/test_faults_more.py)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    return f"sqlite:///{tmp_path}/mechanic.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every store contract test runs on both databases."""
    return str(request.getfixturevalue(f"{request.param}_url"))
