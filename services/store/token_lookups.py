"""The API's bearer-token look-ups, in one thread that serves them in batches.

Every authenticated request looks its token up. Run in the thread pool, each look-up paid two
thread hops, a connection checkout, a transaction and two queries, all under the GIL the event loop
needs; here a burst of look-ups shares one wake-up, one read transaction and two or three queries
(``tokens.find_many``), with the same rules as ``tokens.use``: nothing is cached, so a revoked link
or a deactivated holder is refused on the very next request, from any process.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Engine

from services.store import tokens
from services.store.batch_thread import BatchThread
from services.store.db import read_only
from services.store.tokens import Lifetimes, LinkExpired, Principal
from services.store.writer import Writer

Lookup = tuple[str, Lifetimes]
MAX_BATCH = 64


class TokenLookups(BatchThread[Lookup]):
    def __init__(self, engine: Engine, writer: Writer, max_batch: int = MAX_BATCH) -> None:
        self._engine = read_only(engine)
        self._writer = writer
        super().__init__("token-lookups", max_batch)

    async def use(self, token: str, lifetimes: Lifetimes) -> Principal | None:
        """Whose token this is, if it still works; a use is recorded (through the writer, at most
        once per ``tokens.TOUCH_EVERY``) before the answer, as ``tokens.use`` does. Raises
        LinkExpired for a link unused beyond its lifetime."""
        found: tuple[Principal, datetime] | None = await asyncio.wrap_future(self._put((token, lifetimes)))
        if found is None:
            return None
        who, used = found
        now = datetime.now(UTC)
        if tokens.due_for_touch(used, now):
            await self._writer.run(partial(tokens.touch, token=token, now=now))
        return who

    def _serve(self, batch: list[tuple[Future[Any], Lookup]]) -> None:
        asked = [(future, lookup) for future, lookup in batch if future.set_running_or_notify_cancel()]
        if not asked:
            return
        try:
            with self._engine.connect() as conn:
                judged = tokens.find_many(conn, [lookup for _, lookup in asked], datetime.now(UTC))
        except Exception as exc:  # the database is away: every caller hears it (a 503)
            for future, _ in asked:
                future.set_exception(exc)
            return
        for (future, _), answer in zip(asked, judged, strict=True):
            if isinstance(answer, LinkExpired):
                future.set_exception(answer)
            else:
                future.set_result(answer)
