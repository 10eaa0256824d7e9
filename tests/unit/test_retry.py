"""The one retry-and-park mechanism, and the policies its consumers use."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.delivery import DELIVERY_RETRY
from services.notify.service import SEND_RETRY
from services.retry import RetryPolicy, retry_or_park
from services.scheduler import SOLVE_RETRY


class Flaky:
    """Fails with ``errors`` in turn, then answers "done"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def transient(exc: Exception) -> bool:
    return isinstance(exc, ConnectionError)


def test_the_delay_grows_by_its_factor_up_to_the_cap() -> None:
    policy = RetryPolicy(first=1.0, factor=3.0, cap=20.0)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 3.0, 9.0, 20.0, 20.0]
    assert policy.wait(2) == timedelta(seconds=3)


def test_parking_comes_at_the_last_attempt_or_never() -> None:
    assert [RetryPolicy(first=1.0, attempts=3).parks(n) for n in (1, 2, 3, 4)] == [False, False, True, True]
    assert not RetryPolicy(first=1.0).parks(10_000)


def test_the_consumers_policies() -> None:
    """Messages wait 1, 4, 16, 64 minutes and give up at the fifth failure; events are retried for
    about three seconds; a club's planning from 2 s up to 5 minutes, and never given up."""
    assert [SEND_RETRY.delay(n) / 60 for n in range(1, 5)] == [1, 4, 16, 64] and SEND_RETRY.parks(5)
    assert sum(DELIVERY_RETRY.delay(n) for n in range(1, 6)) == pytest.approx(3.1)
    assert DELIVERY_RETRY.parks(6) and not DELIVERY_RETRY.parks(5)
    assert SOLVE_RETRY.delay(1) == 2.0 and SOLVE_RETRY.delay(20) == 300.0 and not SOLVE_RETRY.parks(99)


def test_a_failure_that_may_pass_is_retried_after_the_policys_waits() -> None:
    slept: list[float] = []
    retried: list[int] = []
    action = Flaky(ConnectionError("down"), ConnectionError("down"))
    answer = retry_or_park(
        action,
        RetryPolicy(first=0.5, attempts=5),
        transient,
        park=lambda exc: "parked",
        on_retry=lambda exc, n, delay: retried.append(n),
        sleep=slept.append,
    )
    assert answer == "done" and action.calls == 3
    assert slept == [0.5, 1.0] and retried == [1, 2]


def test_a_failure_that_cannot_pass_is_parked_at_once() -> None:
    slept: list[float] = []
    parked: list[Exception] = []
    action = Flaky(ValueError("bad data"))
    answer = retry_or_park(
        action, RetryPolicy(first=0.5, attempts=5), transient, parked.append, sleep=slept.append
    )
    assert answer is None and action.calls == 1 and slept == []
    assert [str(e) for e in parked] == ["bad data"]


def test_work_that_keeps_failing_is_parked_at_the_last_attempt() -> None:
    slept: list[float] = []
    action = Flaky(*(ConnectionError(str(n)) for n in range(10)))
    answer = retry_or_park(
        action, RetryPolicy(first=0.1, attempts=3), transient, lambda exc: f"parked {exc}", sleep=slept.append
    )
    assert answer == "parked 2" and action.calls == 3 and slept == [0.1, 0.2]
