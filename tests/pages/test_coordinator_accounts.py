"""Coordinators' accounts in the pages: several coordinators (invite, deactivate), password change,
sign-in throttling, the audit trail, and the "Are you sure?" steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from services.commands import DeactivateCoordinator, execute
from services.domain import Conflict
from services.store import accounts, audit, retention, tokens
from services.store.tables import audit_log, clubs, login_attempts, notices
from services.store.uow import SqlUnitOfWork
from tests.pages.support import PASSWORD, Site, confirm, csrf_of

NEW_PASSWORD = "plum tractor window sings"


def _login(client: TestClient, email: str, password: str, follow: bool = False) -> Response:
    form = client.get("/c/login")
    return client.post(
        "/c/login",
        data={"csrf": csrf_of(form.text), "email": email, "password": password},
        follow_redirects=follow,
    )


def _invite(site: Site, name: str = "Dee Second", email: str = "dee@example.org") -> tuple[str, str]:
    """Invite through the page, claim the link shown once; returns (coordinator id, email)."""
    page = site.client.get("/c/coordinators")
    invited = site.client.post(
        "/c/coordinators", data={"csrf": csrf_of(page.text), "name": name, "email": email}
    )
    assert invited.status_code == 201 and "shown only once" in invited.text
    path = (
        invited.text.split('id="link" class="copy" readonly value="')[1].split('"')[0].split("testserver")[1]
    )
    other = TestClient(site.client.app)
    claim = other.get(path)
    fields = {"name": name, "email": email, "password": PASSWORD, "password2": PASSWORD}
    claimed = other.post(path, data={"csrf": csrf_of(claim.text), **fields}, follow_redirects=False)
    assert claimed.status_code == 303, claimed.text
    with site.engine.connect() as conn:
        found = tokens.resolve(conn, path.rsplit("/", 1)[1])
    assert found is None, "the claim link works once"
    with site.engine.connect() as conn:
        (row,) = [c for c in accounts.club_coordinators(conn, site.club_id) if c["email"] == email]
    return str(row["id"]), email


def test_a_coordinator_invites_another_by_email_who_claims_the_link_and_is_listed(site: Site) -> None:
    site.login()
    _, email = _invite(site)
    listing = site.client.get("/c/coordinators").text
    assert "Dee Second" in listing and "Cai Coordinator" in listing and "(you)" in listing
    with site.engine.connect() as conn:
        mail = conn.execute(select(notices).where(notices.c.kind == "coordinator_invite")).one()
    assert mail.address == email and mail.channel == "email" and "/c/claim/" in mail.body
    assert "You are invited to coordinate Test club" in mail.subject
    other = TestClient(site.client.app)
    assert _login(other, email, PASSWORD).status_code == 303
    page = site.client.get("/c/coordinators")
    taken = site.client.post(
        "/c/coordinators", data={"csrf": csrf_of(page.text), "name": "Dee", "email": email.upper()}
    )
    assert taken.status_code == 422 and "already uses this email" in taken.text
    bad = site.client.post("/c/coordinators", data={"csrf": csrf_of(page.text), "name": "", "email": "x"})
    assert bad.status_code == 422 and 'id="e-name"' in bad.text and 'id="e-email"' in bad.text


def test_deactivating_a_coordinator_asks_first_and_ends_their_sessions_at_once(site: Site) -> None:
    site.login()
    dee, email = _invite(site)
    theirs = TestClient(site.client.app)
    _login(theirs, email, PASSWORD)
    assert theirs.get("/c/").status_code == 200
    asked = site.client.get(f"/c/coordinators/{dee}/deactivate")
    assert "Deactivate Dee Second?" in asked.text and "logged out at once" in asked.text
    unconfirmed = site.client.post(
        f"/c/coordinators/{dee}/deactivate", data={"csrf": csrf_of(asked.text)}, follow_redirects=False
    )
    assert unconfirmed.status_code == 200 and "Deactivate Dee Second?" in unconfirmed.text
    assert theirs.get("/c/").status_code == 200, "nothing happens before the yes"
    done = confirm(site.client, asked)
    assert "their sessions have ended" in done.text and "inactive" in done.text
    assert theirs.get("/c/").status_code == 403, "their session ended at once"
    assert _login(TestClient(site.client.app), email, PASSWORD).status_code == 401
    # never yourself: no button, and the post is refused
    assert f"/c/coordinators/{site.coordinator_id}/deactivate" not in done.text
    self_ = site.client.post(
        f"/c/coordinators/{site.coordinator_id}/deactivate",
        data={"csrf": csrf_of(done.text), "confirm": "1"},
    )
    assert self_.status_code == 409 and "cannot deactivate yourself" in self_.text
    assert site.client.get("/c/").status_code == 200
    elsewhere = site.client.get("/c/coordinators/coord-nobody/deactivate")
    assert elsewhere.status_code == 404


def test_the_last_active_coordinator_cannot_be_deactivated(site: Site) -> None:
    site.login()
    dee, _ = _invite(site)
    with site.engine.begin() as conn:
        accounts.deactivate(conn, site.coordinator_id)  # e.g. from the command line
    with pytest.raises(Conflict, match="at least one active"):
        execute(SqlUnitOfWork(site.engine), DeactivateCoordinator(site.club_id, dee, by=site.coordinator_id))


def test_changing_the_password_checks_the_policy_and_ends_the_other_sessions(site: Site) -> None:
    site.login()
    elsewhere = site.login(TestClient(site.client.app))
    page = site.client.get("/c/account")
    assert page.status_code == 200 and site.coordinator_email in page.text

    def change(current: str, new: str, again: str | None = None) -> Response:
        data = {
            "csrf": csrf_of(page.text),
            "current": current,
            "new_password": new,
            "new_password2": again or new,
        }
        return site.client.post("/c/account", data=data)

    cases = [
        (change("wrong password here", NEW_PASSWORD), "not your current password"),
        (change(PASSWORD, "short"), "at least 12 characters"),
        (change(PASSWORD, site.coordinator_email), "email address"),
        (change(PASSWORD, "password1234"), "most common"),
        (change(PASSWORD, "Qwertyuiop123!"), "most common"),
        (change(PASSWORD, NEW_PASSWORD, "something else entirely"), "differ"),
    ]
    for answer, words in cases:
        assert answer.status_code == 422 and words in answer.text, words
    assert elsewhere.get("/c/").status_code == 200, "refused changes end nothing"
    done = change(PASSWORD, NEW_PASSWORD)
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert site.client.get("/c/").status_code == 200, "this session stays"
    assert elsewhere.get("/c/").status_code == 403, "the other session ended"
    fresh = TestClient(site.client.app)
    assert _login(fresh, site.coordinator_email, PASSWORD).status_code == 401
    assert _login(fresh, site.coordinator_email, NEW_PASSWORD).status_code == 303


def test_five_failed_sign_ins_lock_the_email_for_a_quarter_of_an_hour(site: Site) -> None:
    email = site.coordinator_email
    attacker = TestClient(site.client.app, client=("203.0.113.7", 5000))
    for _ in range(accounts.MAX_FAILURES):
        assert _login(attacker, email, "guess guess guess").status_code == 401
    locked = _login(attacker, email, PASSWORD)
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
    # the right password from elsewhere is refused too while the email is locked ...
    owner = TestClient(site.client.app, client=("198.51.100.2", 5000))
    assert _login(owner, email, PASSWORD).status_code == 429
    # ... and the attacker's address is locked for every email
    assert _login(attacker, "someone@example.org", "x").status_code == 429
    with site.engine.connect() as conn:
        stored = {r.key_hash for r in conn.execute(select(login_attempts))}
        assert not any(email in key or "203.0.113.7" in key for key in stored), "hashes only"
        later = datetime.now(UTC) + accounts.LOCKOUT + timedelta(seconds=1)
        assert not accounts.locked(conn, email, "198.51.100.2", later), "the lock lasts 15 minutes"


def test_a_success_clears_the_emails_failures_and_an_unknown_email_costs_a_hash(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = site.coordinator_email
    for i in range(accounts.MAX_FAILURES - 1):
        _login(TestClient(site.client.app, client=(f"192.0.2.{i}", 1)), email, "nope nope nope")
    assert _login(TestClient(site.client.app, client=("192.0.2.50", 1)), email, PASSWORD).status_code == 303
    for i in range(accounts.MAX_FAILURES - 1):
        _login(TestClient(site.client.app, client=(f"192.0.2.{10 + i}", 1)), email, "nope nope nope")
    with site.engine.connect() as conn:
        assert not accounts.locked(conn, email, "192.0.2.99"), "the success cleared the earlier four"
        last = accounts.club_coordinators(conn, site.club_id)[0]["last_login_at"]
    assert last is not None and datetime.now(UTC) - last < timedelta(minutes=1)
    checked: list[str] = []
    real = accounts.verify_password

    def spy(password: str, encoded: str) -> bool:
        checked.append(encoded)
        return real(password, encoded)

    monkeypatch.setattr(accounts, "verify_password", spy)
    with site.engine.connect() as conn:
        assert accounts.authenticate(conn, "nobody@example.org", PASSWORD) is None
    assert checked == [accounts._DUMMY], "an unknown email is checked against a dummy hash"


def test_the_audit_trail_names_who_did_what_and_an_erased_member_reads_as_erased(site: Site) -> None:
    nia, _ = site.add_member("Nia Hughes")
    yusuf, _ = site.add_member("Yusuf Erasable")
    request_id = site.add_request()
    roster_id = site.propose([(request_id, 0, nia), (request_id, 1, yusuf)])
    board = site.login().get("/c/")
    asked = site.client.post(
        "/c/approve",
        data={"csrf": csrf_of(board.text), "roster_id": roster_id, "pin": f"{request_id}:0"},
    )
    confirm(site.client, asked)
    keys = site.client.get("/c/keys")
    made = site.client.post("/c/keys", data={"csrf": csrf_of(keys.text), "label": "Signal bot", "days": "30"})
    key_id = made.text.split('action="/c/keys/')[1].split("/revoke")[0]
    site.client.post(f"/c/keys/{key_id}/revoke", data={"csrf": csrf_of(keys.text)})
    erase = site.client.get(f"/c/members/{yusuf}/erase")
    site.client.post(f"/c/members/{yusuf}/erase", data={"csrf": csrf_of(erase.text)})
    members = site.client.get("/c/members")
    confirm(
        site.client, site.client.post(f"/c/members/{nia}/deactivate", data={"csrf": csrf_of(members.text)})
    )
    partners = site.client.get("/c/partners")
    confirm(
        site.client,
        site.client.post(f"/c/partners/{site.partner_id}/deactivate", data={"csrf": csrf_of(partners.text)}),
    )
    trail = site.client.get("/c/audit").text
    looks = ("signed in", "contact details")  # reads, tested below
    rows = [row for row in trail.split("<tr>")[2:] if not any(w in row for w in looks)]
    expected = [
        "cancelled a request of Tenants Union",  # with its partner, as if cancelled one by one
        "deactivated partner Tenants Union",
        "deactivated member Nia Hughes",
        "erased member Erased member",
        "revoked API key Signal bot",
        "made API key Signal bot",
        "approved the roster",
        "pinned Nia Hughes",
    ]
    for row, words in zip(rows, expected, strict=True):
        assert "Cai Coordinator" in row and words in row, (words, row)
    assert "Yusuf" not in trail
    with site.engine.connect() as conn:
        stored = [dict(r._mapping) for r in conn.execute(select(audit_log))]
    assert all(r["actor_id"] == site.coordinator_id and r["club_id"] == site.club_id for r in stored)
    assert {r["object_id"] for r in stored} >= {nia, yusuf, site.partner_id, roster_id, key_id}


def test_retention_prunes_audit_entries_older_than_the_clubs_days(site: Site) -> None:
    now = datetime.now(UTC)
    with site.engine.begin() as conn:
        days = conn.execute(select(clubs.c.retention_days).where(clubs.c.id == site.club_id)).scalar_one()
        for age in (days + 1, days - 1):
            audit.record(
                conn, site.club_id, site.coordinator_id, "roster.approve", "roster", f"ro-{age}",
                at=now - timedelta(days=age),
            )  # fmt: skip
    pruned = retention.apply(site.engine, now, stream_days=30)
    assert pruned.audit == 1
    with site.engine.connect() as conn:
        left = [r.object_id for r in conn.execute(select(audit_log))]
    assert left == [f"ro-{days - 1}"]


def test_a_member_is_asked_before_cancelling_a_place_they_accepted(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    request_id = site.add_request(30, 1, "Lift to the picket")
    site.approve(site.propose([(request_id, 0, member_id)]))
    site.dispatch()
    week = site.client.get(f"/m/{token}/")
    assignment_id = week.text.split('id="a-')[1].split('"')[0]
    csrf = csrf_of(week.text)
    site.client.post(f"/m/{token}/assignments/{assignment_id}/accept", data={"csrf": csrf})
    asked = site.client.post(
        f"/m/{token}/assignments/{assignment_id}/decline", data={"csrf": csrf, "reason": "ill <b>"}
    )
    assert "Cancel your place?" in asked.text and "Lift to the picket" in asked.text
    assert 'value="ill &lt;b&gt;"' in asked.text, "the reason is carried along, escaped"
    assert "You are going" in site.client.get(f"/m/{token}/").text, "nothing happens before the yes"
    done = confirm(site.client, asked)
    assert "we will find someone else" in done.text


def test_pages_need_a_session_and_the_forms_token(site: Site) -> None:
    anonymous = TestClient(site.client.app)
    for path in (
        "/c/coordinators",
        "/c/account",
        "/c/audit",
        f"/c/coordinators/{site.coordinator_id}/deactivate",
    ):
        assert anonymous.get(path).status_code == 403
    site.login()
    forged = site.client.post(
        "/c/coordinators", data={"csrf": "x", "name": "Eve", "email": "eve@example.org"}
    )
    assert forged.status_code == 403


def test_sign_ins_contact_reads_exports_and_new_links_are_on_the_audit_trail(site: Site) -> None:
    member_id, _ = site.add_member("Nia Hughes")
    client = site.login()
    page = client.get("/c/members")
    client.get("/c/report.csv")
    client.post(f"/c/members/{member_id}/rotate", data={"csrf": csrf_of(page.text)})
    trail = client.get("/c/audit").text
    for words in (
        "signed in",
        "read the members&#39; contact details",
        "exported the report",
        "made a new private link for Nia Hughes",
    ):
        assert words in trail, words
