"""Partner pages through the private link: submit with clear errors, weekly repeats, status, cancel."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from services.store.tables import help_requests, outbox
from tests.faults import assert_unavailable, lose_connection, on_commit
from tests.pages.support import Site, confirm, csrf_of

DAY = date.today() + timedelta(days=3)


def form(site: Site, **fields: str) -> dict[str, str]:
    page = site.client.get(f"/p/{site.partner_token}/new")
    return {
        "csrf": csrf_of(page.text),
        "kind": "cooking",
        "title": "Cook for the branch meeting",
        "place_name": "Grangetown Hub",
        "lat": "51.47",
        "lon": "-3.18",
        "day": DAY.isoformat(),
        "starts_at": "18:00",
        "ends_at": "20:00",
        "headcount": "1",
        "skills": "cook",
        "priority": "3",
        "notes": "Kitchen at the back",
        "contact_name": "Sam",
        "contact_phone": "07700 900123",
        "repeat_until": "",
    } | fields


def counts(site: Site) -> tuple[int, int]:
    with site.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(help_requests)).scalar_one(),
            conn.execute(select(func.count()).select_from(outbox)).scalar_one(),
        )


def test_a_partner_submits_a_request_and_sees_a_confirmation(site: Site) -> None:
    sent = site.client.post(f"/p/{site.partner_token}/new", data=form(site))
    assert sent.status_code == 200 and "Thank you: your request was received" in sent.text
    assert "Cook for the branch meeting" in sent.text and "Being planned" in sent.text
    with site.engine.connect() as conn:
        row = conn.execute(select(help_requests)).one()
    starts = row.starts_at.astimezone(ZoneInfo("Europe/London"))
    assert (starts.date(), starts.hour, row.kind, row.skills) == (DAY, 18, "cooking", ["cook"])
    assert "Contact on the day: Sam 07700 900123" in row.notes


def test_errors_are_shown_next_to_their_fields_and_nothing_is_stored(site: Site) -> None:
    before = counts(site)
    cases = {
        "ends_at": form(site, ends_at="18:00"),
        "headcount": form(site, kind="court_support", headcount="1"),
        "lat": form(site, lat="123"),
        "day": form(site, day="next thursday"),
        "skills": form(site, skills="first aid!"),
    }
    for field_name, data in cases.items():
        answer = site.client.post(f"/p/{site.partner_token}/new", data=data)
        assert answer.status_code == 422, field_name
        assert f'id="e-{field_name}"' in answer.text, (field_name, answer.text)
        assert 'value="Grangetown Hub"' in answer.text, "what was typed is kept"
    assert counts(site) == before


def test_a_request_whose_commit_fails_is_neither_confirmed_nor_stored(site: Site) -> None:
    before, data = counts(site), form(site)
    with on_commit(site.engine, lose_connection):
        answer = site.client.post(f"/p/{site.partner_token}/new", data=data, follow_redirects=False)
    assert_unavailable(answer)
    assert counts(site) == before


def test_every_error_is_reported_at_once_in_plain_words_with_a_summary_naming_the_fields(
    site: Site,
) -> None:
    data = form(site, title="", lat="north", day="soon", headcount="0")
    answer = site.client.post(f"/p/{site.partner_token}/new", data=data)
    assert answer.status_code == 422
    summary = answer.text.split('class="error-summary"')[1].split("</div>")[0]
    assert "autofocus" in summary, "the summary takes the focus"
    for name, words in {
        "title": "What is needed: Fill this in.",
        "headcount": "How many people: Enter a number of at least 1.",
        "lat": "Latitude: Enter a number, e.g. 51.48.",
        "day": "Date: Enter a date",
    }.items():
        assert f'href="#f-{name}">{words}' in summary, name
        assert f'id="e-{name}"' in answer.text, name
    assert "should" not in answer.text, "no developer wording"
    assert summary.index("#f-headcount") < summary.index("#f-lat") < summary.index("#f-day"), "form order"


def test_a_request_in_the_past_is_refused_and_one_past_midnight_ends_the_next_day(site: Site) -> None:
    past = site.client.post(
        f"/p/{site.partner_token}/new",
        data=form(site, day=(date.today() - timedelta(days=2)).isoformat(), title=""),
    )
    assert past.status_code == 422 and 'id="e-day"' in past.text and 'id="e-title"' in past.text
    assert "This is in the past" in past.text, "reported with the other errors, not after them"
    overnight = site.client.post(
        f"/p/{site.partner_token}/new", data=form(site, starts_at="22:00", ends_at="02:00")
    )
    assert overnight.status_code == 200
    with site.engine.connect() as conn:
        row = conn.execute(select(help_requests)).one()
    ends = row.ends_at.astimezone(ZoneInfo("Europe/London"))
    assert (ends.date(), ends.hour) == (DAY + timedelta(days=1), 2)
    assert row.ends_at - row.starts_at == timedelta(hours=4)


def test_a_weekly_repeat_becomes_one_dated_request_per_week(site: Site) -> None:
    answer = site.client.post(
        f"/p/{site.partner_token}/new", data=form(site, repeat_until=(DAY + timedelta(weeks=3)).isoformat())
    )
    assert answer.status_code == 200 and "4 requests were received" in answer.text
    with site.engine.connect() as conn:
        starts = [
            r[0].astimezone(ZoneInfo("Europe/London"))
            for r in conn.execute(select(help_requests.c.starts_at).order_by(help_requests.c.starts_at))
        ]
    assert [s.date() for s in starts] == [DAY + timedelta(weeks=i) for i in range(4)]
    assert {s.hour for s in starts} == {18}, "the local time holds across a clock change"


def test_the_status_page_shows_numbers_and_only_shared_first_names(site: Site) -> None:
    request_id = site.add_request(headcount=3)
    shy, _ = site.add_member("Owain Price", share_first_name=False)
    open_, open_token = site.add_member("Nia Hughes", share_first_name=True)
    site.propose([(request_id, 0, shy), (request_id, 1, open_)], [(request_id, 2)])
    site.login()
    board = site.client.get("/c/")
    asked = site.client.post(
        "/c/approve", data={"csrf": csrf_of(board.text), "roster_id": _roster_id(board.text)}
    )
    confirm(site.client, asked)
    site.dispatch()
    week = site.client.get(f"/m/{open_token}/")
    assignment_id = week.text.split('id="a-')[1].split('"')[0]
    site.client.post(f"/m/{open_token}/assignments/{assignment_id}/accept", data={"csrf": csrf_of(week.text)})
    status = site.client.get(f"/p/{site.partner_token}/").text
    assert "Partly filled" in status and "2 of 3 people assigned, 1 confirmed (Nia)" in status
    assert "Owain" not in status and "Hughes" not in status and "Price" not in status


def test_a_partner_cancels_a_request(site: Site) -> None:
    request_id = site.add_request()
    page = site.client.get(f"/p/{site.partner_token}/requests/{request_id}")
    done = site.client.post(
        f"/p/{site.partner_token}/requests/{request_id}/cancel", data={"csrf": csrf_of(page.text)}
    )
    assert done.status_code == 200 and "Cancelled" in done.text and "Cancel this request" not in done.text


def _roster_id(html: str) -> str:
    return html.split('name="roster_id" value="')[1].split('"')[0]


def test_a_partner_over_its_quota_is_told_why_and_nothing_is_stored(site: Site) -> None:
    site.client.app.state.settings = site.client.app.state.settings.model_copy(  # type: ignore[attr-defined]
        update={"partner_open_requests": 2, "partner_requests_per_day": 3}
    )
    for _ in range(2):
        assert site.client.post(f"/p/{site.partner_token}/new", data=form(site)).status_code == 200
    before = counts(site)
    refused = site.client.post(f"/p/{site.partner_token}/new", data=form(site))
    assert refused.status_code == 409 and "the most one partner may have at once" in refused.text
    assert 'value="Cook for the branch meeting"' in refused.text, "what was typed is kept"
    answer = site.client.post(
        "/api/partner/requests",
        headers={"Authorization": f"Bearer {site.partner_token}"},
        json={
            "kind": "leafleting",
            "title": "Leaflets",
            "place_name": "Estate",
            "lat": 51.48,
            "lon": -3.18,
            "starts_at": f"{DAY.isoformat()}T10:00:00Z",
            "ends_at": f"{DAY.isoformat()}T11:00:00Z",
            "headcount": 2,
            "priority": 2,
        },
    )
    assert answer.status_code == 409 and "open requests" in answer.json()["detail"]
    assert counts(site) == before
