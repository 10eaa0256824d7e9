from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from solver.rules.base import Rule
from solver.schema import Waiver

if TYPE_CHECKING:
    from solver.candidates import Candidates


class RefusedPartnersRule(Rule):
    """Never send a member to a partner organisation they have refused to work with."""

    pin_text = "has said they do not work with this partner"
    waiver = Waiver.PARTNERS

    def keep(self, cands: Candidates) -> npt.NDArray[np.bool_]:
        partner, members = cands.request.partner, cands.instance.members
        return np.array(
            [partner not in members[m].refused_partners for m in cands.members.tolist()], dtype=np.bool_
        )

    def describe(self, cands: Candidates) -> str:
        return f"every member who could go has refused to work with {cands.request.partner}"
