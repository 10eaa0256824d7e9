"""The authorisation matrix, generated from the app's own route table: every route has a rule saying
who may use it, so a new route without one fails here; then every route is called with every
credential it must refuse (nobody, the other roles, another partner or member of the same club,
another club's coordinator, deactivated and revoked holders) on objects they do not own, and must
answer 401, 403 or 404 with none of the owner's data."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.pages.security import MEMBER_COOKIE, MEMBER_SESSION, SESSION_COOKIE, link_csrf
from services.commands import DeactivateMember, DeactivatePartner
from services.store import accounts, member_signin, tokens, writes
from services.store.tables import assignments
from tests.commands_support import create_club, run_in
from tests.pages.support import PASSWORD, Site, csrf_of


class Audience(StrEnum):
    PUBLIC = "anyone"
    PARTNER_API = "partner (bearer)"
    MEMBER_API = "member (bearer)"
    COORDINATOR_API = "coordinator (API key)"
    PARTNER_LINK = "partner (private link)"
    MEMBER_LINK = "member (private link)"
    CALENDAR_LINK = "member's calendar (feed link)"
    COORDINATOR = "coordinator (session)"
    SIGNED_IN_API = "partner, member or coordinator (bearer)"


A = Audience
RULES: dict[str, Audience] = {
    "GET /metrics": A.PUBLIC,
    "GET /healthz": A.PUBLIC,
    "GET /readyz": A.PUBLIC,
    "GET /docs": A.PUBLIC,
    "POST /api/partner/requests": A.PARTNER_API,
    "GET /api/partner/requests": A.PARTNER_API,
    "GET /api/partner/requests/{request_id}": A.PARTNER_API,
    "POST /api/partner/requests/{request_id}/cancel": A.PARTNER_API,
    "PUT /api/partner/requests/{request_id}": A.PARTNER_API,
    "PATCH /api/partner/requests/{request_id}": A.PARTNER_API,
    "GET /api/member/me": A.MEMBER_API,
    "PUT /api/member/me": A.MEMBER_API,
    "GET /api/member/availability": A.MEMBER_API,
    "PUT /api/member/availability": A.MEMBER_API,
    "GET /api/member/assignments": A.MEMBER_API,
    "POST /api/member/assignments/{assignment_id}/accept": A.MEMBER_API,
    "POST /api/member/assignments/{assignment_id}/decline": A.MEMBER_API,
    "POST /api/coordinator/partners": A.COORDINATOR_API,
    "POST /api/coordinator/members": A.COORDINATOR_API,
    "GET /api/coordinator/members": A.COORDINATOR_API,
    "GET /api/places": A.SIGNED_IN_API,
    "POST /api/coordinator/members/{member_id}/deactivate": A.COORDINATOR_API,
    "POST /api/coordinator/members/{member_id}/invite": A.COORDINATOR_API,
    "GET /api/coordinator/attention": A.COORDINATOR_API,
    "POST /api/coordinator/assignments/{assignment_id}/chase": A.COORDINATOR_API,
    "GET /api/coordinator/requests": A.COORDINATOR_API,
    "GET /api/coordinator/assignments": A.COORDINATOR_API,
    "GET /api/coordinator/rosters/proposed": A.COORDINATOR_API,
    "GET /api/coordinator/rosters/approved": A.COORDINATOR_API,
    "GET /api/coordinator/rosters/{roster_id}": A.COORDINATOR_API,
    "POST /api/coordinator/rosters/{roster_id}/approve": A.COORDINATOR_API,
    "POST /api/coordinator/rosters/{roster_id}/swap": A.COORDINATOR_API,
    "POST /api/coordinator/rosters/{roster_id}/place": A.COORDINATOR_API,
    "DELETE /api/coordinator/pins/{request_id}/{member_id}": A.COORDINATOR_API,
    "DELETE /api/coordinator/removals/{request_id}/{member_id}": A.COORDINATOR_API,
    "GET /p/{token}/": A.PARTNER_LINK,
    "GET /p/{token}/new": A.PARTNER_LINK,
    "POST /p/{token}/new": A.PARTNER_LINK,
    "GET /p/{token}/requests/{request_id}": A.PARTNER_LINK,
    "POST /p/{token}/requests/{request_id}/cancel": A.PARTNER_LINK,
    "GET /p/{token}/requests/{request_id}/edit": A.PARTNER_LINK,
    "POST /p/{token}/requests/{request_id}/edit": A.PARTNER_LINK,
    "GET /p/{token}/webhook": A.PARTNER_LINK,
    "POST /p/{token}/webhook": A.PARTNER_LINK,
    "POST /p/{token}/webhook/remove": A.PARTNER_LINK,
    "GET /p/{token}/places": A.PARTNER_LINK,
    "GET /m/{token}/": A.MEMBER_LINK,
    "POST /m/{token}/assignments/{assignment_id}/lift": A.MEMBER_LINK,
    "POST /m/{token}/assignments/{assignment_id}/{answer}": A.MEMBER_LINK,
    "POST /m/{token}/calendar": A.MEMBER_LINK,
    "GET /m/{token}/availability": A.MEMBER_LINK,
    "POST /m/{token}/availability": A.MEMBER_LINK,
    "GET /m/{token}/profile": A.MEMBER_LINK,
    "POST /m/{token}/profile": A.MEMBER_LINK,
    "GET /m/{token}/places": A.MEMBER_LINK,
    "GET /cal/{token}/feed.ics": A.CALENDAR_LINK,
    "GET /c/login": A.PUBLIC,
    "POST /c/login": A.PUBLIC,
    "POST /c/logout": A.COORDINATOR,
    "GET /c/claim/{token}": A.PUBLIC,
    "POST /c/claim/{token}": A.PUBLIC,
    "GET /c/": A.COORDINATOR,
    "GET /c/status.json": A.COORDINATOR,
    "POST /c/approve": A.COORDINATOR,
    "POST /c/resolve": A.COORDINATOR,
    "POST /c/retention": A.COORDINATOR,
    "POST /c/self-signup": A.COORDINATOR,
    "GET /c/swap": A.COORDINATOR,
    "POST /c/swap": A.COORDINATOR,
    "GET /c/place": A.COORDINATOR,
    "POST /c/place": A.COORDINATOR,
    "POST /c/unpin": A.COORDINATOR,
    "POST /c/undo-removal": A.COORDINATOR,
    "POST /c/chase": A.COORDINATOR,
    "GET /c/members": A.COORDINATOR,
    "GET /c/partners": A.COORDINATOR,
    "POST /c/members": A.COORDINATOR,
    "POST /c/partners": A.COORDINATOR,
    "POST /c/{kind}/{subject_id}/rotate": A.COORDINATOR,
    "POST /c/members/{member_id}/invite": A.COORDINATOR,
    "POST /c/{kind}/{subject_id}/deactivate": A.COORDINATOR,
    "POST /c/partners/{partner_id}/webhook/remove": A.COORDINATOR,
    "GET /c/members/{member_id}/erase": A.COORDINATOR,
    "POST /c/members/{member_id}/erase": A.COORDINATOR,
    "GET /c/keys": A.COORDINATOR,
    "POST /c/keys": A.COORDINATOR,
    "POST /c/keys/{key_id}/revoke": A.COORDINATOR,
    "GET /c/report": A.COORDINATOR,
    "GET /c/report.csv": A.COORDINATOR,
    "GET /c/map": A.COORDINATOR,
    "GET /c/places": A.COORDINATOR,
    "POST /c/assignments/{assignment_id}/no-show": A.COORDINATOR,
    "GET /c/requests/new": A.COORDINATOR,
    "POST /c/requests/new": A.COORDINATOR,
    "GET /c/requests/{request_id}/edit": A.COORDINATOR,
    "POST /c/requests/{request_id}/edit": A.COORDINATOR,
    "GET /c/requests/{request_id}/cancel": A.COORDINATOR,
    "POST /c/requests/{request_id}/cancel": A.COORDINATOR,
    "GET /c/account": A.COORDINATOR,
    "POST /c/account": A.COORDINATOR,
    "GET /c/alerts": A.COORDINATOR,
    "POST /c/alerts": A.COORDINATOR,
    "GET /c/audit": A.COORDINATOR,
    "GET /c/coordinators": A.COORDINATOR,
    "POST /c/coordinators": A.COORDINATOR,
    "GET /c/coordinators/{coordinator_id}/deactivate": A.COORDINATOR,
    "POST /c/coordinators/{coordinator_id}/deactivate": A.COORDINATOR,
    "GET /c/forgot": A.PUBLIC,
    "POST /c/forgot": A.PUBLIC,
    "GET /c/reset/{token}": A.PUBLIC,
    "POST /c/reset/{token}": A.PUBLIC,
    "GET /m/{token}/offers": A.MEMBER_LINK,
    "POST /m/{token}/signout": A.MEMBER_LINK,
    "POST /m/{token}/offers": A.MEMBER_LINK,
    "GET /m/signin": A.PUBLIC,
    "POST /m/signin": A.PUBLIC,
    "GET /m/signin/{code}": A.PUBLIC,
    "POST /m/signin/{code}": A.PUBLIC,
}
"""Who may use each route. Link routes take their credential in the path ({token}); the others in
a bearer header or the coordinator's session cookie. A member signed in by a link from a message
uses the member-link routes with "me" for {token} and their session cookie."""

LINK_AUDIENCES = {A.PARTNER_LINK, A.MEMBER_LINK, A.CALENDAR_LINK}
OWNER_DATA = ("Nia Hughes", "Lift to the picket", "Depot", "Tenants Union", "07700 900555")


def app_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every route the app answers, routers included."""
    out: list[tuple[str, str]] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                out.extend((m, prefix + route.path) for m in sorted(route.methods or ()) if m != "HEAD")
            elif hasattr(route, "original_router"):  # FastAPI's lazily included routers
                walk(route.original_router.routes, prefix + route.include_context.prefix)

    walk(app.routes, "")
    return out


