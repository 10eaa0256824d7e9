"""The coordinator's loop on the board, with the real notifier behind it: who answered, what needs
attention, and a chase that reaches the member by email and Signal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import Message

from sqlalchemy import update

from services.commands import AnswerAssignment
from services.delivery import Container
from services.store import tokens, views
from services.store.tables import assignments, help_requests
from tests.commands_support import run_in
from tests.notify.conftest import SignalStub, run_dispatcher
from tests.notify.test_notifier import approve_one
from tests.pages.support import Site, csrf_of


def _assignment(site: Site, member_id: str) -> str:
    with site.engine.connect() as conn:
        return next(
            a["id"] for a in views.club_assignments(conn, site.club_id) if a["member_id"] == member_id
        )


def test_the_board_shows_each_answer_and_a_decline_with_its_reason(site: Site, container: Container) -> None:
    nia, request_id = approve_one(site)
    owain, _ = site.add_member("Owain Price")
    other = site.add_request(hours_from_now=22, headcount=1, title="Lift to the court")
    site.approve(site.propose([(request_id, 0, nia), (other, 0, owain)]))
    run_dispatcher(container)
    board = site.login().get("/c/")
    assert "waiting 1 min" in board.text and "1 waiting" in board.text
    shown = re.search(r'data-roster="([^"]+)" data-attention="0"', board.text)
    assert shown, "the open board knows what it shows, to tell when something new arrives"
    nias, owains = _assignment(site, nia), _assignment(site, owain)
    with site.engine.begin() as conn:
        run_in(conn, AnswerAssignment(site.club_id, nia, nias, accept=True))
        run_in(conn, AnswerAssignment(site.club_id, owain, owains, False, "I don't drive"))
    board = site.client.get("/c/")
    assert '<span class="ans ans-accepted">accepted</span>' in board.text
    assert "Owain Price declined: “I don&#39;t drive”" in board.text
    assert "Needs attention (1)" in board.text and "<strong>Owain Price declined</strong>" in board.text
    polled = site.client.get("/c/status.json").json()
    assert (polled["roster"], polled["attention"]) == (shown.group(1), 1), "what the open board's poll sees"


def test_an_unanswered_assignment_is_listed_and_chasing_it_reaches_the_member(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    nia, _ = approve_one(site)
    run_dispatcher(container)
    assignment_id = _assignment(site, nia)
    with site.engine.begin() as conn:  # issued a day and a half ago
        conn.execute(
            update(assignments)
            .where(assignments.c.id == assignment_id)
            .values(updated_at=datetime.now(UTC) - timedelta(hours=36))
        )
    board = site.login().get("/c/")
    assert "<strong>Nia Hughes</strong> has not answered" in board.text and "for 36 h" in board.text
    before = (len(smtp[1]), len(signal_api.received))
    chased = site.client.post("/c/chase", data={"csrf": csrf_of(board.text), "assignment_id": assignment_id})
    assert "Asked again" in chased.text
    run_dispatcher(container)
    assert (len(smtp[1]), len(signal_api.received)) == (before[0] + 1, before[1] + 1)
    assert smtp[1][-1]["Subject"].startswith("Waiting for your answer: Lift to the picket")
    with site.engine.begin() as conn:
        run_in(conn, AnswerAssignment(site.club_id, nia, assignment_id, accept=True))
    again = site.client.post("/c/chase", data={"csrf": csrf_of(board.text), "assignment_id": assignment_id})
    assert again.status_code == 409, "nothing to chase once they answered"


def test_the_json_api_lists_what_needs_attention_and_chases(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    nia, request_id = approve_one(site)
    run_dispatcher(container)
    assignment_id = _assignment(site, nia)
    with site.engine.begin() as conn:
        conn.execute(
            update(assignments)
            .where(assignments.c.id == assignment_id)
            .values(updated_at=datetime.now(UTC) - timedelta(hours=36))
        )
        key = tokens.issue(conn, "coordinator", site.club_id, site.coordinator_id, "api", None)
    bearer = {"Authorization": f"Bearer {key}"}
    [item] = site.client.get("/api/coordinator/attention", headers=bearer).json()
    assert (item["kind"], item["id"], item["request_id"], item["name"]) == (
        "unanswered",
        assignment_id,
        request_id,
        "Nia Hughes",
    )
    assert 36 * 3600 <= item["waiting_s"] < 37 * 3600
    before = len(smtp[1])
    chased = site.client.post(f"/api/coordinator/assignments/{assignment_id}/chase", headers=bearer)
    assert chased.status_code == 204
    run_dispatcher(container)
    assert len(smtp[1]) == before + 1 and smtp[1][-1]["Subject"].startswith("Waiting for your answer")
    with site.engine.begin() as conn:
        run_in(conn, AnswerAssignment(site.club_id, nia, assignment_id, accept=True))
    again = site.client.post(f"/api/coordinator/assignments/{assignment_id}/chase", headers=bearer)
    assert again.status_code == 409
    assert site.client.get("/api/coordinator/attention", headers=bearer).json() == []
    missing = site.client.post("/api/coordinator/assignments/a-nothing/chase", headers=bearer)
    assert missing.status_code == 404


def test_an_urgent_place_still_empty_tomorrow_is_listed_with_a_way_to_fill_it(site: Site) -> None:
    nia, _ = site.add_member("Nia Hughes")
    site.free_every_day(nia)
    urgent = site.add_request(hours_from_now=20, headcount=1, title="Court support")
    with site.engine.begin() as conn:
        conn.execute(update(help_requests).where(help_requests.c.id == urgent).values(priority=5))
    site.propose([], unfilled=[(urgent, 0)])
    board = site.login().get("/c/")
    assert "<strong>Still empty, urgent:</strong>" in board.text
    place = site.client.get(f"/c/place?slot={urgent}:0")
    assert place.status_code == 200 and "Nia Hughes" in place.text
