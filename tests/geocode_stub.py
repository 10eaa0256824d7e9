"""A stand-in geocoder on a loopback port: Nominatim's /search?format=json and Photon's /api, answering
as the real servers do (Nominatim: a JSON list with coordinates as strings; Photon: GeoJSON), from a
small gazetteer, and recording every search it gets; and plain map tiles at /tiles/ for the browser."""

from __future__ import annotations

import contextlib
import json
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

GAZETTEER: dict[str, list[tuple[str, float, float, dict[str, str]]]] = {
    "riverside community centre": [
        (
            "Riverside Community Centre, Despenser Street, Riverside, Cardiff, CF11 6AG, United Kingdom",
            51.4781,
            -3.1872,
            {"name": "Riverside Community Centre", "street": "Despenser Street", "city": "Cardiff"},
        )
    ],
    "cf11 6ag": [
        (
            "Despenser Street, Riverside, Cardiff, Wales, CF11 6AG, United Kingdom",
            51.4779,
            -3.1869,
            {"street": "Despenser Street", "postcode": "CF11 6AG", "city": "Cardiff"},
        )
    ],
    "high street": [
        (f"High Street, {town}, Wales, United Kingdom", lat, lon, {"name": "High Street", "city": town})
        for town, lat, lon in (
            ("Cardiff", 51.48, -3.179),
            ("Penarth", 51.438, -3.174),
            ("Barry", 51.404, -3.266),
        )
    ],
}


def _tile() -> bytes:
    """A 256x256 map tile: pale ground with a darker edge, so the map's grid shows in screenshots."""
    edge, ground = b"\xb8\xc4\xcc", b"\xe9\xee\xe4"
    rows = [b"\x00" + edge * 256] + [b"\x00" + edge + ground * 255 for _ in range(255)]
    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


TILE = _tile()


@dataclass
class GeocoderStub:
    url: str
    requests: list[tuple[float, str, dict[str, str]]] = field(default_factory=list)
    """(monotonic time, path, query parameters) of every request."""
    fail_with: int | None = None
    """While set, every request is answered with this HTTP status."""
    delay_s: float = 0.0
    tile_referers: set[str] = field(default_factory=set)
    """The Referer headers map tiles were asked for with (a private link must never be one)."""

    def searched(self) -> list[str]:
        return [params["q"] for _, path, params in self.requests if "q" in params]

    @property
    def tiles(self) -> str:
        """A tile URL template for Leaflet: a plain tile for every square (no outside tile server)."""
        return f"{self.url}/tiles/{{z}}/{{x}}/{{y}}.png"


def nominatim_json(query: str) -> list[dict[str, Any]]:
    return [
        {
            "place_id": 1000 + i,
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright",
            "osm_type": "way",
            "osm_id": 5000 + i,
            "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}",
            "class": "amenity",
            "type": "community_centre",
            "place_rank": 30,
            "importance": 0.1,
            "addresstype": "amenity",
            "name": props.get("name", ""),
            "display_name": name,
            "boundingbox": [f"{x:.7f}" for x in (lat - 0.001, lat + 0.001, lon - 0.001, lon + 0.001)],
        }
        for i, (name, lat, lon, props) in enumerate(GAZETTEER.get(query.casefold(), []))
    ]


def photon_geojson(query: str) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"osm_id": 5000 + i, "osm_type": "W", "country": "United Kingdom", **props},
            }
            for i, (_, lat, lon, props) in enumerate(GAZETTEER.get(query.casefold(), []))
        ],
    }


@contextmanager
def geocoder_stub() -> Iterator[GeocoderStub]:
    stub = GeocoderStub("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(parts.query).items()}
            params["user-agent"] = self.headers["User-Agent"]
            if parts.path.startswith("/tiles/"):  # tiles never fail or wait: only the geocoder does
                stub.tile_referers.add(self.headers.get("Referer", ""))
                self._send(200, TILE, "image/png")
                return
            stub.requests.append((time.monotonic(), parts.path, params))
            if stub.delay_s:
                time.sleep(stub.delay_s)
            if stub.fail_with:
                self._send(stub.fail_with, {"error": "stub failure"})
            elif parts.path == "/search" and params.get("format") == "json":
                self._send(200, nominatim_json(params.get("q", ""))[: int(params.get("limit", 10))])
            elif parts.path == "/api":
                found = photon_geojson(params.get("q", ""))
                found["features"] = found["features"][: int(params.get("limit", 10))]
                self._send(200, found)
            else:
                self._send(400, {"error": "unknown request"})

        def _send(self, status: int, body: Any, kind: str = "application/json") -> None:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that timed out
                self.wfile.write(raw)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