@dataclass(frozen=True)
class Credential:
    """One holder of one credential: how it is presented, and which audience it belongs to."""

    name: str
    audience: Audience | None
    token: str = "not-a-token"
    header: str | None = None
    session: str | None = None
    member_session: str | None = None
    csrf: str = ""
    owner: bool = False
    """True for the holder that owns the objects the paths name (they are not tested here: only
    refusals are)."""


@dataclass
class World:
    ids: dict[str, str]
    credentials: list[Credential]


def _session(site: Site, email: str) -> tuple[str, str]:
    client = TestClient(site.client.app)
    form = client.get("/c/login")
    client.post("/c/login", data={"csrf": csrf_of(form.text), "email": email, "password": PASSWORD})
    value = client.cookies.get(SESSION_COOKIE)
    assert value, "signed in"
    return value, csrf_of(client.get("/c/").text)


def _world(site: Site) -> World:
    owner_id, owner_token = site.add_member("Nia Hughes", phone="07700 900555")
    other_id, other_token = site.add_member("Owain Price")
    gone_id, gone_token = site.add_member("Cerys Lloyd")
    request_id = site.add_request()
    roster_id = site.propose([(request_id, 0, owner_id)])
    site.approve(roster_id)
    site.dispatch()
    calendar = site.calendar_feed(owner_token).split("/")[2]
    with site.engine.begin() as conn:
        _, other_partner_token = writes.add_partner(conn, site.club_id, "Food Bank", None)
        gone_partner, gone_partner_token = writes.add_partner(conn, site.club_id, "Gone Partner", None)
        run_in(conn, DeactivatePartner(site.club_id, gone_partner))
        run_in(conn, DeactivateMember(site.club_id, gone_id))
        key = tokens.issue(
            conn, "coordinator", site.club_id, site.coordinator_id, label="matrix", expires_at=None
        )
        key_id = str(tokens.api_keys(conn, site.club_id, site.coordinator_id)[0]["id"])
        expired = tokens.issue(
            conn,
            "coordinator",
            site.club_id,
            site.coordinator_id,
            "old",
            datetime.now(UTC) - timedelta(days=1),
        )
        elsewhere, elsewhere_token = create_club(conn, "Other club")
        elsewhere_id = tokens.resolve(conn, elsewhere_token).subject_id  # type: ignore[union-attr]
        elsewhere_email = f"other-{uuid.uuid4().hex[:6]}@example.org"
        accounts.create_coordinator(
            conn, elsewhere, elsewhere_id, elsewhere_email, "Other Coordinator", PASSWORD
        )
        elsewhere_key = tokens.issue(
            conn, "coordinator", elsewhere, elsewhere_id, label="theirs", expires_at=None
        )
        other_session = member_signin.redeem(conn, member_signin.issue(conn, site.club_id, other_id))
        assert other_session
        other_session_csrf = member_signin.read_session(conn, other_session).csrf  # type: ignore[union-attr]
        gone_session = member_signin.redeem(conn, member_signin.issue(conn, site.club_id, owner_id))
        member_signin.close_session(conn, gone_session or "")
        assignment_id = conn.execute(
            select(assignments.c.id).where(assignments.c.member_id == owner_id)
        ).scalar_one()
    own_session, own_csrf = _session(site, site.coordinator_email)
    their_session, their_csrf = _session(site, elsewhere_email)
    creds = [
        Credential("nobody", None),
        Credential("owner partner", A.PARTNER_LINK, site.partner_token, owner=True),
        Credential("owner partner (API)", A.PARTNER_API, header=f"Bearer {site.partner_token}", owner=True),
        Credential(
            "another partner", A.PARTNER_LINK, other_partner_token, csrf=link_csrf(other_partner_token)
        ),
        Credential("another partner (API)", A.PARTNER_API, header=f"Bearer {other_partner_token}"),
        Credential("deactivated partner", None, gone_partner_token, header=f"Bearer {gone_partner_token}"),
        Credential("owner member", A.MEMBER_LINK, owner_token, owner=True),
        Credential("owner member (API)", A.MEMBER_API, header=f"Bearer {owner_token}", owner=True),
        Credential("another member", A.MEMBER_LINK, other_token, csrf=link_csrf(other_token)),
        Credential("another member (API)", A.MEMBER_API, header=f"Bearer {other_token}"),
        Credential("deactivated member", None, gone_token, header=f"Bearer {gone_token}"),
        Credential(
            "another member (session)",
            A.MEMBER_LINK,
            MEMBER_SESSION,
            member_session=other_session,
            csrf=other_session_csrf,
        ),
        Credential("owner's ended session", None, MEMBER_SESSION, member_session=gone_session),
        Credential(
            "owner's calendar link", A.CALENDAR_LINK, calendar, header=f"Bearer {calendar}", owner=True
        ),
        Credential("coordinator", A.COORDINATOR, session=own_session, csrf=own_csrf, owner=True),
        Credential("coordinator (API key)", A.COORDINATOR_API, header=f"Bearer {key}", owner=True),
        Credential("expired API key", None, expired, header=f"Bearer {expired}"),
        Credential("other club's coordinator", A.COORDINATOR, session=their_session, csrf=their_csrf),
        Credential("other club's API key", A.COORDINATOR_API, header=f"Bearer {elsewhere_key}"),
    ]
    ids = {
        "request_id": request_id,
        "assignment_id": assignment_id,
        "roster_id": roster_id,
        "member_id": owner_id,
        "subject_id": owner_id,
        "partner_id": site.partner_id,
        "kind": "members",
        "answer": "accept",
        "key_id": key_id,
        "coordinator_id": site.coordinator_id,
    }
    return World(ids, creds)


