"""Mechanic's rostering engine: ``solve(instance, params) -> Roster`` and ``check(instance, roster)``.

Pure CP-SAT, OR-Tools' routing (lifts with pickups) and pydantic; nothing here knows about
events, databases or HTTP.
"""

from solver.check import CheckResult, check
from solver.schema import (
    Assignment,
    Explanation,
    ForcedPin,
    Instance,
    Leg,
    LiftNote,
    Member,
    Params,
    Pickup,
    ReasonCode,
    ReleasedPin,
    Request,
    Roster,
    Route,
    SolveKind,
    SolveStatus,
    Stop,
    TravelTable,
    Waiver,
)


def solve(instance: Instance, params: Params) -> Roster:
    """The best roster found within ``params.time_limit_s``, with explanations for empty slots."""
    from solver.engine import solve as run  # ortools and numpy load on first solve, not on import

    return run(instance, params)


def replan(instance: Instance, params: Params) -> Roster:
    """Like ``solve``, but repairs the current roster (``approved``, ``hint``) around what changed
    when that is the better tool; ``Roster.kind`` says which was done."""
    from solver.incremental import replan as run

    return run(instance, params)


def warm_up() -> None:
    """Load OR-Tools and the solver's modules, so the first solve in a fresh process is not slower."""
    import solver.incremental  # the engine with it
    import solver.lift_routes  # noqa: F401


def placement_options(instance: Instance, params: Params, request_id: str) -> list[tuple[str, str | None]]:
    """Members for a place on a request: who fits, best first, then who cannot and why."""
    from solver.pins import placement_options as rank

    return rank(instance, params, request_id)


def fit_notes(instance: Instance, request_id: str, member_ids: list[str]) -> dict[str, str]:
    """Why each member fits a place well: distance from home, liked work, already on it."""
    from solver.fit_notes import fit_notes as notes

    return notes(instance, request_id, member_ids)


def member_options(instance: Instance, params: Params, member_id: str) -> dict[str, str | None]:
    """Requests one member could be pinned on (None) or not (the rule that stops them)."""
    from solver.pins import member_options as options

    return options(instance, params, member_id)


def unkeepable_pins(instance: Instance, params: Params) -> tuple[ReleasedPin, ...]:
    """The pins of ``instance`` that cannot be kept, each with the rule it breaks."""
    from solver.pins import unkeepable_pins as find

    return find(instance, params)


def breaches(instance: Instance, params: Params, request_id: str, member_id: str) -> list[ReleasedPin]:
    """Every rule one of the instance's pins breaks, each with the waiver that would force it past."""
    from solver.pins import breaches as find

    return find(instance, params, request_id, member_id)


def unstaffable(instance: Instance, params: Params) -> dict[str, tuple[str, ...]]:
    """Requests nobody could be pinned on, each with every member's refusal."""
    from solver.pins import unstaffable as find

    return find(instance, params)


__all__ = [
    "Assignment",
    "CheckResult",
    "Explanation",
    "ForcedPin",
    "Instance",
    "Leg",
    "LiftNote",
    "Member",
    "Params",
    "Pickup",
    "ReasonCode",
    "ReleasedPin",
    "Request",
    "Roster",
    "Route",
    "SolveKind",
    "SolveStatus",
    "Stop",
    "TravelTable",
    "Waiver",
    "breaches",
    "check",
    "fit_notes",
    "member_options",
    "placement_options",
    "replan",
    "solve",
    "unkeepable_pins",
    "unstaffable",
    "warm_up",
]
