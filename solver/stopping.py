"""Stopping a solver from outside, for two solvers racing on one model: the first to prove its
answer stops the other, which would otherwise run on to its time limit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def halted_when(stop: threading.Event | None, halt: Callable[[], None]) -> Iterator[None]:
    """While the block runs, call ``halt`` once ``stop`` is set, and again every 10 ms until the
    block ends: a single halt asked for before the solver began its search would be lost."""
    if stop is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.01):
            if stop.is_set():
                halt()

    watcher = threading.Thread(target=watch, name="solver-stop", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