def _body(path: str, ids: dict[str, str]) -> dict[str, Any]:
    """A valid body, so a refusal cannot hide behind a 422 for a missing field."""
    slot = {"request_id": ids["request_id"], "slot_index": 0}
    if path.endswith("/swap"):
        return {"first": slot, "second": slot}
    if path.endswith("/place"):
        return slot | {"member_id": ids["member_id"]}
    if path == "/api/partner/requests/{request_id}":  # a whole request, for PUT and PATCH alike
        start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
        return {
            "kind": "lift",
            "title": "Lift to the picket",
            "place_name": "Depot",
            "lat": 51.48,
            "lon": -3.17,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "headcount": 1,
            "priority": 3,
        }
    return {}


def _refused(credential: Credential, audience: Audience, path: str) -> bool:
    """Must this credential be refused on this route? The owner never is (not tested); a holder of
    the route's own kind is refused only where the path names the owner's objects."""
    if audience is A.SIGNED_IN_API:
        return credential.audience not in (A.PARTNER_API, A.MEMBER_API, A.COORDINATOR_API)
    if credential.owner and credential.audience == audience:
        return False
    if credential.audience != audience:
        return True
    return bool(set(re.findall(r"{(\w+)}", path)) - {"token"})


def test_every_route_has_a_rule(site: Site) -> None:
    routes = {f"{m} {p}" for m, p in app_routes(site.client.app)}
    unruled = sorted(routes - set(RULES))
    assert not unruled, f"routes without an authorisation rule (add them to RULES): {unruled}"
    assert not sorted(set(RULES) - routes), "rules for routes that no longer exist"


