"""Place fields on the pages, through a stand-in geocoder over HTTP: Find, choose, save with one match,
the errors a person sees, the JSON search behind the map, and a geocoder that is down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.app import create_app
from api.pages import places
from api.pages.forms import label
from api.pages.places import Found, PlaceNames, tile_source
from api.pages.render import environment
from services.geocode import Place
from services.geocode.wiring import build_geocoder
from services.homes import coarse
from services.settings import Settings, get_settings
from services.store import views
from services.store.tables import help_requests
from tests.e2e_support import free_port
from tests.geocode_stub import GeocoderStub, geocoder_stub
from tests.pages.support import Site, csrf_of, make_site
from tests.pages.test_partner_pages import counts, form

ONE = "Riverside Community Centre"
CF11 = ("51.477900", "-3.186900")
CF11_AT = (51.4779, -3.1869)


@pytest.fixture
def stub() -> Iterator[GeocoderStub]:
    with geocoder_stub() as running:
        yield running


@pytest.fixture
def app_settings(stub: GeocoderStub) -> Settings:
    return get_settings().model_copy(
        update={"geocoder": "nominatim", "geocoder_url": stub.url, "geocoder_min_interval_s": 0.0}
    )


def send(site: Site, **fields: str):
    return site.client.post(f"/p/{site.partner_token}/new", data=form(site, **fields))


def stored(site: Site) -> list[tuple[str, float, float]]:
    with site.engine.connect() as conn:
        r = help_requests.c
        return [tuple(row) for row in conn.execute(select(r.place_name, r.lat, r.lon))]


def test_find_shows_the_one_match_chosen_and_keeps_what_was_typed(site: Site, stub: GeocoderStub) -> None:
    before = counts(site)
    found = send(site, place_name=ONE, lat="", lon="", find="1")
    assert found.status_code == 200
    assert "Is this the place?" in found.text and "Despenser Street" in found.text
    assert 'name="pick" value="51.478100,-3.187200" checked' in found.text
    assert 'value="51.478100"' in found.text, "the coordinates are filled"
    assert (
        'value="Cook for the branch meeting"' in found.text
        and 'value="Kitchen at the back"' not in found.text
    )
    assert "Kitchen at the back</textarea>" in found.text, "every field keeps what was typed"
    assert counts(site) == before, "Find saves nothing"
    assert stub.searched() == ["riverside community centre"]


def test_find_lists_several_places_and_the_one_chosen_is_saved(site: Site) -> None:
    found = send(site, place_name="High Street", lat="", lon="", find="1")
    assert "Which place do you mean?" in found.text
    assert (
        found.text.count('type="radio" id="f-pick-') == 3
        and " checked" not in found.text.split("matches")[1][:2000]
    )
    sent = send(site, place_name="High Street", lat="", lon="", pick="51.438000,-3.174000")
    assert sent.status_code == 200 and "Thank you: your request was received" in sent.text
    assert stored(site) == [("High Street", 51.438, -3.174)]


def test_find_with_no_match_says_so_in_words(site: Site) -> None:
    found = send(site, place_name="Atlantis Crescent", lat="", lon="", find="1")
    assert found.status_code == 200 and "No place matches “Atlantis Crescent”" in found.text
    empty = send(site, place_name="", lat="", lon="", find="1")
    assert 'id="e-place_name"' in empty.text and "Type a place or a postcode, then press Find." in empty.text


def test_saving_a_place_without_coordinates_takes_its_only_match(site: Site, stub: GeocoderStub) -> None:
    sent = send(site, place_name="CF11 6AG", lat="", lon="")
    assert sent.status_code == 200 and "Thank you" in sent.text
    again = send(site, place_name=" cf11  6ag", lat="", lon="")
    assert again.status_code == 200
    assert stored(site) == [("CF11 6AG", 51.4779, -3.1869), ("cf11  6ag", 51.4779, -3.1869)]
    assert len(stub.requests) == 1, "the second save used the cached answer"


def test_saving_a_place_with_several_or_no_matches_asks(site: Site) -> None:
    before = counts(site)
    several = send(site, place_name="High Street", lat="", lon="")
    assert several.status_code == 422 and 'id="e-place_name"' in several.text
    assert "Several places match “High Street”: choose the one you mean." in several.text
    assert several.text.count('name="pick"') == 3
    none = send(site, place_name="Atlantis Crescent", lat="", lon="")
    assert none.status_code == 422 and "No place matches “Atlantis Crescent”" in none.text
    assert 'href="#f-place_name">Place: No place matches' in none.text, "in the summary too"
    assert counts(site) == before


def test_no_place_and_no_coordinates_is_one_error_at_the_place(site: Site) -> None:
    answer = send(site, place_name="", lat="", lon="")
    assert answer.status_code == 422
    assert 'id="e-place_name"' in answer.text
    assert 'id="e-lat"' not in answer.text and 'id="e-lon"' not in answer.text
    assert '<details class="coords">' in answer.text, "the advanced section stays closed"


def test_typed_coordinates_are_kept_and_never_looked_up(site: Site, stub: GeocoderStub) -> None:
    sent = send(site, place_name="Grangetown Hub", lat="51.47", lon="-3.18")
    assert sent.status_code == 200
    assert stored(site) == [("Grangetown Hub", 51.47, -3.18)] and stub.requests == []
    wrong = send(site, lat="123")
    assert wrong.status_code == 422 and '<details class="coords" open>' in wrong.text


@pytest.mark.parametrize("failure", ["500", "refused"])
def test_a_geocoder_that_is_down_never_breaks_the_form(
    site: Site, stub: GeocoderStub, failure: str, app_settings: Settings
) -> None:
    if failure == "500":
        stub.fail_with = 500
    else:
        nobody = app_settings.model_copy(update={"geocoder_url": f"http://127.0.0.1:{free_port()}"})
        site.client.app.state.geocoder = build_geocoder(site.engine, nobody)  # type: ignore[attr-defined]
    found = send(site, place_name=ONE, lat="", lon="", find="1")
    assert found.status_code == 200
    assert "Place search is not available right now." in found.text
    assert "pick the place on the map" in found.text.lower()
    saving = send(site, place_name=ONE, lat="", lon="")
    assert saving.status_code == 422 and 'id="e-place_name"' in saving.text
    assert "Place search is not available right now." in saving.text
    typed = send(site, place_name=ONE, lat="51.4781", lon="-3.1872")
    assert typed.status_code == 200 and "Thank you" in typed.text, "typed coordinates still work"


def test_the_json_search_behind_the_map(site: Site, stub: GeocoderStub) -> None:
    base = f"/p/{site.partner_token}/places"
    answer = site.client.get(base, params={"q": "High Street"})
    assert answer.status_code == 200
    assert [p["name"].split(", ")[1] for p in answer.json()["places"]] == ["Cardiff", "Penarth", "Barry"]
    assert site.client.get(base, params={"q": "Atlantis"}).json()["places"] == []
    assert site.client.get(base, params={"q": "x" * 201}).status_code == 422
    assert site.client.get(base, params={"q": ""}).status_code == 422
    assert site.client.get("/p/not-a-link/places", params={"q": "cf11 6ag"}).status_code == 404
    _, member_token = site.add_member("Nia Hughes")
    assert site.client.get(f"/m/{member_token}/places", params={"q": "cf11 6ag"}).status_code == 200
    assert site.client.get("/c/places", params={"q": "cf11 6ag"}).status_code == 403, "signed in only"
    assert site.login().get("/c/places", params={"q": "cf11 6ag"}).status_code == 200
    stub.fail_with = 503
    down = site.client.get("/c/places", params={"q": "somewhere new"})
    assert down.status_code == 503 and down.json() == {"detail": "Place search is not available right now."}
    assert len(stub.requests) == 4, "cached answers are not asked for again"


def test_a_member_finds_their_home_area(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    page = site.client.get(f"/m/{token}/profile")
    assert 'id="f-home_place"' in page.text and "Advanced: coordinates" in page.text
    data = {"csrf": csrf_of(page.text), "name": "Nia Hughes", "home_place": "CF11 6AG", "max_hours_week": "4"}
    found = site.client.post(
        f"/m/{token}/profile", data=data | {"home_lat": "", "home_lon": "", "home_find": "1"}
    )
    assert found.status_code == 200 and 'name="home_pick" value="51.477900,-3.186900" checked' in found.text
    saved = site.client.post(f"/m/{token}/profile", data=data | {"home_pick": ",".join(CF11)})
    assert saved.status_code == 200 and "Saved." in saved.text
    with site.engine.connect() as conn:
        profile = views.member_profile(conn, site.club_id, member_id) or {}
    assert (profile["home_place"], profile["home_lat"], profile["home_lon"]) == (
        "CF11 6AG",
        *coarse(*CF11_AT),
    )
    exact = site.client.post(
        f"/m/{token}/profile", data=data | {"home_pick": ",".join(CF11), "exact_home": "on"}
    )
    assert exact.status_code == 200
    with site.engine.connect() as conn:
        profile = views.member_profile(conn, site.club_id, member_id) or {}
    assert (profile["home_lat"], profile["home_lon"], profile["exact_home"]) == (*CF11_AT, True)


def test_a_coordinator_invites_a_member_by_postcode(site: Site) -> None:
    page = site.login().get("/c/members")
    invited = site.invite_member(csrf_of(page.text), home_place="CF11 6AG", home_lat="", home_lon="")
    assert invited.status_code == 201, invited.text
    with site.engine.connect() as conn:
        made = [m for m in views.club_members(conn, site.club_id) if m["name"] == "Zara Ali"]
    assert (made[0]["home_lat"], made[0]["home_lon"]) == coarse(*CF11_AT), "kept to ~500 m: nobody consented"
    found = site.invite_member(
        csrf_of(page.text), home_place="High Street", home_lat="", home_lon="", home_find="1"
    )
    assert found.status_code == 200 and "<details open><summary>Invite a member" in found.text
    assert found.text.count('name="home_pick"') == 3


def test_pages_allow_map_tiles_from_the_tile_host_only(site: Site) -> None:
    csp = site.client.get(f"/p/{site.partner_token}/new").headers["content-security-policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in csp
    assert "script-src 'self';" in csp and "connect-src" not in csp
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"


def test_the_place_field_repeats_with_a_prefix() -> None:
    """For repeated rows (e.g. a lift's pickups): every name, id and button carries the prefix."""
    names = PlaceNames("pickup-0-")
    assert (names.place, names.lat, names.lon, names.find, names.pick) == (
        "pickup-0-place_name",
        "pickup-0-lat",
        "pickup-0-lon",
        "pickup-0-find",
        "pickup-0-pick",
    )
    template = environment().from_string(
        '{% from "macros.html" import place_field %}'
        '{{ place_field("pickup-0-", "Pick up at", values, errors, found, None, v) }}'
    )
    html = template.render(
        values={"pickup-0-place_name": "Depot", "pickup-0-lat": "51.5", "pickup-0-lon": "-3.2"},
        errors={"pickup-0-place_name": "Fill this in."},
        found=Found("Depot", [Place("Depot, Cardiff", 51.48, -3.17)], "", "51.480000,-3.170000"),
        v={"base": "/p/x"},
    )
    for snippet in (
        'id="f-pickup-0-place_name" name="pickup-0-place_name" type="text" value="Depot"',
        'id="e-pickup-0-place_name"',
        'name="pickup-0-pick" value="51.480000,-3.170000" checked',
        'id="f-pickup-0-lat" name="pickup-0-lat" type="text" value="51.5"',
        'name="pickup-0-lon"',
        'data-prefix="pickup-0-"',
    ):
        assert snippet in html, snippet
    assert "Find" not in html and "data-search" not in html, "no search without a geocoder"
    assert label("pickup-0-place_name") == "Pickup 1: Place" and label("pickup-1-lat") == "Pickup 2: Latitude"


def test_the_json_api_search_takes_any_roles_token(site: Site) -> None:
    partner = {"Authorization": f"Bearer {site.partner_token}"}
    answer = site.client.get("/api/places", params={"q": "CF11 6AG"}, headers=partner)
    assert answer.status_code == 200 and answer.json()["places"][0]["lat"] == 51.4779
    assert site.client.get("/api/places", params={"q": "CF11 6AG"}).status_code == 401
    _, member_token = site.add_member("Nia Hughes")
    member = {"Authorization": f"Bearer {member_token}"}
    assert site.client.get("/api/places", params={"q": "x" * 201}, headers=member).status_code == 422


def test_the_coordinators_map_of_the_week(site: Site) -> None:
    soon = site.add_request(30, 2, "Lift to the picket")
    site.add_request(24 * 9, 1, "Lift next fortnight")
    member_id, _ = site.add_member("Nia Hughes", home_lat=51.5123, home_lon=-3.2345)
    site.approve(site.propose([(soon, 0, member_id)], [(soon, 1)]))
    site.dispatch()
    page = site.login().get("/c/map")
    assert page.status_code == 200 and '<a href="/c/map">Map</a>' in page.text
    assert "Lift to the picket" in page.text and "1 of 2 filled" in page.text
    assert "Lift next fortnight" not in page.text, "only the next seven days"
    assert 'data-lat="51.48" data-lon="-3.17"' in page.text
    assert "Nia" not in page.text and "51.5123" not in page.text, "no member, no member's home"


def test_without_leaflet_the_pages_have_no_map_but_search_and_coordinates(
    engine: Engine, app_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """As after an install without npm (deploy/vendor.sh): no map, no request for a missing script."""
    monkeypatch.setattr(places, "LEAFLET", tmp_path / "leaflet.js")
    with TestClient(create_app(app_settings, engine)) as client:
        site = make_site(engine, client)
        html = client.get(f"/p/{site.partner_token}/new").text
    assert "/static/vendor/leaflet" not in html and "data-tiles" not in html
    assert 'data-search="/p/' in html and "Advanced: coordinates" in html and "/static/place.js" in html
