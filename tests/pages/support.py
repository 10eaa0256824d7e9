"""Helpers for page tests: a club with a coordinator account, a partner and members, forms read like a
browser reads them (the CSRF token from the page), and a proposal stored without running the solver."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from events import AnyEvent, decode
from services.commands import ApproveRoster, execute
from services.domain import new_id
from services.handlers import handle
from services.ports import PlannedRoute, Proposal, Slot
from services.pump import pump_once
from services.store import accounts, writes
from services.store.outbox import OutboxRow
from services.store.outbox import unpublished as outbox_rows
from services.store.repositories import SqlRosters
from services.store.uow import SqlUnitOfWork
from tests.commands_support import create_club, declare_availability, register, submit

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
CONFIRM_RE = re.compile(r'<form method="post" action="([^"]+)" class="actions">(.*?)</form>', re.S)
MEMBER = {
    "share_first_name": True,
    "email": None,
    "phone": None,
    "skills": ["driver"],
    "home_place": "Cardiff",
    "home_lat": 51.48,
    "home_lon": -3.18,
    "max_hours_week": 10,
    "car_seats": 2,
    "max_travel_km": None,
    "liked_kinds": [],
    "refused_kinds": [],
    "refused_partners": [],
}


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


@dataclass
class Site:
    engine: Engine
    client: TestClient
    club_id: str
    coordinator_id: str
    coordinator_email: str
    partner_id: str
    partner_token: str
    members: dict[str, tuple[str, str]] = field(default_factory=dict)
    """name -> (member id, link token)"""

    def add_member(self, name: str, **values: Any) -> tuple[str, str]:
        with self.engine.begin() as conn:
            made = register(conn, self.club_id, MEMBER | {"name": name} | values)
        self.members[name] = made
        return made

    def free_every_day(self, member_id: str) -> None:
        with self.engine.begin() as conn:
            declare_availability(conn, self.club_id, member_id, [(d, 0, 24 * 60) for d in range(7)], [], [])

    def add_request(
        self,
        hours_from_now: int = 30,
        headcount: int = 2,
        title: str = "Lift to the picket",
        kind: str = "lift",
    ) -> str:
        start = (datetime.now(UTC) + timedelta(hours=hours_from_now)).replace(
            minute=0, second=0, microsecond=0
        )
        with self.engine.begin() as conn:
            return submit(
                conn,
                self.club_id,
                self.partner_id,
                {
                    "kind": kind,
                    "title": title,
                    "notes": "Bring a flask",
                    "place_name": "Depot",
                    "lat": 51.48,
                    "lon": -3.17,
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=2),
                    "headcount": headcount,
                    "skills": ["driver"],
                    "lead_skills": [],
                    "passengers": 0,
                    "priority": 4,
                },
            )

    def approve(self, roster_id: str) -> None:
        """Approve as a coordinator would, through the command."""
        execute(SqlUnitOfWork(self.engine), ApproveRoster(self.club_id, roster_id, self.coordinator_id))

    def propose(
        self,
        slots: list[tuple[str, int, str]] | list[tuple[str, int, str, bool]],
        unfilled: list[tuple[str, int]] = (),  # type: ignore[assignment]
        routes: tuple[PlannedRoute, ...] = (),
    ) -> str:
        """Store a proposal as the scheduler would (lift routes too), without running the solver.

        A slot may carry a fourth item, ``True`` when the solver kept it as a pin."""
        roster_id = new_id("ro")
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            SqlRosters(conn).add_proposal(
                Proposal(
                    roster_id=roster_id,
                    club_id=self.club_id,
                    horizon_start=now,
                    horizon_end=now + timedelta(days=7),
                    solve_status="OPTIMAL",
                    objective=0,
                    bound=0,
                    filled_slots=len(slots),
                    total_slots=len(slots) + len(unfilled),
                    wall_s=0.4,
                    entries=tuple(Slot(*slot) for slot in slots),
                    unfilled=tuple(
                        (r, i, "no_one_available", "Nobody with skill driver is free then")
                        for r, i in unfilled
                    ),
                    routes=routes,
                )
            )
        return roster_id

    def outbox_events(self) -> list[AnyEvent]:
        with self.engine.connect() as conn:
            return [decode(row.payload) for row in outbox_rows(conn, 100_000)]

    def dispatch(self) -> int:
        """Run the embedded dispatcher once: handlers see every outbox row written so far."""

        def sink(rows: list[OutboxRow]) -> None:
            for row in rows:
                handle("embedded", decode(row.payload), SqlUnitOfWork(self.engine))

        total = 0
        while delivered := pump_once(self.engine, sink, 500):
            total += delivered
        return total

    def invite_member(self, csrf: str, **fields: str) -> Response:
        """The coordinator's invite form, sent with ``fields`` over a valid member's values."""
        data = {
            "csrf": csrf,
            "name": "Zara Ali",
            "home_lat": "51.5",
            "home_lon": "-3.2",
            "max_hours_week": "6",
        }
        return self.client.post("/c/members", data=data | fields)

    def calendar_feed(self, token: str) -> str:
        """Make the member's calendar link as they would on their week page; returns its path."""
        week = self.client.get(f"/m/{token}/")
        made = self.client.post(f"/m/{token}/calendar", data={"csrf": csrf_of(week.text)})
        assert made.status_code == 200, made.text
        url = made.text.split('id="feed" readonly value="')[1].split('"')[0]
        return "/" + url.split("/", 3)[3]

    def login(self, client: TestClient | None = None) -> TestClient:
        client = client or self.client
        form = client.get("/c/login")
        answer = client.post(
            "/c/login",
            data={"csrf": csrf_of(form.text), "email": self.coordinator_email, "password": PASSWORD},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return client


def confirm(client: TestClient, asked: Response, **kwargs: Any) -> Response:
    """Answer an "Are you sure?" page as a person would: post its form, hidden fields and all."""
    assert asked.status_code == 200 and "No, go back" in asked.text, asked.text[:500]
    found = CONFIRM_RE.search(asked.text)
    assert found, "the page has a confirmation form"
    fields: dict[str, list[str]] = {}
    for name, value in HIDDEN_RE.findall(found.group(2)):
        fields.setdefault(name, []).append(html.unescape(value))
    return client.post(html.unescape(found.group(1)), data=fields, **kwargs)


def make_site(engine: Engine, client: TestClient) -> Site:
    with engine.begin() as conn:
        club_id, coordinator_token = create_club(conn, "Test club")
        from services.store import tokens

        coordinator_id = tokens.resolve(conn, coordinator_token).subject_id  # type: ignore[union-attr]
        email = f"coord-{uuid.uuid4().hex[:6]}@example.org"
        accounts.create_coordinator(conn, club_id, coordinator_id, email, "Cai Coordinator", PASSWORD)
        partner_id, partner_token = writes.add_partner(conn, club_id, "Tenants Union", None)
    return Site(engine, client, club_id, coordinator_id, email, partner_id, partner_token)


def solve_state(client: TestClient) -> dict[str, object]:
    """The board's poll answer, reduced to whether a solve is pending or failed."""
    state = client.get("/c/status.json").json()
    return {k: state[k] for k in ("pending", "failure")}
