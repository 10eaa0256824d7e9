"""One retry-and-park mechanism for every consumer: how long to wait after the n-th failure in a
row, and when to stop trying and park the work where a person can see it.

Consumers keep their failures where they must: the event delivery in a loop in memory
(``retry_or_park``), the notifier and webhooks on each message (``attempts``, ``next_attempt_at``),
the scheduler on each club (``schedule_state.failures``). They all ask the same ``RetryPolicy``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: ``first`` seconds after the first failure, times ``factor`` after each
    further one, never more than ``cap``; after ``attempts`` failures in all the work is parked
    (None: it is never parked, as a club's planning is retried until it works)."""

    first: float
    factor: float = 2.0
    cap: float = 300.0
    attempts: int | None = None

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failures in a row (1 for the first)."""
        return min(self.cap, self.first * self.factor ** max(0, failures - 1))

    def wait(self, failures: int) -> timedelta:
        return timedelta(seconds=self.delay(failures))

    def parks(self, failures: int) -> bool:
        """True once ``failures`` failures in a row mean giving up on this piece of work."""
        return self.attempts is not None and failures >= self.attempts


def retry_or_park(
    action: Callable[[], T],
    policy: RetryPolicy,
    retryable: Callable[[Exception], bool],
    park: Callable[[Exception], T],
    on_retry: Callable[[Exception, int, float], None] = lambda exc, failures, delay: None,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """``action()``, retried after a failure ``retryable`` says may pass, waiting as ``policy`` says;
    a failure that cannot pass, or the one the policy parks at, goes to ``park`` (whose answer is
    returned) so that the work behind it goes on."""
    failures = 0
    while True:
        try:
            return action()
        except Exception as exc:
            failures += 1
            if not retryable(exc) or policy.parks(failures):
                return park(exc)
            delay = policy.delay(failures)
            on_retry(exc, failures, delay)
            sleep(delay)
