"""Partners' requests as commands: submit (one date or a weekly series, within the partner's
quota), edit and cancel (one date, this and the following, or the whole series), whoever asks
(the partner on its page or through the API, a coordinator for a partner who phoned).

An edit after approval re-plans (``RequestChanged`` marks the club dirty) and tells the people on
the request what changed (``AssignmentChanged``, which the notifier turns into a message); places
beyond a lowered headcount are withdrawn at once with their reason, and an accepted answer to a
time that moved is asked for again. Requests under way, over or cancelled are refused in words.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from events import (
    AssignmentChanged,
    AssignmentWithdrawn,
    RequestCancelled,
    RequestChanged,
    RequestSubmitted,
)
from services.domain import (
    AssignmentStatus,
    Conflict,
    NotFound,
    PartnerQuota,
    RequestChange,
    SeriesScope,
    WithdrawReason,
)
from services.ports import StoredRequest, UnitOfWork

CHANGES: dict[RequestChange, tuple[str, ...]] = {
    RequestChange.TIME: ("starts_at", "ends_at"),
    RequestChange.PLACE: ("place_name", "lat", "lon"),
    RequestChange.HEADCOUNT: ("headcount", "passengers"),
    RequestChange.SKILLS: ("skills", "lead_skills"),
    RequestChange.DETAILS: ("kind", "title", "notes", "priority"),
}
ENDED = "This request is over, so it can no longer be changed or cancelled."
UNDER_WAY = "This request has already begun, so it can no longer be changed or cancelled."
CANCELLED = "This request is already cancelled, so it can no longer be changed."


@dataclass(frozen=True)
class SubmitRequest:
    club_id: str
    partner_id: str
    dates: Sequence[Mapping[str, Any]]
    """One request's stored values per date; two or more make a weekly series."""
    quota: PartnerQuota | None = None
    """The partner's own submissions are held to it; a coordinator's entry is not."""
    entered_by: str | None = None
    """The coordinator who entered it for the partner, for the audit trail."""


@dataclass(frozen=True)
class EditRequest:
    club_id: str
    request_id: str
    values: Mapping[str, Any] = field(default_factory=dict)
    """The whole request as it should now be (the stored values of a RequestCreate); for a series,
    the other dates keep their own day and move by as much as this one did."""
    scope: SeriesScope = SeriesScope.THIS
    partner_id: str | None = None
    """Set when a partner asks: only its own requests."""
    edited_by: str | None = None
    """The coordinator who asked; the trail names the partner when it is its own edit."""


@dataclass(frozen=True)
class CancelRequest:
    club_id: str
    request_id: str
    scope: SeriesScope = SeriesScope.THIS
    partner_id: str | None = None
    cancelled_by: str | None = None


def submit_request(command: SubmitRequest, uow: UnitOfWork) -> list[str]:
    """The ids stored, in date order: all of them or, over the quota, none."""
    series = f"s-{uuid.uuid4().hex[:12]}" if len(command.dates) > 1 else None
    ids = []
    for d in command.dates:
        request_id = uow.requests.submit(
            command.club_id, command.partner_id, {**d, "series_id": series}, command.quota
        )
        stored = _lift_counts(d)
        uow.emit(
            RequestSubmitted(
                club_id=command.club_id,
                request_id=request_id,
                partner_id=command.partner_id,
                kind=stored["kind"],
                starts_at=stored["starts_at"],
                ends_at=stored["ends_at"],
                headcount=stored["headcount"],
                priority=stored["priority"],
            )
        )
        ids.append(request_id)
    if command.entered_by:
        for request_id in ids:
            uow.audit(
                command.club_id,
                command.entered_by,
                "request.create",
                "partner",
                command.partner_id,
                request_id,
            )
    return ids


def _target(uow: UnitOfWork, club_id: str, request_id: str, partner_id: str | None) -> StoredRequest:
    found = uow.requests.get(club_id, request_id)
    if found is None or (partner_id is not None and found.partner_id != partner_id):
        raise NotFound(f"request {request_id} not found")
    now = datetime.now(UTC)
    if found.status == "cancelled":
        raise Conflict(CANCELLED)
    if found.ends_at <= now:
        raise Conflict(ENDED)
    if found.starts_at <= now:
        raise Conflict(UNDER_WAY)
    return found


