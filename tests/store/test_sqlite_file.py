"""The embedded database is private to its owner: directory 0700, file and its WAL files 0600,
whatever the umask, and a world-readable file from an older version is tightened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from services.store.db import make_engine, upgrade


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o002)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_is_readable_by_its_owner_only(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "state" / "mechanic.db"
    upgrade(f"sqlite:///{db}")
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:  # WAL mode: the -wal and -shm files exist while connected
        conn.execute(text("CREATE TABLE probe (x INTEGER)"))
        files = [db, db.with_name("mechanic.db-wal"), db.with_name("mechanic.db-shm")]
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    engine.dispose()
    assert mode(db.parent) == 0o700


def test_an_older_world_readable_database_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "mechanic.db"
    upgrade(f"sqlite:///{db}")
    db.chmod(0o644)
    make_engine(f"sqlite:///{db}").dispose()
    assert mode(db) == 0o600
