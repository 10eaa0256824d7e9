"""How the geocoder is built from the settings (called where the API is composed: api/app.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.geocode.service import Geocoder
from services.settings import Settings
from services.store.geocode_cache import SqlGeocodeCache

if TYPE_CHECKING:
    from sqlalchemy import Engine


def build_geocoder(engine: Engine, settings: Settings) -> Geocoder:
    lookup = None
    if settings.geocoder != "off":
        from services.geocode.geopy_lookup import GeopyLookup

        agent, timeout_s = settings.geocoder_user_agent, settings.geocoder_timeout_s
        lookup = GeopyLookup(settings.geocoder, agent, timeout_s, settings.geocoder_url)
    return Geocoder(
        lookup,
        SqlGeocodeCache(engine),
        results=settings.geocoder_results,
        cache_days=settings.geocoder_cache_days,
        min_interval_s=settings.geocoder_min_interval_s,
        wait_s=settings.geocoder_timeout_s + settings.geocoder_min_interval_s,
    )
