"""Alerts to coordinators, through the real local SMTP server and the Signal stub: a decline on
tomorrow's work reaches each coordinator once, quiet hours hold what can wait, the digest comes
once a day at the chosen hour, and the choices page keeps what the coordinator chose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from events import AssignmentDeclined, RosterProposed
from services.commands import AnswerAssignment, SetAlertChoices
from services.delivery import Container
from services.notify.alerts import CoordinatorAlerts, held_until, in_quiet
from services.ports import AlertChoices
from services.store import alerts
from services.store.notices import SqlNoticeStore
from services.store.tables import clubs, help_requests, notices
from tests.commands_support import run_in
from tests.notify.conftest import SignalStub, run_dispatcher
from tests.notify.test_coordinator_loop import _assignment
from tests.notify.test_notifier import approve_one
from tests.pages.support import Site, csrf_of

SIGNAL = "+447700900555"


def _choose(site: Site, **values: object) -> None:
    """As the coordinator's alerts page saves them: through the command, held to its rules."""
    chosen = alerts.DEFAULTS | {"signal_number": SIGNAL, "quiet_start": None, "quiet_end": None} | values
    with site.engine.begin() as conn:
        run_in(conn, SetAlertChoices(site.club_id, site.coordinator_id, AlertChoices(**chosen)))


def _alerts(site: Site) -> list[object]:
    with site.engine.connect() as conn:
        return list(conn.execute(select(notices).where(notices.c.kind.in_(("coord_alert", "coord_digest")))))


def test_a_decline_on_tomorrows_work_alerts_each_coordinator_once_by_email_and_signal(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    _choose(site)
    nia, request_id = approve_one(site)
    run_dispatcher(container)
    assignment_id = _assignment(site, nia)
    with site.engine.begin() as conn:
        run_in(conn, AnswerAssignment(site.club_id, nia, assignment_id, False, "Ill"))
    declined = next(e for e in site.outbox_events() if isinstance(e, AssignmentDeclined))
    before = len(smtp[1])
    run_dispatcher(container)
    mails = [m for m in smtp[1][before:] if m["To"] == site.coordinator_email]
    assert len(mails) == 1 and mails[0]["Subject"].startswith("Urgent: a place to fill on Lift to the picket")
    body = mails[0].get_payload()
    assert request_id in body and "waits for your approval" in body and "/c/" in body
    assert "Nia" not in body and "nia@example.org" not in body and "+447700900123" not in body
    texts = [r["json"] for r in signal_api.received if r["json"]["recipients"] == [SIGNAL]]
    assert len(texts) == 1 and "Urgent: a place to fill" in texts[0]["message"]
    assert container.alerts.on_event(declined) is False, "a redelivered decline alerts nobody again"
    assert len(_alerts(site)) == 2


def test_a_decline_on_work_next_week_waits_for_the_digest(site: Site, container: Container) -> None:
    _choose(site)
    nia, _ = site.add_member("Nia Hughes")
    far = site.add_request(hours_from_now=24 * 5, headcount=1)
    site.approve(site.propose([(far, 0, nia)]))
    run_dispatcher(container)
    assignment_id = _assignment(site, nia)
    with site.engine.begin() as conn:
        run_in(conn, AnswerAssignment(site.club_id, nia, assignment_id, False, ""))
    run_dispatcher(container)
    assert _alerts(site) == []


def test_quiet_hours_hold_an_alert_until_morning_unless_the_work_is_within_12_hours(
    site: Site, container: Container
) -> None:
    _choose(site, quiet_start=22, quiet_end=7, signal_number=None)
    with site.engine.begin() as conn:
        conn.execute(update(clubs).where(clubs.c.id == site.club_id).values(timezone="Europe/London"))
        c = alerts.recipients(conn, site.club_id)[0]
    night = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("Europe/London"))
    assert in_quiet(23, 22, 7) and in_quiet(3, 22, 7) and not in_quiet(7, 22, 7) and not in_quiet(12, 22, 7)
    assert held_until(c, night, night + timedelta(hours=30)) == datetime(2026, 12, 2, 7, tzinfo=UTC)
    assert held_until(c, night, night + timedelta(hours=6)) is None, "too soon to wait for morning"
    assert held_until(c, night.replace(hour=12), night + timedelta(hours=30)) is None
    # through the consumer, with the clock at night: an urgent empty place 30 h away is held
    request_id = site.add_request(hours_from_now=30, headcount=1, title="Court support")
    roster_id = site.propose([], unfilled=[(request_id, 0)])
    with site.engine.connect() as conn:
        starts = conn.execute(
            select(help_requests.c.starts_at).where(help_requests.c.id == request_id)
        ).scalar()
    assert starts is not None
    now = starts - timedelta(hours=30)
    event = RosterProposed(
        club_id=site.club_id, roster_id=roster_id, filled_slots=0, total_slots=1, objective=0
    )
    assert container.alerts.on_event(event, now=now)
    [row] = _alerts(site)
    expected = held_until(c, now, starts)
    assert row.subject.startswith("Urgent and still empty: Court support")  # type: ignore[attr-defined]
    assert row.next_attempt_at == expected  # type: ignore[attr-defined]
    again = RosterProposed(
        club_id=site.club_id, roster_id=roster_id, filled_slots=0, total_slots=1, objective=0
    )
    container.alerts.on_event(again, now=now)
    assert len(_alerts(site)) == 1, "one alert per empty request, however many proposals"


