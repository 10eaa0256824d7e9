"""Member pages through the private link: availability, profile, answering assignments, calendar feed."""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar
from sqlalchemy import select

from services.store import notices, views
from services.store.tables import assignments, schedule_state
from tests.pages.support import Site, csrf_of


def _approve_all(site: Site, slots: list[tuple[str, int, str]]) -> None:
    site.propose(slots)
    board = site.login().get("/c/")
    roster_id = board.text.split('name="roster_id" value="')[1].split('"')[0]
    assert (
        site.client.post("/c/approve", data={"csrf": csrf_of(board.text), "roster_id": roster_id}).status_code
        == 200
    )
    site.dispatch()


def test_a_member_declares_weekly_times_extra_times_and_days_off(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    page = site.client.get(f"/m/{token}/availability")
    extra, off = date.today() + timedelta(days=5), date.today() + timedelta(days=9)
    saved = site.client.post(
        f"/m/{token}/availability",
        data={
            "csrf": csrf_of(page.text),
            "w1_0_from": "18:00",
            "w1_0_to": "21:30",
            "w5_0_from": "09:00",
            "w5_0_to": "24:00",
            "window_day": extra.isoformat(),
            "window_from": "10:00",
            "window_to": "12:00",
            "blackout": off.isoformat(),
        },
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    with site.engine.connect() as conn:
        got = views.member_availability(conn, member_id)
    assert [(w["weekday"], w["start_minute"], w["end_minute"]) for w in got["weekly"]] == [
        (1, 1080, 1290),
        (5, 540, 1440),
    ]
    assert len(got["windows"]) == 1 and got["blackouts"] == [off]
    again = site.client.get(f"/m/{token}/availability").text
    assert 'value="21:30"' in again and off.isoformat() in again


def test_a_bad_time_is_explained_and_nothing_changes(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    page = site.client.get(f"/m/{token}/availability")
    bad = site.client.post(
        f"/m/{token}/availability",
        data={"csrf": csrf_of(page.text), "w2_0_from": "18:00", "w2_0_to": "17:00"},
    )
    assert bad.status_code == 422 and 'id="e-w2_0_from"' in bad.text
    with site.engine.connect() as conn:
        assert views.member_availability(conn, member_id)["weekly"] == []


def test_a_member_updates_skills_limits_preferences_and_how_to_be_told(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    page = site.client.get(f"/m/{token}/profile")
    saved = site.client.post(
        f"/m/{token}/profile",
        data={
            "csrf": csrf_of(page.text),
            "name": "Nia Hughes",
            "email": "nia@example.org",
            "phone": "+447700900123",
            "skills": "Driver, first aid",
            "home_lat": "51.5",
            "home_lon": "-3.2",
            "max_hours_week": "4",
            "max_travel_km": "10",
            "car_seats": "3",
            "kind_cooking": "like",
            "kind_lookout": "refuse",
            "notify_email": "on",
            "notify_signal": "on",
        },
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    with site.engine.connect() as conn:
        profile = views.member_profile(conn, site.club_id, member_id) or {}
        prefs = notices.prefs(conn, member_id)
    assert profile["skills"] == ["driver", "first_aid"] and profile["max_hours_week"] == 4
    assert profile["liked_kinds"] == ["cooking"] and profile["refused_kinds"] == ["lookout"]
    assert prefs == {"email": True, "signal": True, "reminders": False}
    bad = site.client.post(
        f"/m/{token}/profile",
        data={
            "csrf": csrf_of(page.text),
            "name": "",
            "home_lat": "95",
            "home_lon": "0",
            "max_hours_week": "4",
        },
    )
    assert bad.status_code == 422 and 'id="e-name"' in bad.text and 'id="e-home_lat"' in bad.text


def test_a_member_accepts_one_assignment_and_declines_another_which_replans(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    first, second = (
        site.add_request(30, 1, "Lift to the picket"),
        site.add_request(54, 1, "Lift to the court"),
    )
    _approve_all(site, [(first, 0, member_id), (second, 0, member_id)])
    week = site.client.get(f"/m/{token}/")
    assert "2 assignments waiting for your answer" in week.text
    ids = [chunk.split('"')[0] for chunk in week.text.split('id="a-')[1:]]
    csrf = csrf_of(week.text)
    assert site.client.post(f"/m/{token}/assignments/{ids[0]}/accept", data={"csrf": csrf}).status_code == 200
    with site.engine.connect() as conn:
        generation = conn.execute(select(schedule_state.c.generation)).scalar_one()
    declined = site.client.post(
        f"/m/{token}/assignments/{ids[1]}/decline", data={"csrf": csrf, "reason": "ill"}
    )
    assert "we will find someone else" in declined.text
    site.dispatch()
    with site.engine.connect() as conn:
        rows = {r.id: (r.status, r.decline_reason) for r in conn.execute(select(assignments))}
        assert conn.execute(select(schedule_state.c.generation)).scalar_one() > generation, (
            "the decline re-plans"
        )
    assert rows == {ids[0]: ("accepted", None), ids[1]: ("declined", "ill")}


def test_the_calendar_feed_holds_the_members_own_assignments(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    other_id, _ = site.add_member("Owain Price")
    mine, theirs = site.add_request(30, 1, "Lift to the picket"), site.add_request(30, 1, "Banner painting")
    _approve_all(site, [(mine, 0, member_id), (theirs, 0, other_id)])
    feed = site.client.get(f"/m/{token}/calendar.ics")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Lift to the picket (Tenants Union)"]
    assert str(events[0]["status"]) == "TENTATIVE" and str(events[0]["location"]) == "Depot"
    assert events[0].decoded("dtstart").tzinfo is not None
