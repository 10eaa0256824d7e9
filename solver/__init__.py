"""Mechanic's rostering engine: ``solve(instance, params) -> Roster`` and ``check(instance, roster)``.

Pure CP-SAT, OR-Tools' routing (lifts with pickups) and pydantic; nothing here knows about
events, databases or HTTP.
"""

from solver.check import CheckResult, check
from solver.schema import (
    Assignment,
    Explanation,
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


def member_options(instance: Instance, params: Params, member_id: str) -> dict[str, str | None]:
    """Requests one member could be pinned on (None) or not (the rule that stops them)."""
    from solver.pins import member_options as options

    return options(instance, params, member_id)


def unkeepable_pins(instance: Instance, params: Params) -> tuple[ReleasedPin, ...]:
    """The pins of ``instance`` that cannot be kept, each with the rule it breaks."""
    from solver.pins import unkeepable_pins as find

    return find(instance, params)


__all__ = [
    "Assignment",
    "CheckResult",
    "Explanation",
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
    "check",
    "member_options",
    "placement_options",
    "replan",
    "solve",
    "unkeepable_pins",
    "warm_up",
]
