"""A thread that serves queued calls in batches: whatever has queued up while it was busy is taken
in one go, so a burst costs one wake-up, one connection checkout and one transaction, not one each.

The writer (group commit) and the token look-ups are built on it. Callers get a
``concurrent.futures.Future``; ``await``-ing callers wrap it (``asyncio.wrap_future``), which hands
the answer back to the event loop without a thread-pool hop.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")


class BatchThread(Generic[Item]):
    """Subclasses say what a batch is (``_serve``); each queued item comes with its future, which
    ``_serve`` resolves (or fails) once its answer is known."""

    def __init__(self, name: str, max_batch: int) -> None:
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Future[Any], Item] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def _put(self, item: Item) -> Future[Any]:
        if not self._thread.is_alive():
            raise RuntimeError(f"the {self._thread.name} thread is closed")
        future: Future[Any] = Future()
        self._queue.put((future, item))
        return future

    def close(self) -> None:
        """Serve what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _serve(self, batch: list[tuple[Future[Any], Item]]) -> None:
        raise NotImplementedError

    def _loop(self) -> None:
        closing = False
        while not closing:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    closing = True
                    break
                batch.append(more)
            self._serve(batch)
