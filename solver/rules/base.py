"""What every rule can contribute: a filter on who may be sent, constraints, and an objective part.

A rule that only narrows eligibility overrides ``keep``; a rule that needs the model overrides
``constrain``. Filters run once while the problem is prepared, which keeps the CP-SAT model small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from solver.schema import ReasonCode, Waiver

if TYPE_CHECKING:
    from ortools.sat.python.cp_model import LinearExprT

    from solver.candidates import Candidates
    from solver.rule_inputs import ModelVars, PreparedTables


class Rule:
    reason: ReasonCode = ReasonCode.EXCLUDED
    """Why a request is unfilled when this rule's filter leaves nobody for it."""
    pin_text: str = "is excluded by a rule of the roster"
    """Why a coordinator's pin of one member breaks this rule, completing "<member> ..." (e.g.
    "Eleri Jones is not available then")."""
    waiver: Waiver | None = None
    """The name a coordinator's forced pin waives this filter by; None: it cannot be forced past."""

    def keep(self, cands: Candidates) -> npt.NDArray[np.bool_] | None:
        """Which of ``cands.members`` may take ``cands.request``; None keeps everyone."""
        return None

    def gain(self, cands: Candidates) -> npt.NDArray[np.int64] | None:
        """Objective gain of sending each of ``cands.members``; None adds nothing."""
        return None

    def served_gain(self, cands: Candidates) -> int:
        """Objective gain earned once when anybody is sent to ``cands.request`` (the team rules make
        that mean a complete team); 0 adds nothing."""
        return 0

    def constrain(self, v: ModelVars) -> LinearExprT:
        """Add constraints to ``v.model`` and return this rule's part of the objective."""
        return 0

    def team_ok(self, problem: PreparedTables, r: int, members: list[int]) -> bool:
        """Whether sending exactly ``members`` to request ``r`` respects this rule."""
        return True

    def pin_why(self, cands: Candidates) -> str:
        """Why this filter stops the one member of ``cands`` (``pin_text`` unless it can say more)."""
        return self.pin_text

    def describe(self, cands: Candidates) -> str:
        """A coordinator-readable sentence for when ``keep`` leaves nobody."""
        return f"every member who could go is excluded by {type(self).__name__}"
