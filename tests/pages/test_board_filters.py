"""The board people can work through: four weeks shown (beyond the horizon as 'planned from'),
the partner's notes and the skills on each card, and filters as a plain GET form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from api.pages import board_model
from api.pages.board_model import Filters, planned_from
from services.store.tables import rosters
from tests.pages.support import Site


def test_four_weeks_show_with_notes_skills_and_when_planning_reaches_them(site: Site) -> None:
    nia, _ = site.add_member("Nia Hughes")
    site.free_every_day(nia)  # someone can do every request: no "nobody can do it" on the board
    soon = site.add_request(hours_from_now=30, headcount=1, title="Lift to the picket")
    later = site.add_request(hours_from_now=24 * 20, headcount=1, title="Food bank shift", kind="food_bank")
    beyond = site.add_request(hours_from_now=24 * 30, headcount=1, title="Too far ahead")
    site.propose([(soon, 0, nia)])
    board = site.login().get("/c/")
    assert board.status_code == 200
    assert "Lift to the picket" in board.text
    assert "Too far ahead" not in board.text, "four weeks, not more"
    assert "Food bank shift" not in board.text, "further ahead, one line a day"
    day = (datetime.now(UTC) + timedelta(days=20)).date()
    assert "Further ahead" in board.text and f'<a href="/c/?day={day.isoformat()}">' in board.text
    assert "1 request (1 food bank), planned from" in board.text
    assert "“Bring a flask”" in board.text and "Needs: driver" in board.text
    that_day = site.client.get(f"/c/?day={day.isoformat()}")
    assert "Food bank shift" in that_day.text and that_day.text.count("Planned from") == 1
    assert "beyond the planning horizon" in that_day.text and "Lift to the picket" not in that_day.text
    assert later and beyond


def test_planned_from_is_the_day_the_horizon_reaches_the_request() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert str(planned_from(now + timedelta(days=20), 7, now.date(), "UTC")) == "2026-12-14"
    assert planned_from(now + timedelta(days=3), 7, now.date(), "UTC") == now.date()


def test_filters_by_kind_day_empty_places_and_attention_without_javascript(site: Site) -> None:
    nia, _ = site.add_member("Nia Hughes")
    filled = site.add_request(hours_from_now=30, headcount=1, title="Lift to the picket")
    empty = site.add_request(hours_from_now=54, headcount=1, title="Food bank shift", kind="food_bank")
    site.propose([(filled, 0, nia)], unfilled=[(empty, 0)])
    client = site.login()
    board = client.get("/c/")
    assert '<form method="get" action="/c/" class="filters"' in board.text
    by_kind = client.get("/c/", params={"kind": "food_bank"})
    assert "Food bank shift" in by_kind.text and "Lift to the picket" not in by_kind.text
    assert "1 request hidden" in by_kind.text and "Show everything" in by_kind.text
    only_empty = client.get("/c/", params={"unfilled": "1"})
    assert "Food bank shift" in only_empty.text and "<h3>" in only_empty.text
    assert "Lift to the picket</h3>" not in only_empty.text
    nothing_flagged = client.get("/c/", params={"attention": "1"})
    assert "Lift to the picket</h3>" not in nothing_flagged.text
    assert "Food bank shift</h3>" not in nothing_flagged.text
    junk = client.get("/c/", params={"day": "not-a-date", "kind": "x" * 500})
    assert junk.status_code == 200
    assert Filters.parse({"day": "2026-12-03"}).day is not None and not Filters.parse({}).active


def test_attention_names_a_request_beyond_the_horizon_that_nobody_can_do(site: Site) -> None:
    nia, _ = site.add_member("Nia Hughes", skills=[])
    site.free_every_day(nia)
    soon = site.add_request(hours_from_now=30, headcount=1, title="Lift to the picket")
    far = site.add_request(hours_from_now=24 * 20, headcount=1, title="Food bank shift", kind="food_bank")
    site.propose([], unfilled=[(soon, 0)])
    client = site.login()
    board = client.get("/c/")
    assert "Nobody can do it:" in board.text and "Food bank shift (planned from" in board.text
    assert "None of the 1 active member can go:" in board.text
    assert "1 member: does not have the driver skill" in board.text
    assert f'href="/c/requests/{far}/edit">Change the request' in board.text
    assert "Lift to the picket (planned from" not in board.text, "within the horizon: the proposal says why"
    flagged = client.get("/c/", params={"attention": "1"})
    assert "Food bank shift" in flagged.text
    ffion, _ = site.add_member("Ffion Price")
    site.free_every_day(ffion)
    site.dispatch()  # the events' handlers raise the club's planning generation, as they would live
    assert "Nobody can do it:" not in client.get("/c/").text, "one member who fits is enough"


def test_a_big_proposal_shows_its_first_days_whole_and_the_rest_one_line_a_day(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board_model, "BOARD_CARDS", 2)
    nia, _ = site.add_member("Nia Hughes")
    site.free_every_day(nia)
    first = [site.add_request(hours_from_now=26 + i, headcount=1, title=f"Shift {i}") for i in range(2)]
    later = site.add_request(hours_from_now=26 + 48, headcount=2, title="Later shift")
    site.propose([(first[0], 0, nia), (later, 0, nia)], unfilled=[(first[1], 0), (later, 1)])
    client = site.login()
    board = client.get("/c/")
    assert "Shift 0" in board.text and "Shift 1" in board.text
    assert "Later shift" not in board.text, "beyond the day budget: one line"
    day = (datetime.now(UTC) + timedelta(hours=26 + 48)).date().isoformat()
    line = board.text.split("Later in this proposal")[1]
    assert f'<a href="/c/?day={day}">' in line and "1 request, <strong>1 empty place</strong>" in line
    opened = client.get("/c/", params={"day": day})
    assert "Later shift" in opened.text and "Later in this proposal" not in opened.text


def test_days_open_while_they_fit_the_budget_and_the_first_always() -> None:
    assert board_model.open_days([36, 36, 36], 60) == 1
    assert board_model.open_days([10, 20, 30, 5], 60) == 3
    assert board_model.open_days([90], 60) == 1
    assert board_model.open_days([], 60) == 0


def test_the_board_says_which_kind_of_solve_made_the_proposal(site: Site) -> None:
    nia, _ = site.add_member("Nia Hughes")
    site.free_every_day(nia)
    request_id = site.add_request(hours_from_now=30, headcount=1)
    roster_id = site.propose([(request_id, 0, nia)])
    with site.engine.begin() as conn:
        conn.execute(
            update(rosters)
            .where(rosters.c.id == roster_id)
            .values(solve_kind="incremental", solve_status="feasible", wall_s=0.25)
        )
    board = site.login().get("/c/")
    assert (
        "Repaired around what changed in 0.2 s: a good roster, not proven the best; a whole plan is "
        "worked out when the system is quiet, and replaces it if better." in board.text
    )


def test_how_a_proposal_was_solved_in_words() -> None:
    def words(kind: str, status: str) -> str:
        return board_model.how_solved({"solve_kind": kind, "solve_status": status, "wall_s": 1.04})

    assert words("full", "optimal") == "Planned whole in 1.0 s: the best roster possible."
    assert words("improved", "feasible") == (
        "Planned whole again in the background, and better in 1.0 s: a good roster, not proven the best."
    )
    assert words("full", "no_solution") == "Planned whole in 1.0 s: no roster could be made."