def _in_scope(
    uow: UnitOfWork, club_id: str, target: StoredRequest, scope: SeriesScope
) -> list[StoredRequest]:
    """The open dates not yet begun that ``scope`` covers, ``target`` among them."""
    if scope is SeriesScope.THIS or target.series_id is None:
        return [target]
    now = datetime.now(UTC)
    return [
        r
        for r in uow.requests.series(club_id, target.series_id)
        if r.status == "open"
        and r.starts_at > now
        and (scope is SeriesScope.ALL or r.starts_at >= target.starts_at)
    ]


def changes(before: StoredRequest, after: Mapping[str, Any]) -> list[RequestChange]:
    found = [c for c, names in CHANGES.items() if any(before.fields[n] != after.get(n) for n in names)]
    if "pickups" in after and [dict(p) for p in after["pickups"]] != [dict(p) for p in before.pickups]:
        found.append(RequestChange.PICKUPS)
    return found


def edit_request(command: EditRequest, uow: UnitOfWork) -> list[str]:
    """The ids of the dates that changed (none when nothing did)."""
    target = _target(uow, command.club_id, command.request_id, command.partner_id)
    shift = command.values["starts_at"] - target.starts_at
    length = command.values["ends_at"] - command.values["starts_at"]
    changed = []
    for row in _in_scope(uow, command.club_id, target, command.scope):
        values = _lift_counts({**command.values, "starts_at": row.starts_at + shift})
        values["ends_at"] = values["starts_at"] + length
        what = changes(row, values)
        if not what:
            continue
        uow.requests.update(row.id, values)
        names = [str(c) for c in what]
        uow.emit(
            RequestChanged(
                club_id=command.club_id, request_id=row.id, partner_id=row.partner_id, changes=names
            )
        )
        actor = command.edited_by or row.partner_id
        uow.audit(command.club_id, actor, "request.edit", "partner", row.partner_id, row.id)
        _tell_people(uow, command.club_id, actor, row.id, int(values["headcount"]), what)
        changed.append(row.id)
    return changed


def _lift_counts(values: Mapping[str, Any]) -> dict[str, Any]:
    """As at submission: a lift with pickups carries their people, one driver place per passenger."""
    out = dict(values)
    if out.get("pickups"):
        out["passengers"] = out["headcount"] = sum(p["people"] for p in out["pickups"])
    return out


def _tell_people(
    uow: UnitOfWork, club_id: str, actor: str, request_id: str, headcount: int, what: list[RequestChange]
) -> None:
    """Places beyond the new headcount are withdrawn (the coordinators read why on the audit trail);
    the others are told what changed."""
    for a in uow.assignments.active_for_request(request_id):
        if a.slot_index >= headcount:
            uow.assignments.set_status(a.id, AssignmentStatus.WITHDRAWN)
            uow.audit(club_id, actor, "assignment.fewer_needed", "member", a.member_id, request_id)
            uow.emit(
                AssignmentWithdrawn(
                    club_id=club_id,
                    assignment_id=a.id,
                    request_id=request_id,
                    member_id=a.member_id,
                    reason=WithdrawReason.FEWER_NEEDED,
                )
            )
            continue
        if RequestChange.TIME in what and a.status == AssignmentStatus.ACCEPTED:
            uow.assignments.set_status(a.id, AssignmentStatus.ISSUED)
        uow.emit(
            AssignmentChanged(
                club_id=club_id,
                assignment_id=a.id,
                request_id=request_id,
                member_id=a.member_id,
                changes=[str(c) for c in what],
            )
        )


def cancel_request(command: CancelRequest, uow: UnitOfWork) -> list[str]:
    """The ids cancelled; members on them are told through the usual withdrawal."""
    target = _target(uow, command.club_id, command.request_id, command.partner_id)
    rows = _in_scope(uow, command.club_id, target, command.scope)
    for row in rows:
        cancel_one(uow, command.club_id, row.partner_id, row.id, command.cancelled_by)
    return [r.id for r in rows]


def cancel_one(uow: UnitOfWork, club_id: str, partner_id: str, request_id: str, by: str | None) -> None:
    """The one way a request is cancelled, by its partner, a coordinator, or with its partner's
    deactivation: ``RequestCancelled`` withdraws the members on it and tells the partner's webhook."""
    uow.requests.cancel(request_id)
    uow.emit(RequestCancelled(club_id=club_id, request_id=request_id, partner_id=partner_id))
    uow.audit(club_id, by or partner_id, "request.cancel", "partner", partner_id, request_id)


__all__ = [
    "CancelRequest",
    "EditRequest",
    "SubmitRequest",
    "cancel_request",
    "edit_request",
    "submit_request",
]