def test_every_route_refuses_everyone_it_must(site: Site) -> None:
    world = _world(site)
    for key, audience in sorted(RULES.items()):
        if audience is not A.PUBLIC:
            _check_refusals(site, world, key, audience)


def _check_refusals(site: Site, world: World, key: str, audience: Audience) -> None:
    method, path = key.split(" ", 1)
    checked = 0
    for cred in world.credentials:
        if not _refused(cred, audience, path):
            continue
        url = path.format(**world.ids, token=cred.token if audience in LINK_AUDIENCES else "not-a-token")
        client = TestClient(site.client.app)
        if cred.session:
            client.cookies.set(SESSION_COOKIE, cred.session)
        if cred.member_session:
            client.cookies.set(MEMBER_COOKIE, cred.member_session)
        headers = {"Authorization": cred.header} if cred.header else {}
        kwargs: dict[str, Any] = {"headers": headers}
        if method in ("POST", "PUT", "PATCH"):
            if path.startswith("/api/"):
                kwargs["json"] = _body(path, world.ids)
            else:
                kwargs["data"] = {"csrf": cred.csrf or link_csrf(cred.token)}
        answer = client.request(method, url, follow_redirects=False, **kwargs)
        assert answer.status_code in (401, 403, 404), (key, cred.name, answer.status_code, answer.text[:300])
        leaked = [s for s in OWNER_DATA if s in answer.text]
        assert not leaked, (key, cred.name, leaked)
        checked += 1
    assert checked >= 3, f"{key}: too few refusals checked ({checked})"
