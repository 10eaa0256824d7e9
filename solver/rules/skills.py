from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from solver.rules.base import Rule
from solver.schema import ReasonCode, Waiver

if TYPE_CHECKING:
    from solver.candidates import Candidates


class SkillsRule(Rule):
    """Only a member who holds every skill a request asks for may be sent to it.

    Partners ask for skills because the work is unsafe or unlawful without them (a court supporter
    who is not trained, a driver without a licence), so this is never traded against coverage.
    """

    reason = ReasonCode.NO_SKILL
    pin_text = "lacks a skill the job needs"
    waiver = Waiver.SKILLS

    def keep(self, cands: Candidates) -> npt.NDArray[np.bool_]:
        return cands.tables.with_skills(cands.request.skills)[cands.members]

    def pin_why(self, cands: Candidates) -> str:
        held = cands.instance.members[int(cands.members[0])].skills
        missing = sorted(s.replace("_", " ") for s in cands.request.skills - held)
        return f"does not have the {' and '.join(missing)} skill{'s' if len(missing) > 1 else ''}"

    def describe(self, cands: Candidates) -> str:
        skills = cands.request.skills
        return f"no member with {' and '.join(sorted(skills))}" if skills else "no members on the roster"
