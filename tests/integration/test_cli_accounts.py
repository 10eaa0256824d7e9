"""The operator's command line makes clubs and coordinator accounts through the same commands as the
pages: a real ``mechanic`` process on a SQLite file, refusals in words with exit status 2 and
nothing stored, and each accepted change stored with its event."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sqlalchemy import select

from services.store.db import make_engine
from services.store.tables import coordinators, outbox
from tests.e2e_support import MECHANIC, mechanic_env


def _mechanic(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = mechanic_env({"MECHANIC_DATABASE_URL": f"sqlite:///{tmp_path}/mechanic.db"})
    return subprocess.run(
        [*MECHANIC, *args], env=env, cwd=tmp_path, input=stdin, capture_output=True, text=True, timeout=60
    )


def _events(tmp_path: Path) -> list[tuple[str, dict[str, object]]]:
    engine = make_engine(f"sqlite:///{tmp_path}/mechanic.db")
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.seq)).all()
    engine.dispose()
    return [(row.type, json.loads(row.payload)) for row in rows]


def _accounts(tmp_path: Path) -> list[tuple[str, str]]:
    engine = make_engine(f"sqlite:///{tmp_path}/mechanic.db")
    with engine.connect() as conn:
        found = conn.execute(select(coordinators.c.club_id, coordinators.c.email)).all()
    engine.dispose()
    return [(row.club_id, row.email) for row in found]


def test_a_club_in_an_unknown_time_zone_is_refused_in_words_and_a_good_one_is_announced(
    tmp_path: Path,
) -> None:
    refused = _mechanic(tmp_path, "club", "create", "Riverside", "--timezone", "Europe/Atlantis")
    assert refused.returncode == 2 and "is not a time zone" in refused.stderr
    assert _events(tmp_path) == []
    made = _mechanic(tmp_path, "club", "create", "Riverside", "--timezone", "Europe/Paris")
    assert made.returncode == 0, made.stderr
    club_id = json.loads(made.stdout)["club_id"]
    assert [(kind, said["club_id"]) for kind, said in _events(tmp_path)] == [("ClubCreated", club_id)]


def test_a_coordinator_added_from_the_command_line_keeps_to_the_password_and_email_rules(
    tmp_path: Path,
) -> None:
    club_id = json.loads(_mechanic(tmp_path, "club", "create", "Riverside").stdout)["club_id"]
    add = ("coordinator", "add", club_id, "ana@example.org", "--name", "Ana Morgan")
    weak = _mechanic(tmp_path, *add, stdin="short\n")
    assert weak.returncode == 2 and "the account will not do" in weak.stderr
    assert _accounts(tmp_path) == []
    added = _mechanic(tmp_path, *add, stdin="correct horse battery staple\n")
    assert added.returncode == 0, added.stderr
    assert _accounts(tmp_path) == [(club_id, "ana@example.org")]
    (created,) = [said for kind, said in _events(tmp_path) if kind == "CoordinatorAccountCreated"]
    assert created["club_id"] == club_id and "ana" not in json.dumps(created)
    again = _mechanic(tmp_path, *add, stdin="another good long password\n")
    assert again.returncode == 2 and "Another account uses this email address." in again.stderr
    assert _accounts(tmp_path) == [(club_id, "ana@example.org")]


def test_a_coordinator_for_a_club_that_does_not_exist_is_refused_in_words(tmp_path: Path) -> None:
    _mechanic(tmp_path, "club", "create", "Riverside")
    add = ("coordinator", "add", "club-mistyped", "ana@example.org", "--name", "Ana Morgan")
    refused = _mechanic(tmp_path, *add, stdin="correct horse battery staple\n")
    assert refused.returncode == 2 and "There is no club with the id 'club-mistyped'" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _accounts(tmp_path) == []
    assert [kind for kind, _ in _events(tmp_path)] == ["ClubCreated"]
