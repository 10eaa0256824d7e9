"""The partner's status page tells the states apart: waiting for approval, planned from a date,
nobody available (why, in the partner's words, never who), partly filled, filled, confirmed; the
history holds cancelled and past requests; a weekly repeat is one item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from api.pages.partner_states import group, state
from services.commands import CancelRequest
from services.store.tables import assignments, help_requests, unfilled_slots
from tests.commands_support import run_in
from tests.pages.support import Site
from tests.pages.test_partner_pages import DAY, form


def _section(html: str, title: str) -> str:
    return html.split(f">{title}")[1].split("</li>")[0]


def test_each_state_is_told_apart_without_naming_anyone(site: Site) -> None:
    nia, _ = site.add_member("Nia Hughes", share_first_name=False)
    owain, _ = site.add_member("Owain Price", share_first_name=False)
    waiting = site.add_request(hours_from_now=30, headcount=1, title="Waiting one")
    nobody = site.add_request(hours_from_now=40, headcount=1, title="Nobody one")
    later = site.add_request(hours_from_now=24 * 20, headcount=1, title="Later one")
    filled = site.add_request(hours_from_now=50, headcount=1, title="Filled one")
    confirmed = site.add_request(hours_from_now=60, headcount=1, title="Confirmed one")
    cancelled = site.add_request(hours_from_now=70, headcount=1, title="Cancelled one")
    site.approve(site.propose([(filled, 0, nia), (confirmed, 0, owain)]))
    site.dispatch()  # the approval issues the assignments
    with site.engine.begin() as conn:
        conn.execute(
            update(assignments).where(assignments.c.request_id == confirmed).values(status="accepted")
        )
        run_in(conn, CancelRequest(site.club_id, cancelled, partner_id=site.partner_id))
    site.propose([(waiting, 0, nia), (filled, 0, nia), (confirmed, 0, owain)], unfilled=[(nobody, 0)])
    with site.engine.begin() as conn:  # the solver's code for it (the helper writes a made-up one)
        conn.execute(update(unfilled_slots).values(code="unavailable"))
    page = site.client.get(f"/p/{site.partner_token}/").text
    assert "Waiting for the club&#39;s approval" in _section(page, "Waiting one")
    assert "Nobody available yet" in _section(page, "Nobody one")
    assert "is free at that time" in _section(page, "Nobody one")
    assert "Planned from" in _section(page, "Later one")
    assert ">Filled<" in _section(page, "Filled one") and ">Confirmed<" in _section(page, "Confirmed one")
    current, history = page.split('id="history-h"')
    assert "Cancelled one" in history and "Cancelled one" not in current
    assert "Nia" not in page and "Owain" not in page and "Hughes" not in page
    assert later


def test_a_weekly_repeat_is_one_item_with_each_week_inside(site: Site) -> None:
    answer = site.client.post(
        f"/p/{site.partner_token}/new", data=form(site, repeat_until=(DAY + timedelta(weeks=3)).isoformat())
    )
    assert answer.status_code == 200
    page = answer.text
    assert page.count("Cook for the branch meeting <small>every") == 1 and "4 weeks" in page
    assert page.count("/requests/r-") == 4, "each week is still reachable"


def test_a_past_request_goes_to_the_history(site: Site) -> None:
    old = site.add_request(hours_from_now=30, headcount=1, title="Long ago")
    with site.engine.begin() as conn:
        past = datetime.now(UTC) - timedelta(days=2)
        conn.execute(
            update(help_requests)
            .where(help_requests.c.id == old)
            .values(starts_at=past, ends_at=past + timedelta(hours=2))
        )
    page = site.client.get(f"/p/{site.partner_token}/").text
    assert "Long ago" in page.split('id="history-h"')[1] and ">Past<" in page


def test_series_need_one_submission_and_consecutive_weeks() -> None:
    t0 = datetime(2026, 12, 7, 18, tzinfo=UTC)
    made = datetime(2026, 12, 1, tzinfo=UTC)

    def row(i: int, week: int, created: datetime = made) -> dict[str, object]:
        start = t0 + timedelta(weeks=week)
        return {
            "id": f"r{i}",
            "title": "Cook",
            "kind": "cooking",
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "headcount": 1,
            "created_at": created,
            "state": "planning",
        }

    items = group([row(1, 0), row(2, 1), row(3, 2), row(4, 4), row(5, 5, made + timedelta(days=1))], "UTC")
    assert [len(i["rows"]) for i in items] == [3, 1, 1], "a gap or another submission starts anew"
    plan = {"proposed": 0, "empty_codes": ["no_skill"]}
    r = {"status": "open", "starts_at": t0, "ends_at": t0 + timedelta(hours=2), "fill_state": "unfilled"}
    assert state(r | {"assigned": 0, "confirmed": 0}, plan, t0 - timedelta(days=1), 7, "UTC")["reason"]
