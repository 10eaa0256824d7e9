"""No secret reaches a log: a real `mechanic up` at DEBUG, used through its pages
and API with real private links, a coordinator's password, a member's phone and email, and a partner
webhook whose path is secret; then every line the process wrote is searched for them."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from tests.e2e_support import bearer, embedded_process, lift_request, tomorrow_at, wait_for
from tests.notify.conftest import serving
from tests.pages.support import PASSWORD, csrf_of

PHONE = "+44 7700 900461"
EMAIL = "quiet.member@example.org"
COORDINATOR_EMAIL = "keeper@example.org"
HOOK_PATH = "/hooks/s3cr3t-partner-path"


class Refusing(BaseHTTPRequestHandler):
    """A partner's webhook that always fails, so the failure (and its URL) is logged."""

    def do_POST(self) -> None:
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    with serving(Refusing) as base:
        yield base + HOOK_PATH


def exercise(http: httpx.Client, coordinator_token: str, hook_url: str) -> list[str]:
    """Every role through pages and API; returns the secrets used."""
    coordinator = bearer(coordinator_token)
    partner = http.post("/api/coordinator/partners", json={"name": "Anti-raids"}, headers=coordinator)
    member = http.post(
        "/api/coordinator/members",
        headers=coordinator,
        json={
            "name": "Quiet Member",
            "email": EMAIL,
            "phone": PHONE,
            "home_lat": 51.48,
            "home_lon": -3.18,
            "max_hours_week": 5,
        },
    )
    assert partner.status_code == member.status_code == 201, (partner.text, member.text)
    partner_token, member_token = partner.json()["token"], member.json()["token"]

    assert http.get("/api/member/me", headers=bearer(member_token)).status_code == 200
    for path in ("/", "/availability", "/profile"):  # a first visit is led through setup: follow it
        assert http.get(f"/m/{member_token}{path}", follow_redirects=True).status_code == 200, path
    assert http.get("/m/not-a-real-token-but-secret/").status_code == 404

    made = http.post(
        "/api/partner/requests",
        headers=bearer(partner_token),
        json=lift_request("Lift to court", tomorrow_at(10), headcount=1, priority=3),
    )
    assert made.status_code == 201, made.text
    hook_page = http.get(f"/p/{partner_token}/webhook")
    registered = http.post(
        f"/p/{partner_token}/webhook", data={"csrf": csrf_of(hook_page.text), "url": hook_url}
    )
    assert registered.status_code == 201, registered.text
    request_id = made.json()["id"]
    cancelled = http.post(
        f"/p/{partner_token}/requests/{request_id}/cancel", data={"csrf": csrf_of(hook_page.text)}
    )
    assert cancelled.status_code == 303

    assert http.get("/api/coordinator/members", headers=coordinator).status_code == 200
    claim = http.get(f"/c/claim/{coordinator_token}")  # claiming revokes the link: it comes last
    claimed = http.post(
        f"/c/claim/{coordinator_token}",
        data={
            "csrf": csrf_of(claim.text),
            "name": "Keeper",
            "email": COORDINATOR_EMAIL,
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert claimed.status_code == 303, claimed.text
    login = http.get("/c/login")
    logged_in = http.post(
        "/c/login", data={"csrf": csrf_of(login.text), "email": COORDINATOR_EMAIL, "password": PASSWORD}
    )
    assert logged_in.status_code == 303, logged_in.text
    assert http.get("/c/").status_code == 200
    return [coordinator_token, partner_token, member_token, "not-a-real-token-but-secret", PASSWORD]


def test_no_secret_in_logs_at_debug(tmp_path: Path, hook_url: str) -> None:
    debug = {
        "MECHANIC_LOG_LEVEL": "DEBUG",
        "MECHANIC_NOTIFY_INTERVAL_S": "0.5",
        "MECHANIC_WEBHOOK_ALLOW_HTTP": "true",
        "MECHANIC_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
    }
    with embedded_process(tmp_path, "Log club", env_extra=debug) as app:
        log = tmp_path / "up.log"
        with httpx.Client(base_url=app.url, timeout=10) as http:
            secrets = exercise(http, app.coordinator_token, hook_url)
        wait_for("the failed webhook call to be logged", lambda: "notify.failed" in log.read_text())
    text = log.read_text()
    assert "GET /m/<redacted>/availability" in text, "the access log is on at DEBUG, redacted"
    assert "POST /c/claim/<redacted>" in text
    for secret in [*secrets, PHONE, EMAIL, COORDINATOR_EMAIL, HOOK_PATH.split("/")[-1]]:
        assert secret not in text, f"{secret!r} leaked into the log"


def test_no_secret_in_the_api_process_logs_at_debug(tmp_path: Path) -> None:
    """`mechanic api` (Kafka mode's web process) starts uvicorn its own way; the same rule holds."""
    with embedded_process(tmp_path, "Log club", {"MECHANIC_LOG_LEVEL": "DEBUG"}, command="api") as app:
        coordinator = bearer(app.coordinator_token)
        with httpx.Client(base_url=app.url, timeout=10) as http:
            partner = http.post("/api/coordinator/partners", json={"name": "P"}, headers=coordinator)
            assert partner.status_code == 201, partner.text
            token = partner.json()["token"]
            http.get(f"/p/{token}/")
            http.get("/api/partner/requests", headers=bearer(token))
            assert http.get(f"/c/claim/{app.coordinator_token}").status_code == 200
    text = (tmp_path / "up.log").read_text()
    assert "GET /c/claim/<redacted>" in text and "GET /p/<redacted>/" in text
    assert app.coordinator_token not in text and token not in text
