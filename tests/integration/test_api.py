"""The JSON API against a real database: validation, authorisation, and nothing stored on error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from services.store.tables import help_requests, outbox
from tests.integration.conftest import Club

START = (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)


def request_body(**fields: Any) -> dict[str, Any]:
    body = {
        "kind": "court_support",
        "title": "Support at the magistrates",
        "place_name": "Cardiff Magistrates",
        "lat": 51.4816,
        "lon": -3.1791,
        "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(hours=3)).isoformat(),
        "headcount": 2,
        "skills": [],
        "lead_skills": ["court_support_trained"],
        "priority": 5,
    }
    return body | fields


def stored(club: Club) -> tuple[int, int]:
    with club.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(help_requests)).scalar_one(),
            conn.execute(select(func.count()).select_from(outbox)).scalar_one(),
        )


def test_a_partner_submits_reads_and_cancels_its_request(club: Club) -> None:
    partner = club.add_partner("Court Support")
    made = club.client.post("/api/partner/requests", json=request_body(), headers=partner)
    assert made.status_code == 201, made.text
    request = made.json()
    assert request["fill_state"] == "unfilled" and request["status"] == "open"
    listed = club.client.get("/api/partner/requests", headers=partner).json()
    assert [r["id"] for r in listed] == [request["id"]]
    cancelled = club.client.post(f"/api/partner/requests/{request['id']}/cancel", headers=partner)
    assert cancelled.json()["fill_state"] == "cancelled"
    again = club.client.post(f"/api/partner/requests/{request['id']}/cancel", headers=partner)
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]


def test_bad_requests_get_a_clear_422_and_store_nothing(club: Club) -> None:
    partner = club.add_partner("Court Support")
    before = stored(club)
    cases = {
        "ends_at must be after starts_at": request_body(ends_at=START.isoformat()),
        "nobody is sent alone": request_body(headcount=1),
        "passengers is only for lift": request_body(passengers=2),
        "Input should be 'lift'": request_body(kind="juggling"),
        "less than or equal to 90": request_body(lat=123.0),
        "timezone": request_body(starts_at="2026-03-03T09:00:00"),
        "starts_at is in the past": request_body(
            starts_at=(START - timedelta(days=3)).isoformat(), ends_at=(START - timedelta(days=2)).isoformat()
        ),
    }
    for expected, body in cases.items():
        answer = club.client.post("/api/partner/requests", json=body, headers=partner)
        assert answer.status_code == 422, (expected, answer.text)
        assert expected in answer.text, (expected, answer.text)
    assert stored(club) == before


def test_partners_never_see_each_others_requests(club: Club) -> None:
    first, second = club.add_partner("Food bank"), club.add_partner("Tenants union")
    request_id = club.client.post("/api/partner/requests", json=request_body(), headers=first).json()["id"]
    assert club.client.get(f"/api/partner/requests/{request_id}", headers=second).status_code == 404
    assert club.client.post(f"/api/partner/requests/{request_id}/cancel", headers=second).status_code == 404
    assert club.client.get("/api/partner/requests", headers=second).json() == []


def test_every_route_refuses_missing_wrong_and_revoked_tokens(club: Club) -> None:
    partner = club.add_partner("Food bank")
    member_id, member = club.add_member()
    routes = [
        ("get", "/api/partner/requests"),
        ("get", "/api/member/me"),
        ("get", "/api/member/assignments"),
        ("get", "/api/coordinator/members"),
        ("get", "/api/coordinator/rosters/proposed"),
    ]
    for method, path in routes:
        assert getattr(club.client, method)(path).status_code == 401, path
        assert getattr(club.client, method)(path, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert club.client.get("/api/coordinator/members", headers=member).status_code == 403
    assert club.client.get("/api/coordinator/members", headers=partner).status_code == 403
    assert club.client.get("/api/member/me", headers=partner).status_code == 403
    assert club.client.post("/api/partner/requests", json=request_body(), headers=member).status_code == 403
    deactivated = club.client.post(
        f"/api/coordinator/members/{member_id}/deactivate", headers=club.coordinator
    )
    assert deactivated.status_code == 204
    assert club.client.get("/api/member/me", headers=member).status_code == 401


def test_a_member_manages_profile_and_availability(club: Club) -> None:
    _, member = club.add_member()
    profile = club.client.get("/api/member/me", headers=member).json()
    assert profile["name"] == "Nia Hughes" and profile["car_seats"] == 3
    updated = club.client.put(
        "/api/member/me", json={**profile, "max_hours_week": 4, "id": None}, headers=member
    )
    assert updated.status_code == 422, "unknown fields are refused"
    fields = {k: v for k, v in profile.items() if k not in ("id", "active")}
    updated = club.client.put("/api/member/me", json=fields | {"max_hours_week": 4}, headers=member)
    assert updated.status_code == 200 and updated.json()["max_hours_week"] == 4
    bad = club.client.put(
        "/api/member/availability",
        json={"weekly": [{"weekday": 1, "start": "18:00", "end": "17:00"}]},
        headers=member,
    )
    assert bad.status_code == 422 and "end must be after start" in bad.text
    good = club.client.put(
        "/api/member/availability",
        headers=member,
        json={
            "weekly": [{"weekday": 1, "start": "18:00", "end": "22:00"}],
            "windows": [
                {"starts_at": START.isoformat(), "ends_at": (START + timedelta(hours=4)).isoformat()}
            ],
            "blackouts": [(START + timedelta(days=3)).date().isoformat()],
        },
    )
    assert good.status_code == 200, good.text
    assert good.json()["weekly"] == [{"weekday": 1, "start": "18:00", "end": "22:00"}]
    assert len(good.json()["windows"]) == 1 and len(good.json()["blackouts"]) == 1


def test_availability_in_the_shape_get_returned_before_is_still_taken(club: Club) -> None:
    _, member = club.add_member()
    in_minutes = {"weekly": [{"weekday": 5, "start_minute": 960, "end_minute": 1440}]}
    written = club.client.put("/api/member/availability", json=in_minutes, headers=member)
    assert written.status_code == 200, written.text
    assert written.json()["weekly"] == [{"weekday": 5, "start": "16:00", "end": "24:00"}]


def test_the_openapi_documents_the_error_answers(club: Club) -> None:
    paths = club.client.get("/openapi.json").json()["paths"]
    cancel = paths["/api/partner/requests/{request_id}/cancel"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= set(cancel)
    assert cancel["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    listed = paths["/api/partner/requests"]["get"]["responses"]
    assert {"401", "403"} <= set(listed) and "409" not in listed


def test_a_coordinator_sees_members_but_a_member_sees_only_themselves(club: Club) -> None:
    club.add_member(name="Owain Price", email="owain@example.org")
    _, member = club.add_member()
    names = [m["name"] for m in club.client.get("/api/coordinator/members", headers=club.coordinator).json()]
    assert names == ["Nia Hughes", "Owain Price"]
    assert "Owain" not in club.client.get("/api/member/me", headers=member).text
    assert club.client.get("/api/member/assignments", headers=member).json() == []


def test_metrics_show_the_engines_state_in_counts_only(club: Club) -> None:
    made = club.client.post(
        "/api/coordinator/members",
        json={"name": "Ola", "home_lat": 51.48, "home_lon": -3.18, "max_hours_week": 4},
        headers=club.coordinator,
    )
    assert made.status_code == 201, made.text
    answer = club.client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    for name in (
        "mechanic_outbox_backlog",
        "mechanic_dead_letters",
        "mechanic_notices_pending",
        "mechanic_solves_total",
    ):
        assert name in answer.text, name
    backlog = next(line for line in answer.text.splitlines() if line.startswith("mechanic_outbox_backlog "))
    assert float(backlog.split()[1]) >= 1, "the new member's event waits in the outbox (no dispatcher here)"
    assert "Ola" not in answer.text


def test_availability_read_back_can_be_written_back_unchanged(club: Club) -> None:
    made = club.client.post(
        "/api/coordinator/members",
        json={"name": "Ifan", "home_lat": 51.48, "home_lon": -3.18, "max_hours_week": 4},
        headers=club.coordinator,
    ).json()
    member = {"Authorization": f"Bearer {made['token']}"}
    declared = {
        "weekly": [{"weekday": 0, "start": "18:00", "end": "24:00"}],
        "windows": [],
        "blackouts": ["2030-01-07"],
    }
    assert club.client.put("/api/member/availability", json=declared, headers=member).status_code == 200
    read = club.client.get("/api/member/availability", headers=member).json()
    assert read["weekly"] == declared["weekly"]
    again = club.client.put("/api/member/availability", json=read, headers=member)
    assert again.status_code == 200, again.text
    assert again.json() == read


def test_the_api_docs_load_nothing_from_another_site(club: Club) -> None:
    page = club.client.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text
    assert "cdn" not in page.text.lower() and "http" not in page.text.replace("/openapi.json", "")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy, "no inline script needed"
    assert club.client.get("/redoc").status_code == 404


def test_api_answers_carry_the_security_headers_and_are_never_cached(club: Club) -> None:
    answer = club.client.get("/api/coordinator/members", headers=club.coordinator)
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert (
        answer.headers["x-content-type-options"] == "nosniff" and answer.headers["x-frame-options"] == "DENY"
    )
    assert (
        answer.headers["cache-control"] == "no-store" and answer.headers["referrer-policy"] == "same-origin"
    )
