"""The answer to a partner's submission is built from the values it stored, not read back: it must be
exactly what reading the new request back shows, for a plain request and for a lift with pickups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from api.schemas import RequestCreate, RequestPublic
from services.commands import SubmitRequest
from services.domain import PartnerQuota
from services.store import views, writes
from tests.commands_support import create_club, run_in

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
PLAIN = {"kind": "leafleting", "title": "Leaflets", "headcount": 2, "skills": ["first_aid", "driving"]}
LIFT = {
    "kind": "lift",
    "title": "To the hearing",
    "headcount": 1,
    "lead_skills": ["driving"],
    "pickups": [
        {"place_name": "Canton", "lat": 51.48, "lon": -3.2, "people": 2, "contact_name": "Ana"},
        {"place_name": "Splott", "lat": 51.47, "lon": -3.15, "people": 1, "contact_phone": "+447700900123"},
    ],
}


@pytest.mark.parametrize("given", [PLAIN, LIFT], ids=["plain", "lift with pickups"])
def test_the_answer_to_a_submission_is_what_reading_it_back_shows(
    engine: Engine, given: dict[str, Any]
) -> None:
    body = RequestCreate.model_validate(
        given
        | {"place_name": "Cardiff", "lat": 51.48, "lon": -3.18, "priority": 2}
        | {"starts_at": START, "ends_at": START + timedelta(hours=2)}
    )
    stored = body.stored() | {"series_id": None}
    with engine.begin() as conn:
        club_id, _ = create_club(conn, "Riverside")
        partner_id, _ = writes.add_partner(conn, club_id, "Food bank", None)
        (request_id,) = run_in(conn, SubmitRequest(club_id, partner_id, [stored], PartnerQuota(10, 10)))
    with engine.connect() as conn:
        (read_back,) = views.partner_requests(conn, club_id, partner_id, request_id)
    answered = RequestPublic.model_validate(views.just_submitted(request_id, stored))
    assert answered == RequestPublic.model_validate(read_back)
    assert answered.fill_state == "unfilled" and answered.assigned == 0
