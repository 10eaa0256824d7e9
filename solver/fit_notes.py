"""Why a member fits a place well, in the words a coordinator weighs when choosing by hand.

The ranking of who can go follows the solver's own gain; these notes name the parts of it a
person can check: how far the member lives from the place, whether they like this kind of work,
and whether the approved roster already has them there (moving them costs a change of plan).
"""

from __future__ import annotations

from solver.geo import dist_m, home_km
from solver.schema import Instance


def fit_notes(instance: Instance, request_id: str, member_ids: list[str]) -> dict[str, str]:
    """A short note per member of ``member_ids`` for a place on ``request_id`` ("" if unknown)."""
    request = next((r for r in instance.requests if r.id == request_id), None)
    if request is None:
        return {m: "" for m in member_ids}
    members = {m.id: m for m in instance.members}
    approved = {a.member_id for a in instance.approved if a.request_id == request_id}
    notes: dict[str, str] = {}
    for member_id in member_ids:
        member = members.get(member_id)
        if member is None:
            notes[member_id] = ""
            continue
        parts = [f"{home_km(dist_m(member.lat, member.lon, request.lat, request.lon))} km from home"]
        if request.kind in member.liked_kinds:
            parts.append(f"likes {request.kind.replace('_', ' ')} work")
        if member_id in approved:
            parts.append("already on it in the approved roster")
        notes[member_id] = ", ".join(parts)
    return notes
