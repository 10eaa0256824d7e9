"""Changing and cancelling requests after they were sent: by the partner on its page and through the
API, by a coordinator from the board; one date or a weekly series; the people on a changed request
told what changed, places beyond a lowered headcount withdrawn with their reason on the audit trail;
past, under-way and cancelled requests refused in words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from events import AssignmentChanged, AssignmentWithdrawn, RequestCancelled, RequestChanged
from services.commands import CancelRequest, EditRequest, execute
from services.domain import Conflict
from services.store.request_rows import SqlRequests
from services.store.tables import assignments, audit_log, help_requests, pins
from services.store.uow import SqlUnitOfWork
from tests.pages.support import Site, csrf_of
from tests.pages.test_partner_pages import form

TZ = ZoneInfo("Europe/London")
DAY = date.today() + timedelta(days=3)


def _series(site: Site, weeks: int = 3) -> list[str]:
    sent = site.client.post(
        f"/p/{site.partner_token}/new",
        data=form(site, repeat_until=(DAY + timedelta(weeks=weeks - 1)).isoformat()),
    )
    assert sent.status_code == 200, sent.text[:300]
    with site.engine.connect() as conn:
        rows = conn.execute(
            select(help_requests.c.id, help_requests.c.series_id).order_by(help_requests.c.starts_at)
        ).all()
    assert len(rows) == weeks and len({r.series_id for r in rows}) == 1 and rows[0].series_id
    return [r.id for r in rows]


def _assigned(site: Site, request_id: str, *names: str) -> dict[str, str]:
    """Members on the request through an approved roster; returns name -> assignment id."""
    ids = {}
    for name in names:
        member_id, _ = site.add_member(name)
        ids[name] = member_id
    site.approve(site.propose([(request_id, i, m) for i, m in enumerate(ids.values())]))
    site.dispatch()
    with site.engine.connect() as conn:
        rows = conn.execute(select(assignments.c.id, assignments.c.member_id)).all()
    by_member = {r.member_id: r.id for r in rows}
    return {name: by_member[m] for name, m in ids.items()}


def _values(site: Site, request_id: str, **changes: object) -> dict[str, object]:
    with site.engine.connect() as conn:
        found = SqlRequests(conn).get(site.club_id, request_id)
    assert found is not None
    return {**found.fields, "pickups": list(found.pickups)} | changes


def _edit_form(site: Site, request_id: str, base: str, **fields: str) -> dict[str, str]:
    page = site.client.get(f"{base}/requests/{request_id}/edit")
    assert page.status_code == 200, page.text[:300]
    values = form(site) | fields
    values["csrf"] = csrf_of(page.text)
    return values


def test_the_edit_command_tells_the_people_on_the_request_and_withdraws_places_no_longer_needed(
    site: Site,
) -> None:
    request_id = site.add_request(hours_from_now=30, headcount=2)
    placed = _assigned(site, request_id, "Nia Hughes", "Owain Price")
    with site.engine.begin() as conn:
        conn.execute(
            update(assignments).where(assignments.c.id == placed["Nia Hughes"]).values(status="accepted")
        )
    before = len(site.outbox_events())
    start = _values(site, request_id)["starts_at"]
    assert isinstance(start, datetime)
    changed = execute(
        SqlUnitOfWork(site.engine),
        EditRequest(
            site.club_id,
            request_id,
            _values(
                site,
                request_id,
                headcount=1,
                starts_at=start + timedelta(hours=1),
                ends_at=start + timedelta(hours=3),
            ),
            partner_id=site.partner_id,
        ),
    )
    assert changed == [request_id]
    new = site.outbox_events()[before:]
    assert [(type(e), getattr(e, "changes", None)) for e in new if isinstance(e, RequestChanged)] == [
        (RequestChanged, ["time", "headcount"])
    ]
    told = [e for e in new if isinstance(e, AssignmentChanged)]
    assert [(e.assignment_id, e.changes) for e in told] == [(placed["Nia Hughes"], ["time", "headcount"])]
    gone = [e for e in new if isinstance(e, AssignmentWithdrawn)]
    assert [(e.assignment_id, e.reason) for e in gone] == [(placed["Owain Price"], "fewer_needed")]
    with site.engine.connect() as conn:
        status = dict(conn.execute(select(assignments.c.id, assignments.c.status)).all())
        trail = conn.execute(select(audit_log.c.action, audit_log.c.actor_id)).all()
    assert status == {placed["Nia Hughes"]: "issued", placed["Owain Price"]: "withdrawn"}, (
        "an accepted answer to a time that moved is asked for again"
    )
    assert {tuple(t) for t in trail} - {("roster.approve", site.coordinator_id)} == {
        ("request.edit", site.partner_id),
        ("assignment.fewer_needed", site.partner_id),
    }


def test_an_edit_that_changes_nothing_writes_nothing(site: Site) -> None:
    request_id = site.add_request()
    before = len(site.outbox_events())
    assert (
        execute(SqlUnitOfWork(site.engine), EditRequest(site.club_id, request_id, _values(site, request_id)))
        == []
    )
    assert len(site.outbox_events()) == before


def test_past_under_way_cancelled_and_other_partners_requests_are_refused_in_words(site: Site) -> None:
    request_id = site.add_request(hours_from_now=30)
    uow = SqlUnitOfWork(site.engine)
    try:
        execute(uow, EditRequest(site.club_id, request_id, _values(site, request_id), partner_id="p-other"))
    except LookupError:
        pass
    else:
        raise AssertionError("another partner's request must not be found")
    now = datetime.now(UTC)
    for starts, ends, words in (
        (now - timedelta(hours=3), now - timedelta(hours=1), "This request is over"),
        (now - timedelta(hours=1), now + timedelta(hours=1), "This request has already begun"),
    ):
        with site.engine.begin() as conn:
            conn.execute(
                update(help_requests)
                .where(help_requests.c.id == request_id)
                .values(starts_at=starts, ends_at=ends)
            )
        for command in (
            EditRequest(site.club_id, request_id, _values(site, request_id, title="New")),
            CancelRequest(site.club_id, request_id),
        ):
            try:
                execute(SqlUnitOfWork(site.engine), command)
            except Conflict as refused:
                assert str(refused).startswith(words)
            else:
                raise AssertionError(f"{command} must be refused")
    page = site.client.get(f"/p/{site.partner_token}/requests/{request_id}/edit")
    assert page.status_code == 409 and "already begun" in page.text


def test_a_partner_changes_a_request_on_its_page_and_the_members_on_it_are_told(site: Site) -> None:
    sent = site.client.post(f"/p/{site.partner_token}/new", data=form(site), follow_redirects=False)
    request_id = sent.headers["location"].split("/requests/")[1].split("?")[0]
    placed = _assigned(site, request_id, "Nia Hughes")
    base = f"/p/{site.partner_token}"
    detail = site.client.get(f"{base}/requests/{request_id}")
    assert "Change this request" in detail.text
    page = site.client.get(f"{base}/requests/{request_id}/edit")
    assert 'value="Cook for the branch meeting"' in page.text and 'value="18:00"' in page.text
    assert "Repeat every week until" not in page.text, "an edit keeps its dates"
    bad = site.client.post(
        f"{base}/requests/{request_id}/edit",
        data=_edit_form(site, request_id, base, title="", ends_at="", headcount="0"),
    )
    assert bad.status_code == 422 and "Please check 3 things" in bad.text, "every error at once"
    done = site.client.post(
        f"{base}/requests/{request_id}/edit",
        data=_edit_form(
            site, request_id, base, starts_at="19:00", ends_at="21:00", place_name="Canton Library"
        ),
    )
    assert done.status_code == 200 and "Your changes are saved" in done.text
    assert "Canton Library" in done.text
    with site.engine.connect() as conn:
        row = conn.execute(select(help_requests.c.starts_at, help_requests.c.place_name)).one()
    assert row.starts_at.astimezone(TZ).hour == 19 and row.place_name == "Canton Library"
    told = [e for e in site.outbox_events() if isinstance(e, AssignmentChanged)]
    assert [(e.assignment_id, e.changes) for e in told] == [(placed["Nia Hughes"], ["time", "place"])]


def test_a_partner_edits_a_series_from_one_date_on_through_the_page(site: Site) -> None:
    ids = _series(site, weeks=3)
    base = f"/p/{site.partner_token}"
    page = site.client.get(f"{base}/requests/{ids[1]}/edit")
    assert "This request is one of a weekly series" in page.text
    done = site.client.post(
        f"{base}/requests/{ids[1]}/edit",
        data=_edit_form(
            site,
            ids[1],
            base,
            day=(DAY + timedelta(weeks=1)).isoformat(),
            starts_at="17:30",
            ends_at="19:30",
            scope="following",
        ),
    )
    assert done.status_code == 200, done.text[:300]
    with site.engine.connect() as conn:
        starts = dict(conn.execute(select(help_requests.c.id, help_requests.c.starts_at)).all())
    assert [starts[i].astimezone(TZ).strftime("%H:%M") for i in ids] == ["18:00", "17:30", "17:30"]
    assert [starts[i].astimezone(TZ).date() for i in ids] == [DAY + timedelta(weeks=w) for w in range(3)]


def test_the_api_puts_and_patches_a_request_and_documents_its_answers(site: Site) -> None:
    ids = _series(site, weeks=2)
    headers = {"Authorization": f"Bearer {site.partner_token}"}
    api = site.client
    patched = api.patch(
        f"/api/partner/requests/{ids[0]}?scope=all",
        json={"headcount": 3, "notes": "Bring aprons"},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["changed"] == ids and patched.json()["request"]["headcount"] == 3
    whole = api.get(f"/api/partner/requests/{ids[1]}", headers=headers).json()
    assert whole["headcount"] == 3 and whole["notes"] == "Bring aprons"
    body = {
        k: whole[k]
        for k in (
            "kind",
            "title",
            "notes",
            "place_name",
            "lat",
            "lon",
            "starts_at",
            "ends_at",
            "skills",
            "priority",
        )
    }
    put = api.put(f"/api/partner/requests/{ids[1]}", json=body | {"headcount": 2}, headers=headers)
    assert put.status_code == 200 and put.json()["changed"] == [ids[1]]
    wrong = api.patch(
        f"/api/partner/requests/{ids[1]}", json={"ends_at": whole["starts_at"]}, headers=headers
    )
    assert wrong.status_code == 422 and "ends_at must be after starts_at" in wrong.text
    assert api.patch("/api/partner/requests/r-nope", json={}, headers=headers).status_code == 404
    cancelled = api.post(f"/api/partner/requests/{ids[0]}/cancel?scope=all", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    refused = api.patch(f"/api/partner/requests/{ids[1]}", json={"headcount": 1}, headers=headers)
    assert refused.status_code == 409 and "already cancelled" in refused.json()["detail"]
    paths = api.get("/openapi.json").json()["paths"]["/api/partner/requests/{request_id}"]
    for method in ("put", "patch"):
        assert {"401", "403", "404", "409", "422"} <= set(paths[method]["responses"])


def test_a_coordinator_changes_and_cancels_a_series_from_the_board_after_confirming(site: Site) -> None:
    ids = _series(site, weeks=3)
    site.login()
    site.propose([], unfilled=[(ids[0], 0)])
    board = site.client.get("/c/")
    assert (
        f'href="/c/requests/{ids[0]}/edit"' in board.text
        and f'href="/c/requests/{ids[0]}/cancel"' in board.text
    )
    edit = site.client.get(f"/c/requests/{ids[0]}/edit")
    assert edit.status_code == 200 and "Change the request" in edit.text
    done = site.client.post(
        f"/c/requests/{ids[0]}/edit",
        data=form(site, csrf=csrf_of(edit.text), headcount="2", scope="all"),
    )
    assert done.status_code == 200 and "The request is changed" in done.text
    with site.engine.connect() as conn:
        counts = conn.execute(select(help_requests.c.headcount)).scalars().all()
        trail = conn.execute(select(audit_log.c.action, audit_log.c.actor_id)).all()
    assert counts == [2, 2, 2]
    assert [tuple(t) for t in trail].count(("request.edit", site.coordinator_id)) == 3
    asked = site.client.get(f"/c/requests/{ids[1]}/cancel")
    assert "Cancel “Cook for the branch meeting”?" in asked.text and "3 dates still to come" in asked.text
    unconfirmed = site.client.post(
        f"/c/requests/{ids[1]}/cancel", data={"csrf": csrf_of(asked.text), "scope": "following"}
    )
    assert unconfirmed.status_code == 200 and "Yes, cancel" in unconfirmed.text
    with site.engine.connect() as conn:
        assert set(conn.execute(select(help_requests.c.status)).scalars()) == {"open"}, (
            "nothing before confirming"
        )
    cancelled = site.client.post(
        f"/c/requests/{ids[1]}/cancel",
        data={"csrf": csrf_of(asked.text), "scope": "following", "confirm": "1"},
    )
    assert cancelled.status_code == 200 and "Cancelled: the partner sees it" in cancelled.text
    with site.engine.connect() as conn:
        status = dict(conn.execute(select(help_requests.c.id, help_requests.c.status)).all())
    assert [status[i] for i in ids] == ["open", "cancelled", "cancelled"]
    events = [e for e in site.outbox_events() if isinstance(e, RequestCancelled)]
    assert sorted(e.request_id for e in events) == sorted(ids[1:])
    audit = site.client.get("/c/audit").text
    assert "cancelled a request of" in audit and "changed a request of" in audit


def test_an_offer_shows_as_an_offer_on_the_board(site: Site) -> None:
    nia, token = site.add_member("Nia Hughes")
    site.free_every_day(nia)
    request_id = site.add_request(hours_from_now=26, headcount=1)
    site.propose([], unfilled=[(request_id, 0)])
    page = site.client.get(f"/m/{token}/offers")
    sent = site.client.post(
        f"/m/{token}/offers", data={"csrf": csrf_of(page.text), "request_id": request_id, "slot_index": "0"}
    )
    assert sent.status_code == 200
    with site.engine.connect() as conn:
        assert conn.execute(select(pins.c.pinned_by)).scalar_one() == nia
    site.propose([(request_id, 0, nia)])
    site.login()
    board = site.client.get("/c/").text
    assert "offered by Nia" in board and "Nia Hughes offered to help on" in board
