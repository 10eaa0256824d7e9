"""A club's own settings that consumers of the stream must follow."""

from __future__ import annotations

from typing import Literal

from events.base import Event


class RetentionChanged(Event):
    """The club now keeps personal details ``retention_days`` after an action ends, and forgets who
    went to ``high_risk_kinds`` (beyond those always forgotten): a consumer that keeps its own copy
    of anything about the club's work (topics, caches, exports) must keep it no longer."""

    type: Literal["RetentionChanged"] = "RetentionChanged"
    retention_days: int
    high_risk_kinds: list[str]
