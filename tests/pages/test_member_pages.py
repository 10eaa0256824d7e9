"""Member pages through the private link: availability, profile, answering assignments, calendar feed."""

from __future__ import annotations

import re
from datetime import date, timedelta

from icalendar import Calendar
from sqlalchemy import select

from services.store import notices, views
from services.store.tables import assignments, schedule_state
from tests.commands_support import declare_availability
from tests.pages.support import Site, csrf_of


def _approve_all(site: Site, slots: list[tuple[str, int, str]]) -> None:
    site.propose(slots)
    board = site.login().get("/c/")
    roster_id = board.text.split('name="roster_id" value="')[1].split('"')[0]
    assert (
        site.client.post(
            "/c/approve", data={"csrf": csrf_of(board.text), "roster_id": roster_id, "confirm": "1"}
        ).status_code
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


def as_a_browser_sends(html: str) -> dict[str, str]:
    """The form's inputs with the values the page put in them, ticked boxes only; as in a browser, a
    time input drops a value it cannot show (24:00)."""
    sent: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and ('type="checkbox"' not in tag or " checked" in tag):
            text = value.group(1) if value else ""
            time_ok = 'type="time"' not in tag or re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text)
            sent[name.group(1)] = text if time_ok else ""
    return sent


def test_a_weekly_time_until_midnight_is_shown_and_saved_back_untouched(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    with site.engine.begin() as conn:
        declare_availability(conn, site.club_id, member_id, [(5, 960, 1440)], [], [])
    page = site.client.get(f"/m/{token}/availability").text
    assert 'name="w5_0_to"' in page and 'value="24:00"' in page
    off = date.today() + timedelta(days=4)
    saved = site.client.post(
        f"/m/{token}/availability", data=as_a_browser_sends(page) | {"blackout": off.isoformat()}
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    with site.engine.connect() as conn:
        got = views.member_availability(conn, member_id)
    assert got["weekly"] == [{"weekday": 5, "start_minute": 960, "end_minute": 1440}]
    assert got["blackouts"] == [off]


def test_a_refused_save_keeps_everything_the_member_typed(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    kept, dropped = date.today() + timedelta(days=2), date.today() + timedelta(days=3)
    with site.engine.begin() as conn:
        declare_availability(conn, site.club_id, member_id, [], [], [kept, dropped])
    page = site.client.get(f"/m/{token}/availability").text
    typed = {k: v for k, v in as_a_browser_sends(page).items() if k != "keep_blackout"}
    extra, off = date.today() + timedelta(days=6), date.today() + timedelta(days=8)
    refused = site.client.post(
        f"/m/{token}/availability",
        data=typed
        | {"keep_blackout": kept.isoformat(), "w2_0_from": "18:00", "w2_0_to": "late"}
        | {"window_day": extra.isoformat(), "window_from": "10:00", "window_to": "12:00"}
        | {"blackout": off.isoformat()},
    )
    assert refused.status_code == 422 and 'id="e-w2_0_from"' in refused.text
    again = as_a_browser_sends(refused.text)
    assert (again["w2_0_from"], again["w2_0_to"], again["blackout"]) == ("18:00", "late", off.isoformat())
    assert (again["window_day"], again["window_from"], again["window_to"]) == (
        extra.isoformat(),
        "10:00",
        "12:00",
    )
    assert f'value="{dropped.isoformat()}">' in refused.text, "an unticked day off stays unticked"
    assert f'value="{kept.isoformat()}" checked>' in refused.text
    assert 'href="#f-w2_0_from">Wednesday, period 1: ' in refused.text


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
    path = site.calendar_feed(token)
    assert path.startswith("/cal/") and token not in path, "the feed has its own token"
    feed = site.client.get(path)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Lift to the picket (Tenants Union)"]
    assert str(events[0]["status"]) == "TENTATIVE" and str(events[0]["location"]) == "Depot"
    assert events[0].decoded("dtstart").tzinfo is not None


def test_a_new_calendar_link_cuts_the_old_one_off(site: Site) -> None:
    _, token = site.add_member("Nia Hughes")
    first = site.calendar_feed(token)
    assert "You made a calendar link on" in site.client.get(f"/m/{token}/").text
    second = site.calendar_feed(token)
    assert site.client.get(first).status_code == 404 and site.client.get(second).status_code == 200
