"""Text fields refuse invisible and line-breaking characters with a clear message, in the API and in
the forms alike; text stored before that rule still displays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from services.notify.compose import compose
from services.notify.ports import AssignmentInfo, Recipient
from services.store import tokens
from services.store.tables import help_requests, members
from tests.e2e_support import bearer
from tests.pages.support import Site, csrf_of
from tests.pages.test_partner_pages import form

MEMBER = {"home_lat": 51.48, "home_lon": -3.18, "max_hours_week": 5}


def _coordinator(site: Site) -> dict[str, str]:
    with site.engine.begin() as conn:
        return bearer(tokens.issue(conn, "coordinator", site.club_id, site.coordinator_id))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "\x1c", "invisible character (U+001C)"),
        ("name", "Ann\u202eeb", "invisible character (U+202E)"),
        ("name", "Ann\nLee", "line break"),
        ("phone", "0770\r\n0", "line break"),
        ("email", "a@b.org\u2028", "line break"),
    ],
)
def test_the_api_refuses_control_and_format_characters(
    site: Site, field: str, value: str, message: str
) -> None:
    body = MEMBER | {"name": "Ann Lee", field: value}
    answer = site.client.post("/api/coordinator/members", json=body, headers=_coordinator(site))
    assert answer.status_code == 422, answer.text
    (error,) = answer.json()["detail"]
    assert error["loc"][-1] == field and message in error["msg"]


def test_text_is_nfkc_normalised_and_notes_keep_their_lines(site: Site) -> None:
    made = site.client.post(
        "/api/coordinator/members",
        json=MEMBER | {"name": " \uff2e\uff49\uff41\u200d\uff28 ", "email": "\uff4e\uff49\uff41@example.org"},
        headers=_coordinator(site),
    )
    assert made.status_code == 201, made.text
    with site.engine.connect() as conn:
        row = conn.execute(select(members.c.name, members.c.email).where(members.c.id == made.json()["id"]))
        assert tuple(row.one()) == ("Nia\u200dH", "nia@example.org")

    sent = site.client.post(
        f"/p/{site.partner_token}/new",
        data=form(site, notes="Door code:\r\n\t4412", contact_name="", contact_phone=""),
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    with site.engine.connect() as conn:
        assert conn.execute(select(help_requests.c.notes)).scalar_one() == "Door code:\n\t4412"


def test_forms_show_the_error_next_to_the_field(site: Site) -> None:
    bad_title = site.client.post(f"/p/{site.partner_token}/new", data=form(site, title="Lift\r\nBcc: x@y"))
    assert bad_title.status_code == 422
    assert 'id="e-title"' in bad_title.text and "line break" in unescape(bad_title.text)

    page = site.login().get("/c/members")
    invited = site.invite_member(csrf_of(page.text), name="Ann\x1cLee")
    assert invited.status_code == 422 and 'id="e-name"' in invited.text
    keys = site.client.get("/c/keys")
    key = site.client.post("/c/keys", data={"csrf": csrf_of(keys.text), "label": "ci\x1b[31m", "days": "30"})
    assert key.status_code == 422 and 'id="e-label"' in key.text and "plain text" in key.text
    assert "U+001C" in invited.text


def test_a_stored_odd_name_still_displays_everywhere(site: Site) -> None:
    """Rows from before the rule: a name of only a control character, a title with a line break."""
    member_id, token = site.add_member("\x1c")
    request_id = site.add_request(title="Lift\r\nBcc: x@y")
    roster_id = site.propose([(request_id, 0, member_id)])
    assert site.client.get(f"/m/{token}/").status_code == 200
    assert site.client.get("/api/member/me", headers=bearer(token)).status_code == 200
    assert site.client.get(site.calendar_feed(token)).status_code == 200
    board = site.login().get("/c/")
    assert board.status_code == 200
    assert site.client.post(
        "/c/approve", data={"csrf": csrf_of(board.text), "roster_id": roster_id, "confirm": "1"}
    )
    week = site.client.get(f"/m/{token}/")
    assert week.status_code == 200 and "Hello" in week.text
    assert site.client.get(f"/p/{site.partner_token}/requests/{request_id}").status_code == 200


def test_a_message_about_odd_text_is_one_clean_line_of_subject() -> None:
    start = datetime(2026, 6, 4, 9, tzinfo=UTC)
    info = AssignmentInfo(
        assignment_id="a1",
        club_id="c1",
        club_name="Club",
        timezone="Europe/London",
        status="proposed",
        title="Lift\r\nBcc: x@y",
        kind="lift",
        place_name="Depot",
        notes="",
        partner_name="Union",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        recipient=Recipient("m1", "\x1c", None, None, True, False, True),
    )
    subject, body = compose("issued", info)
    assert "\n" not in subject and "\r" not in subject and "Lift Bcc: x@y" in subject
    assert body.startswith("Hello,\n")
