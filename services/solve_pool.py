"""Where solves run, and what happens to one that never returns.

A solve that overruns (a solver bug, a pathological instance) must neither hold its club nor keep a
solver process for ever: ``concurrent.futures`` cannot stop a running task, and a worker process
that dies (killed for memory) breaks its whole pool. pebble's process pool kills the process of a
solve past its time-out and starts a fresh one, and replaces a process that died, so one bad solve
costs one club one retry, never the scheduler its solver processes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from functools import partial
from typing import Protocol

from pebble import ProcessPool

from solver.schema import Instance, Params, Roster

SolveFn = Callable[[Instance, Params], Roster]


class SolveRunner(Protocol):
    async def run(self, solve: SolveFn, instance: Instance, params: Params, timeout_s: float) -> Roster:
        """``solve(instance, params)``; TimeoutError once it has run ``timeout_s``."""
        ...

    def close(self) -> None: ...


class InThreads:
    """Solves on the event loop's default threads: for tests and tools that build a scheduler
    without solver processes. A solve past its time-out is given up, but its thread runs on."""

    async def run(self, solve: SolveFn, instance: Instance, params: Params, timeout_s: float) -> Roster:
        solving = asyncio.get_running_loop().run_in_executor(None, solve, instance, params)
        return await asyncio.wait_for(solving, timeout=timeout_s)

    def close(self) -> None:
        return None


def _start(nice: int, warm_up: Callable[[], None]) -> None:
    """A solver process's first act: step behind the processes that answer people by ``nice``
    (Unix priority), then load the solver."""
    os.nice(nice)
    warm_up()


class InProcesses:
    """Solves in ``processes`` spawned processes (the solver's Python parts hold the GIL, so threads
    would solve one club at a time; spawned, not forked, because the parent has threads that a fork
    would copy mid-state). Each process loads OR-Tools when it starts (``warm_up``), so a first
    solve, and the first after a process was replaced, is not slower.

    The processes run ``nice`` steps below their parent: when the cores are short (a burst of
    requests on a small machine), the API's answers and the event handlers come first and the
    solves take what is left; on idle cores a solve runs at full speed, so planning never stops."""

    def __init__(self, processes: int, warm_up: Callable[[], None], nice: int = 0) -> None:
        self.pool = ProcessPool(
            max_workers=processes,
            initializer=partial(_start, nice, warm_up),
            context=multiprocessing.get_context("spawn"),
        )
        for _ in range(processes):
            self.pool.schedule(warm_up)  # start the processes now, not on the first request

    async def run(self, solve: SolveFn, instance: Instance, params: Params, timeout_s: float) -> Roster:
        # The time-out counts from when a process takes the solve, so time queued behind other
        # clubs' solves is not held against it; pebble kills the process when it passes.
        future = self.pool.schedule(solve, args=(instance, params), timeout=timeout_s)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self.pool.stop()
        self.pool.join(timeout=5)
