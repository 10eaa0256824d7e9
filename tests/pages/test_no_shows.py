"""No-shows: a coordinator records, after a request has ended, that someone sent did not come; the
monthly report counts it, and nothing else can be marked."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.store.tables import assignments, help_requests, outbox
from tests.pages.support import Site, csrf_of


def sent_to(site: Site, name: str, hours_from_now: int) -> tuple[str, str]:
    """An approved assignment of ``name`` to a new request; returns (assignment id, the request's month)."""
    member_id = site.members[name][0] if name in site.members else site.add_member(name)[0]
    request_id = site.add_request(hours_from_now=hours_from_now, headcount=1)
    roster_id = site.propose([(request_id, 0, member_id)])
    site.approve(roster_id)
    site.dispatch()
    with site.engine.connect() as conn:
        assignment_id = conn.execute(
            select(assignments.c.id).where(assignments.c.request_id == request_id)
        ).scalar_one()
        starts = conn.execute(
            select(help_requests.c.starts_at).where(help_requests.c.id == request_id)
        ).scalar_one()
    return assignment_id, starts.astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m")


def test_a_no_show_is_recorded_once_and_counted_in_the_report(site: Site) -> None:
    missed, month = sent_to(site, "Nia Hughes", hours_from_now=-5)
    client = site.login()
    report = client.get(f"/c/report?month={month}")
    assert f"/c/assignments/{missed}/no-show" in report.text
    marked = client.post(
        f"/c/assignments/{missed}/no-show",
        data={"csrf": csrf_of(report.text), "month": month},
        follow_redirects=False,
    )
    assert marked.status_code == 303 and marked.headers["location"] == f"/c/report?month={month}#attendance"
    with site.engine.connect() as conn:
        assert (
            conn.execute(select(assignments.c.status).where(assignments.c.id == missed)).scalar() == "no_show"
        )
        types = list(conn.execute(select(outbox.c.type).where(outbox.c.type == "AssignmentNoShow")).scalars())
    assert types == ["AssignmentNoShow"]
    again = client.post(f"/c/assignments/{missed}/no-show", data={"csrf": csrf_of(report.text)})
    assert again.status_code == 409, "a no-show is recorded once"
    lines = client.get(f"/c/report.csv?month={month}").text.splitlines()
    assert "Nia Hughes,True,0,0.0,0,1,0" in lines, "counted as a no-show, not as work done"
    assert "No-show" in client.get(f"/c/report?month={month}").text


def test_work_that_has_not_ended_cannot_be_marked(site: Site) -> None:
    upcoming, month = sent_to(site, "Nia Hughes", hours_from_now=20)
    client = site.login()
    page = client.get(f"/c/report?month={month}")
    assert f"/c/assignments/{upcoming}/no-show" not in page.text
    refused = client.post(f"/c/assignments/{upcoming}/no-show", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 409 and "once the request has ended" in refused.text
    assert client.post("/c/assignments/nope/no-show", data={"csrf": csrf_of(page.text)}).status_code == 404


def test_marking_a_no_show_needs_a_coordinator_and_the_form_token(site: Site) -> None:
    missed, _ = sent_to(site, "Nia Hughes", hours_from_now=-5)
    assert site.client.post(f"/c/assignments/{missed}/no-show", data={"csrf": "x"}).status_code in (403, 303)
    client = site.login()
    assert client.post(f"/c/assignments/{missed}/no-show", data={"csrf": "forged"}).status_code == 403
    with site.engine.connect() as conn:
        assert (
            conn.execute(select(assignments.c.status).where(assignments.c.id == missed)).scalar() == "issued"
        )
