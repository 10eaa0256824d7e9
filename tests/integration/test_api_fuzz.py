"""Property-based fuzzing of the JSON API with schemathesis, against a live `mechanic up` over HTTP,
once for every role: nobody, a partner, a member and a coordinator (with an API key, made as a
coordinator makes one: named and expiring). Whatever it sends, the server never answers 5xx, and
every status it answers is one the OpenAPI document lists for that route.

Each route gets EXAMPLES valid and invalid calls per role (shrunk on failure), which took about a
minute on the shared 2-core machine; hypothesis's database is off so every CI run starts afresh.
The planning the calls start must not fail either: no dead letters at the end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import status_code_conformance
from sqlalchemy import create_engine

from services.store import tokens
from tests.e2e_support import bearer, embedded_process, lift_request, tomorrow_at
from tests.geocode_stub import geocoder_stub

ROLES = ("none", "partner", "member", "coordinator")
EXAMPLES = 20


@dataclass(frozen=True)
class Live:
    url: str
    headers: dict[str, dict[str, str]]


def _geocoding(url: str) -> dict[str, str]:
    """/api/places asks a stand-in Nominatim, as often as the fuzzing likes."""
    return {
        "MECHANIC_GEOCODER": "nominatim",
        "MECHANIC_GEOCODER_URL": url,
        "MECHANIC_GEOCODER_MIN_INTERVAL_S": "0",
    }


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    workdir = tmp_path_factory.mktemp("fuzz")
    with geocoder_stub() as geocoder, embedded_process(workdir, "Fuzz club", _geocoding(geocoder.url)) as app:
        engine = create_engine(f"sqlite:///{workdir}/mechanic.db")
        with engine.begin() as conn:
            club_id = conn.exec_driver_sql("SELECT id FROM clubs").scalar_one()
            key = tokens.issue(
                conn, "coordinator", club_id, "coord-fuzz", "fuzz key", datetime.now(UTC) + timedelta(days=1)
            )
        engine.dispose()
        coordinator = bearer(key)
        with httpx.Client(base_url=app.url, timeout=10) as http:
            partner = http.post(
                "/api/coordinator/partners", json={"name": "Fuzz partner"}, headers=coordinator
            )
            member = http.post(
                "/api/coordinator/members",
                json={"name": "Fuzz member", "home_lat": 51.48, "home_lon": -3.18, "max_hours_week": 6},
                headers=coordinator,
            )
            assert partner.status_code == member.status_code == 201, (partner.text, member.text)
            made = http.post(
                "/api/partner/requests",
                json=lift_request("Fuzzed lift", tomorrow_at(10), headcount=1, priority=3),
                headers=bearer(partner.json()["token"]),
            )
            assert made.status_code == 201, made.text
        yield Live(
            app.url,
            {
                "none": {},
                "partner": bearer(partner.json()["token"]),
                "member": bearer(member.json()["token"]),
                "coordinator": coordinator,
            },
        )
        with sqlite3.connect(workdir / "mechanic.db") as db:  # the fuzzing itself made no planning fail
            assert db.execute("SELECT count(*) FROM dead_letters").fetchone()[0] == 0


@pytest.fixture(scope="module")
def operations(live: Live) -> list[APIOperation]:
    loaded = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    results = list(loaded.get_all_operations())
    broken = [result.err() for result in results if isinstance(result, Err)]
    assert not broken, broken  # an operation schemathesis cannot read would go unfuzzed
    found = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(found) > 20, "every route of the API is fuzzed"
    return found


def _fuzz(operation: APIOperation, headers: dict[str, str]) -> str | None:
    """Valid and invalid calls of one route; the first failure (shrunk), or None."""
    cases = st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode))

    @given(cases)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, status_code_conformance], timeout=10
        )

    try:
        run()
    except Exception as failure:  # a check failed, or the call itself: report it with the route
        return f"{operation.label}: {failure}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_the_api_never_fails_and_answers_only_documented_statuses(
    role: str, live: Live, operations: list[APIOperation]
) -> None:
    failures = [f for op in operations if (f := _fuzz(op, live.headers[role]))]
    assert not failures, "\n\n".join(failures)
