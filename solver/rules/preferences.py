from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from solver.rules.base import Rule
from solver.schema import Waiver

if TYPE_CHECKING:
    from solver.candidates import Candidates


class PreferencesRule(Rule):
    """Never send someone to a kind of work they refuse; reward sending them to work they like.

    People who are sent to what they refused stop volunteering, so refusals are hard; likes are a
    bonus small enough never to leave a slot empty.
    """

    pin_text = "has said they do not do this kind of work"
    waiver = Waiver.KINDS

    def __init__(self, weight: int) -> None:
        self.weight = weight

    def keep(self, cands: Candidates) -> npt.NDArray[np.bool_]:
        kind, members = cands.request.kind, cands.instance.members
        return np.array(
            [kind not in members[m].refused_kinds for m in cands.members.tolist()], dtype=np.bool_
        )

    def gain(self, cands: Candidates) -> npt.NDArray[np.int64]:
        kind, members = cands.request.kind, cands.instance.members
        liked = [kind in members[m].liked_kinds for m in cands.members.tolist()]
        return self.weight * np.array(liked, dtype=np.int64)

    def describe(self, cands: Candidates) -> str:
        return f"every member who could go has said they do not do {cands.request.kind}"
