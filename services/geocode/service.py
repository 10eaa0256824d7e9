"""The geocoder as the pages and the API use it: a place or postcode in, a few matching places out.

Nominatim's usage policy shapes it (https://operations.osmfoundation.org/policies/nominatim/): each
query is normalised and its answer, "no match" included, kept in the database for some days, so a
place is asked for once; at most one call a second leaves each process; the caller is identified by
a user agent (a setting). A geocoder that is down, slow or failing raises ``GeocoderDown``, whose
message a page can show as it is; after a failure, calls fail at once for a short while instead of
each waiting for the timeout again.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

MAX_QUERY = 200
"""Characters of a normalised query that are kept (and the cache's key column holds)."""
UNAVAILABLE = "Place search is not available right now."


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "lat": self.lat, "lon": self.lon}


class GeocoderDown(Exception):
    """The geocoder could not answer (down, slow, an error, switched off); ``str()`` says so in words."""

    def __init__(self, why: str = UNAVAILABLE) -> None:
        super().__init__(why)


class Lookup(Protocol):
    """A geocoding service (the adapter: services/geocode/geopy_lookup.py)."""

    provider: str

    def search(self, query: str, limit: int) -> list[Place]:
        """The matches, best first; raises GeocoderDown when the service does not answer."""
        ...


class Cache(Protocol):
    """Answers already fetched (services/store/geocode_cache.py)."""

    def get(self, provider: str, query: str, fetched_since: datetime) -> list[dict[str, Any]] | None: ...

    def put(self, provider: str, query: str, results: list[dict[str, Any]], now: datetime) -> None: ...


def normalise(query: str) -> str:
    """The cache key of a query: NFKC, no control characters, spaces collapsed, case folded, capped.
    ' CF11  6AG ' and 'cf11 6ag' are one query."""
    text = unicodedata.normalize("NFKC", query)
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    return " ".join(text.split()).casefold()[:MAX_QUERY].strip()


class Geocoder:
    def __init__(
        self,
        lookup: Lookup | None,
        cache: Cache,
        *,
        results: int = 5,
        cache_days: int = 30,
        min_interval_s: float = 1.0,
        wait_s: float = 10.0,
        cool_off_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """``lookup`` None: place search is switched off (every search raises GeocoderDown).
        ``wait_s``: how long a caller queues behind others for its turn before giving up."""
        self.lookup = lookup
        self.cache = cache
        self.results = results
        self.ttl = timedelta(days=cache_days)
        self.min_interval_s = min_interval_s
        self.wait_s = wait_s
        self.cool_off_s = cool_off_s
        self._clock, self._sleep, self._now = clock, sleep, now
        self._turn = threading.Lock()
        self._last_call: float | None = None
        self._down_until = 0.0

    @property
    def enabled(self) -> bool:
        return self.lookup is not None

    def search(self, query: str) -> list[Place]:
        """Matches of ``query``, best first; [] for an empty query or no match."""
        if self.lookup is None:
            raise GeocoderDown()
        key = normalise(query)
        if not key:
            return []
        provider = self.lookup.provider
        kept = self.cache.get(provider, key, self._now() - self.ttl)
        if kept is not None:
            return [Place(str(r["name"]), float(r["lat"]), float(r["lon"])) for r in kept]
        found = self._call(key)
        self.cache.put(provider, key, [p.as_json() for p in found], self._now())
        return found

    def _call(self, key: str) -> list[Place]:
        assert self.lookup is not None
        if self._clock() < self._down_until:
            raise GeocoderDown()
        if not self._turn.acquire(timeout=self.wait_s):
            raise GeocoderDown("Place search is busy right now.")
        try:
            if self._last_call is not None:
                wait = self._last_call + self.min_interval_s - self._clock()
                if wait > 0:
                    self._sleep(wait)
            self._last_call = self._clock()
            try:
                return self.lookup.search(key, self.results)[: self.results]
            except GeocoderDown:
                self._down_until = self._clock() + self.cool_off_s
                raise
        finally:
            self._turn.release()
