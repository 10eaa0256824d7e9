import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from events import (
    ALL_TOPICS,
    EVENT_TYPES,
    AssignmentIssued,
    MemberPinned,
    MemberRemoved,
    PinReleased,
    RequestSubmitted,
    RosterApproved,
    decode,
    encode,
    json_schema,
    topic_for,
)

SNAPSHOT = Path(__file__).with_name("event_schema.snapshot.json")


def sample_request() -> RequestSubmitted:
    return RequestSubmitted(
        club_id="club-1",
        request_id="r-1",
        partner_id="p-1",
        kind="court_support",
        starts_at=datetime(2026, 3, 3, 9, tzinfo=UTC),
        ends_at=datetime(2026, 3, 3, 12, tzinfo=UTC),
        headcount=2,
        priority=5,
    )


@pytest.mark.parametrize(
    "event",
    [
        sample_request(),
        RosterApproved(club_id="c", roster_id="ro-1", approved_by="coord-1"),
        MemberPinned(club_id="c", request_id="r-1", slot_index=1, member_id="m-1", pinned_by="coord-1"),
        PinReleased(club_id="c", roster_id="ro-2", request_id="r-1", member_id="m-1", reason="unavailable"),
        MemberRemoved(club_id="c", request_id="r-1", member_id="m-2", removed_by="coord-1"),
        AssignmentIssued(
            club_id="c",
            assignment_id="a-1",
            roster_id="ro-1",
            request_id="r-1",
            slot_index=0,
            member_id="m-1",
        ),
    ],
)
def test_every_event_round_trips_through_json(event: object) -> None:
    assert decode(encode(event)) == event  # type: ignore[arg-type]


def test_decoding_picks_the_class_from_the_type_field() -> None:
    decoded = decode(encode(sample_request()))
    assert isinstance(decoded, RequestSubmitted)
    assert decoded.starts_at.tzinfo is not None


def test_unknown_type_and_missing_fields_are_rejected() -> None:
    payload = json.loads(encode(sample_request()))
    with pytest.raises(ValidationError):
        decode(json.dumps(payload | {"type": "RequestExploded"}))
    del payload["request_id"]
    with pytest.raises(ValidationError):
        decode(json.dumps(payload))


def test_events_are_immutable_and_refuse_unknown_fields() -> None:
    event = sample_request()
    with pytest.raises(ValidationError):
        event.headcount = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        RequestSubmitted(**event.model_dump(), home_address="1 Secret Street")  # type: ignore[call-arg]


def test_events_carry_no_personal_data_fields() -> None:
    personal = {"name", "email", "phone", "address", "home_lat", "home_lon", "notes"}
    for schema in json_schema()["$defs"].values():
        assert personal.isdisjoint(schema.get("properties", {})), schema["title"]


def test_every_event_type_has_a_topic() -> None:
    assert {topic_for(t) for t in EVENT_TYPES} <= set(ALL_TOPICS)


def test_wire_schema_matches_the_snapshot() -> None:
    """A change to the wire format must be deliberate: bump schema_version, then refresh the snapshot:
    python -c 'import json, events; print(json.dumps(events.json_schema(), indent=1, sort_keys=True))'"""
    assert json.loads(SNAPSHOT.read_text()) == json_schema()
