"""The geocoder adapter: Nominatim or Photon through geopy, at their public servers or a self-hosted one."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

import structlog
from geopy.adapters import URLLibAdapter
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim, Photon

from services.geocode.service import GeocoderDown, Place

log = structlog.get_logger("mechanic.geocode")


class GeopyLookup:
    def __init__(
        self,
        provider: Literal["nominatim", "photon"],
        user_agent: str,
        timeout_s: float,
        url: str | None = None,
    ) -> None:
        """``url``: scheme, host and any path prefix of a self-hosted server (http://127.0.0.1:8080,
        https://example.org/nominatim); unset, the provider's public server over https."""
        self.provider: str = provider
        # The standard library's adapter, whatever else is installed: geopy would pick requests when
        # present, whose retries make a slow server cost three timeouts instead of one.
        options: dict[str, Any] = {
            "user_agent": user_agent,
            "timeout": timeout_s,
            "adapter_factory": URLLibAdapter,
        }
        if url:
            parts = urlsplit(url)
            options |= {"scheme": parts.scheme or "https", "domain": parts.netloc + parts.path.rstrip("/")}
        self._geocoder = Nominatim(**options) if provider == "nominatim" else Photon(**options)

    def search(self, query: str, limit: int) -> list[Place]:
        try:
            found = self._geocoder.geocode(query, exactly_one=False, limit=limit)
        except GeopyError as exc:
            # the query is not logged: it may be where a member lives
            log.warning("geocoder.failed", provider=self.provider, error=type(exc).__name__)
            raise GeocoderDown() from exc
        return [Place(str(loc.address), float(loc.latitude), float(loc.longitude)) for loc in found or []]
