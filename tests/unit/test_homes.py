"""Homes are kept to a ~500 m cell unless the member chose exact pickup planning."""

from __future__ import annotations

from services.homes import coarse, kept
from solver.geo import dist_m


def test_a_home_is_kept_to_about_500_metres_unless_the_member_chose_exact_pickups() -> None:
    for lat, lon in ((51.4779, -3.1869), (51.5012, -3.2444), (-33.8688, 151.2093), (64.1466, -21.9426)):
        c_lat, c_lon = coarse(lat, lon)
        assert dist_m(lat, lon, c_lat, c_lon) <= 360, "within half a cell's diagonal"
        assert coarse(c_lat, c_lon) == (c_lat, c_lon), "a coarse point stays where it is"
    near = coarse(51.4779, -3.1869)
    assert coarse(51.4781, -3.1866) == near, "the next house is the same cell"
    assert kept({"home_lat": 51.4779, "home_lon": -3.1869})["home_lat"] == near[0]
    assert kept({"home_lat": 51.4779, "home_lon": -3.1869, "exact_home": True})["home_lat"] == 51.4779