def test_the_digest_comes_once_at_the_chosen_hour_with_what_waits(
    site: Site, container: Container, smtp: tuple[int, list[Message]]
) -> None:
    _choose(site, digest_hour=8, signal_number=None)
    site.add_request(hours_from_now=24 * 10, headcount=1, title="Food bank shift")
    site.propose([])
    tz = ZoneInfo("UTC")
    with site.engine.connect() as conn:
        tz = ZoneInfo(alerts.timezone(conn, site.club_id))
    eight = datetime.now(tz).replace(hour=8, minute=5, second=0, microsecond=0)
    assert container.alerts.round(now=eight.replace(hour=9)) == 0, "not the chosen hour"
    assert container.alerts.round(now=eight) == 1
    assert container.alerts.round(now=eight + timedelta(minutes=30)) == 0, "once a day"
    [row] = _alerts(site)
    assert row.subject.startswith("Daily summary: a proposal to approve, 1 new requests")  # type: ignore[attr-defined]
    container.notifier.deliver()
    assert smtp[1][-1]["Subject"] == row.subject  # type: ignore[attr-defined]
    assert "Food bank shift" in smtp[1][-1].get_payload()


def test_the_alerts_page_keeps_the_choices_and_refuses_a_bad_number(site: Site) -> None:
    client = site.login()
    form = client.get("/c/alerts")
    assert form.status_code == 200 and "My alerts" in form.text
    fields = {
        "csrf": csrf_of(form.text),
        "email": "1",
        "signal_number": "07700",
        "immediate": "1",
        "digest_hour": "18",
        "quiet_start": "21",
        "quiet_end": "8",
        "unanswered_hours": "12",
    }
    bad = client.post("/c/alerts", data=fields)
    assert bad.status_code == 422 and "country code" in bad.text
    saved = client.post("/c/alerts", data=fields | {"signal_number": "+44 7700 900555"})
    assert saved.status_code == 200 and "saved" in saved.text
    with site.engine.connect() as conn:
        chosen = alerts.choices(conn, site.coordinator_id)
    assert chosen["signal_number"] == SIGNAL and chosen["digest_hour"] == 18 and chosen["quiet_end"] == 8
    nothing = client.post("/c/alerts", data=fields | {"email": "", "signal_number": ""})
    assert nothing.status_code == 422 and "somewhere to go" in nothing.text


def test_nothing_is_recorded_for_a_channel_this_server_cannot_send_on(site: Site) -> None:
    _choose(site, digest_hour=8)
    site.add_request(hours_from_now=24 * 10, headcount=1, title="Food bank shift")
    with site.engine.connect() as conn:
        tz = ZoneInfo(alerts.timezone(conn, site.club_id))
    email_only = CoordinatorAlerts(
        site.engine, SqlNoticeStore(site.engine), "https://club.example", channels=frozenset({"email"})
    )
    eight = datetime.now(tz).replace(hour=8, minute=5, second=0, microsecond=0)
    assert email_only.round(now=eight) == 1
    [row] = _alerts(site)
    assert row.channel == "email" and "The board: https://club.example/c/" in row.body  # type: ignore[attr-defined]
