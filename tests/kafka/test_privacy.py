"""Privacy in Kafka mode, with real processes (api, relay, worker, notify), Kafka and PostgreSQL.

- No secret reaches any process's log at DEBUG: the end-to-end scenario (a roster planned and
  approved through the topics) plus every role through pages and API, then each log is searched for
  every token, the coordinator's password, members' phones and emails and a webhook's secret path.
- An erased member leaves nothing on the topics: every topic is read from offset 0 with a plain
  consumer, and the member's name, contacts and home coordinates appear in no record (events carry
  ids only; the member's id does appear, which shows the search reads the right records).
- The topics keep events no longer than the retention the clubs get by default.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import ConfigResource

from events import ALL_TOPICS
from services.homes import coarse
from services.store.tables import clubs
from tests.commands_support import create_club
from tests.e2e_support import (
    MECHANIC,
    add_drivers,
    approve,
    bearer,
    free_port,
    healthy,
    lift_request,
    proposal_covering,
    tomorrow_at,
    wait_for,
)
from tests.integration.test_log_privacy import COORDINATOR_EMAIL, EMAIL, HOOK_PATH, PHONE, Refusing, exercise
from tests.kafka.conftest import KafkaStack
from tests.kafka.support import Process
from tests.notify.conftest import serving

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

ERASED = {
    "name": "Zephyrine Quillfeather",
    "email": "zephyrine.q@example.org",
    "phone": "+44 7700 900777",
    "home_lat": 51.49137,
    "home_lon": -3.16921,
}


@pytest.fixture
def hook_url() -> Iterator[str]:
    with serving(Refusing) as base:
        yield base + HOOK_PATH


def _api(stack: KafkaStack) -> str:
    """`mechanic api` as its own process (uvicorn's access log included); returns its address."""
    port = free_port()
    stack.processes.append(Process.start("api", ["api", "--port", str(port)], stack.env, stack.workdir))
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=5) as http:
        wait_for("the api to answer", lambda: healthy(http), timeout_s=60)
    return url


