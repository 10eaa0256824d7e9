"""Mechanic's rostering engine: ``solve(instance, params) -> Roster`` and ``check(instance, roster)``.

Pure CP-SAT and pydantic; nothing here knows about events, databases or HTTP.
"""

from solver.check import CheckResult, check
from solver.schema import (
    Assignment,
    Explanation,
    Instance,
    Member,
    Params,
    ReasonCode,
    ReleasedPin,
    Request,
    Roster,
    SolveStatus,
)


def solve(instance: Instance, params: Params) -> Roster:
    """The best roster found within ``params.time_limit_s``, with explanations for empty slots."""
    from solver.engine import solve as run  # ortools and numpy load on first solve, not on import

    return run(instance, params)


__all__ = [
    "Assignment",
    "CheckResult",
    "Explanation",
    "Instance",
    "Member",
    "Params",
    "ReasonCode",
    "ReleasedPin",
    "Request",
    "Roster",
    "SolveStatus",
    "check",
    "solve",
]
