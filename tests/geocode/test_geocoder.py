"""The geocoder against a stand-in Nominatim and Photon over real HTTP, its cache in a real database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from services.geocode import Geocoder, GeocoderDown, Place, normalise
from services.geocode.geopy_lookup import GeopyLookup
from services.redact import redact
from services.store import retention
from services.store.geocode_cache import SqlGeocodeCache
from services.store.tables import geocode_cache
from tests.e2e_support import free_port
from tests.geocode_stub import GeocoderStub, geocoder_stub

AGENT = "mechanic-tests/1 (volunteer logistics)"


@pytest.fixture
def stub() -> Iterator[GeocoderStub]:
    with geocoder_stub() as running:
        yield running


def geocoder(engine: Engine, url: str, provider: str = "nominatim", **options: float) -> Geocoder:
    lookup = GeopyLookup(provider, AGENT, timeout_s=2, url=url)  # type: ignore[arg-type]
    return Geocoder(lookup, SqlGeocodeCache(engine), **({"min_interval_s": 0.0} | options))  # type: ignore[arg-type]


def test_queries_are_normalised_for_the_cache() -> None:
    assert normalise("  CF11\t 6AG \n") == "cf11 6ag"
    assert normalise("Straße") == normalise("STRASSE")
    assert normalise("a\u200bb") == "a b"
    assert len(normalise("x" * 500)) == 200


@pytest.mark.parametrize("provider", ["nominatim", "photon"])
def test_one_match(engine: Engine, stub: GeocoderStub, provider: str) -> None:
    found = geocoder(engine, stub.url, provider).search("Riverside Community Centre")
    assert len(found) == 1
    assert (found[0].lat, found[0].lon) == (51.4781, -3.1872)
    assert "Riverside Community Centre" in found[0].name
    _, path, params = stub.requests[0]
    assert path == ("/search" if provider == "nominatim" else "/api")
    assert params["user-agent"] == AGENT, "the geocoder is told who is asking"


def test_no_match_and_many_matches(engine: Engine, stub: GeocoderStub) -> None:
    places = geocoder(engine, stub.url)
    assert places.search("Nowhere at all") == []
    many = places.search("high street")
    assert [p.name.split(", ")[1] for p in many] == ["Cardiff", "Penarth", "Barry"]
    assert places.search("   ") == [] and len(stub.requests) == 2, "an empty query is not sent"


def test_results_are_capped(engine: Engine, stub: GeocoderStub) -> None:
    assert len(geocoder(engine, stub.url, results=2).search("High Street")) == 2
    assert stub.requests[0][2]["limit"] == "2"


def test_a_cached_answer_is_not_asked_for_again(engine: Engine, stub: GeocoderStub) -> None:
    places = geocoder(engine, stub.url)
    first = places.search("CF11 6AG")
    assert places.search("  cf11   6ag ") == first
    assert places.search("nowhere") == [] and places.search("NOWHERE") == []
    assert len(stub.requests) == 2, "one request per place, 'no match' cached too"
    again = geocoder(engine, stub.url)  # another process sharing the database
    assert again.search("cf11 6ag") == first and len(stub.requests) == 2
    with engine.connect() as conn:
        rows = conn.execute(select(geocode_cache.c.provider, geocode_cache.c.query)).all()
    assert sorted(rows) == [("nominatim", "cf11 6ag"), ("nominatim", "nowhere")]


def test_cached_answers_expire(engine: Engine, stub: GeocoderStub) -> None:
    now = [datetime(2026, 6, 1, tzinfo=UTC)]
    lookup = GeopyLookup("nominatim", AGENT, timeout_s=2, url=stub.url)
    places = Geocoder(lookup, SqlGeocodeCache(engine), min_interval_s=0, cache_days=30, now=lambda: now[0])
    places.search("cf11 6ag")
    now[0] += timedelta(days=29)
    places.search("cf11 6ag")
    assert len(stub.requests) == 1
    now[0] += timedelta(days=2)
    places.search("cf11 6ag")
    assert len(stub.requests) == 2, "asked again after 30 days"


def test_the_retention_job_forgets_old_answers(engine: Engine, stub: GeocoderStub) -> None:
    geocoder(engine, stub.url).search("cf11 6ag")
    assert retention.apply(engine, datetime.now(UTC), stream_days=30).places == 0
    later = datetime.now(UTC) + timedelta(days=31)
    assert retention.apply(engine, later, stream_days=30).places == 1


def test_calls_are_spaced(engine: Engine, stub: GeocoderStub) -> None:
    places = geocoder(engine, stub.url, min_interval_s=0.4)
    for query in ("high street", "cf11 6ag", "nowhere"):
        places.search(query)
    times = [t for t, _, _ in stub.requests]
    assert len(times) == 3
    # measured where the stub receives them: a few ms of scheduling jitter under load
    assert all(b - a >= 0.35 for a, b in itertools.pairwise(times)), times


def test_spacing_holds_across_threads(engine: Engine, stub: GeocoderStub) -> None:
    from concurrent.futures import ThreadPoolExecutor

    places = geocoder(engine, stub.url, min_interval_s=0.3)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(places.search, ["a1", "a2", "a3", "a4"]))
    times = sorted(t for t, _, _ in stub.requests)
    assert all(b - a >= 0.25 for a, b in itertools.pairwise(times)), times


def test_connection_refused_is_down(engine: Engine) -> None:
    places = geocoder(engine, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(GeocoderDown, match="not available right now"):
        places.search("cf11 6ag")


@pytest.mark.parametrize("status", [500, 503, 429, 403])
def test_server_errors_are_down_and_not_cached(engine: Engine, stub: GeocoderStub, status: int) -> None:
    places = geocoder(engine, stub.url, cool_off_s=0)
    stub.fail_with = status
    with pytest.raises(GeocoderDown):
        places.search("cf11 6ag")
    stub.fail_with = None
    assert places.search("cf11 6ag") == [Place(places.search("cf11 6ag")[0].name, 51.4779, -3.1869)]
    assert len(stub.requests) == 2, "the failure was not cached; the answer was"


def test_a_slow_geocoder_is_down_and_later_calls_fail_fast(engine: Engine, stub: GeocoderStub) -> None:
    lookup = GeopyLookup("nominatim", AGENT, timeout_s=0.3, url=stub.url)
    places = Geocoder(lookup, SqlGeocodeCache(engine), min_interval_s=0, cool_off_s=60)
    stub.delay_s = 1.0
    with pytest.raises(GeocoderDown):
        places.search("cf11 6ag")
    with pytest.raises(GeocoderDown):
        places.search("high street")
    assert len(stub.requests) == 1, "while it cools off, nobody waits for the timeout again"


def test_switched_off(engine: Engine) -> None:
    places = Geocoder(None, SqlGeocodeCache(engine))
    assert not places.enabled
    with pytest.raises(GeocoderDown):
        places.search("cf11 6ag")


def test_searches_stay_out_of_the_logs() -> None:
    line = '127.0.0.1:5 - "GET /m/SECRET/places?q=CF11%206AG HTTP/1.1" 200'
    assert redact(line) == '127.0.0.1:5 - "GET /m/<redacted>/places?q=<redacted> HTTP/1.1" 200'
    assert redact("GET /api/places?q=Flat+2%2C+Despenser+St") == "GET /api/places?q=<redacted>"
    assert "6ag" not in redact("https://nominatim.openstreetmap.org/search?q=cf11+6ag&format=json")