def _planned_and_approved(
    http: httpx.Client, stack: KafkaStack, coordinator: dict[str, str], drivers: int
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """``drivers`` drivers and a partner with three requests of two, planned through the topics and
    approved; returns the drivers' auth headers by member id and the partner's."""
    partner = http.post("/api/coordinator/partners", json={"name": "Tenants Union"}, headers=coordinator)
    assert partner.status_code == 201, partner.text
    partner_auth = bearer(partner.json()["token"])
    members = add_drivers(http, coordinator, drivers, max_hours_week=20)
    request_ids = []
    for hour in (9, 13, 17):
        made = http.post(
            "/api/partner/requests",
            headers=partner_auth,
            json=lift_request(f"Lift at {hour}", tomorrow_at(hour), headcount=2, priority=4),
        )
        assert made.status_code == 201, made.text
        request_ids.append(made.json()["id"])
    wait_for("a proposal", lambda: proposal_covering(http, coordinator, request_ids), timeout_s=90)
    wait_for("the worker to settle", stack.settled, timeout_s=90)
    proposed = proposal_covering(http, coordinator, request_ids)
    assert proposed is not None
    approve(http, coordinator, proposed["id"])
    wait_for("the approval to go through the topics", stack.drained, timeout_s=90)
    return members, partner_auth


def test_no_secret_in_any_process_log_at_debug(kafka_stack: KafkaStack, hook_url: str) -> None:
    stack = kafka_stack
    stack.env |= {
        "MECHANIC_LOG_LEVEL": "DEBUG",
        "MECHANIC_NOTIFY_INTERVAL_S": "0.5",
        "MECHANIC_WEBHOOK_ALLOW_HTTP": "true",
        "MECHANIC_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
    }
    for command in ("relay", "worker", "notify"):
        stack.start(command)
    with stack.engine.begin() as conn:
        _, coordinator_token = create_club(conn, "Kafka log club")
    url = _api(stack)
    with httpx.Client(base_url=url, timeout=15) as http:
        members, partner = _planned_and_approved(http, stack, bearer(coordinator_token), drivers=6)
        secrets = exercise(http, coordinator_token, hook_url)  # claims the coordinator link: last
    wait_for(  # by the worker's sender loop
        "the failed webhook call to be logged",
        lambda: any("notify.failed" in p.log.read_text(errors="replace") for p in stack.processes),
    )
    wait_for("the worker to settle", stack.drained, timeout_s=90)
    for process in stack.processes:  # uvicorn alone re-raises SIGTERM once it has shut down
        assert process.stop() == (-signal.SIGTERM if process.name == "api" else 0), process.tail()
    logs = {p.name: p.log.read_text(errors="replace") for p in stack.processes}
    assert set(logs) == {"relay-1", "worker-1", "notify-1", "api"}
    assert "GET /m/<redacted>/availability" in logs["api"], "the access log is on at DEBUG, redacted"
    tokens = [header["Authorization"].split()[1] for header in [*members.values(), partner]]
    for secret in [*secrets, *tokens, PHONE, EMAIL, COORDINATOR_EMAIL, HOOK_PATH.split("/")[-1]]:
        for name, text in logs.items():
            assert secret not in text, f"{secret!r} leaked into the {name} log"


def _every_record(bootstrap: str) -> list[bytes]:
    """Every record of every Mechanic topic from offset 0, key, headers and value, as raw bytes."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        tps = [
            TopicPartition(t, p) for t in ALL_TOPICS for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        found: list[bytes] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=1000).values():
                for r in records:
                    found.append(b"|".join([r.key or b"", *(v for _, v in r.headers), r.value or b""]))
        return found
    finally:
        consumer.close()


def test_an_erased_member_is_nowhere_on_the_topics(kafka_stack: KafkaStack) -> None:
    stack = kafka_stack
    stack.start("relay")
    stack.start("worker")
    club_id, coordinator = stack.club("Kafka erasure club")
    with stack.api() as http:
        made = http.post(
            "/api/coordinator/members",
            headers=coordinator,
            json=ERASED | {"skills": ["driver"], "max_hours_week": 20, "car_seats": 3},
        )
        assert made.status_code == 201, made.text
        member_id, auth = made.json()["id"], bearer(made.json()["token"])
        weekly = [{"weekday": d, "start": "06:00", "end": "23:00"} for d in range(7)]
        http.put("/api/member/availability", json={"weekly": weekly}, headers=auth).raise_for_status()
        # two drivers for three requests of two: each works all three, so the member surely goes
        _planned_and_approved(http, stack, coordinator, drivers=1)
    done = subprocess.run(
        [*MECHANIC, "member", "erase", member_id], env=stack.env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    wait_for("the erasure to go through the topics", stack.drained, timeout_s=90)

    records = _every_record(stack.bootstrap)
    mine = [r for r in records if member_id.encode() in r]
    assert any(b'"MemberRegistered"' in r for r in mine), "the member went through the topics"
    assert any(b'"AssignmentIssued"' in r for r in mine), "and so did their work"
    assert any(b'"MemberErased"' in r for r in mine), "and so did their erasure"
    lat, lon = coarse(ERASED["home_lat"], ERASED["home_lon"])  # type: ignore[arg-type]
    personal = [
        ERASED["name"],
        "Zephyrine",
        "Quillfeather",
        ERASED["email"],
        ERASED["phone"],
        "7700900777",
        *(str(v) for v in (ERASED["home_lat"], ERASED["home_lon"], lat, lon)),
    ]
    for value in personal:
        needle = str(value).encode()
        assert not any(needle in r for r in records), f"{value!r} is on a topic"
    with stack.engine.connect() as conn:
        club_days = conn.execute(clubs.select().where(clubs.c.id == club_id)).one().retention_days
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap)
    try:
        configs = admin.describe_configs([ConfigResource("TOPIC", name) for name in ALL_TOPICS])["topic"]
    finally:
        admin.close()
    for topic in ALL_TOPICS:  # a topic never keeps events longer than the club keeps who went where
        days = int(configs[topic]["retention.ms"]["value"]) / 86_400_000
        assert days <= club_days, f"{topic} keeps events {days} days, the club's retention is {club_days}"
        assert int(configs[topic]["segment.ms"]["value"]) <= 86_400_000, "deleted within a day of it"
