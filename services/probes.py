"""The worker's and the relay's small HTTP server: /livez and /readyz (``services.health``) for the
orchestrator, anything else Prometheus metrics. The API has its own (api/app.py).

Each answer is JSON with the reasons a check failed, so an operator reading a probe's failure sees
why, not only a status code."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from services.health import Health

Respond = Callable[[str, list[tuple[str, str]]], Any]


class _Quiet(WSGIRequestHandler):
    """A probe every few seconds is not worth a log line."""

    def log_message(self, format: str, *args: Any) -> None:
        return


def _verdict(respond: Respond, ok: str, reasons: list[str]) -> Iterable[bytes]:
    status, body = (
        ("200 OK", {"status": ok}) if not reasons else ("503 Service Unavailable", {"reasons": reasons})
    )
    respond(status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")])
    return [json.dumps(body).encode()]


def app(health: Health, registry: CollectorRegistry) -> Callable[[dict[str, Any], Respond], Iterable[bytes]]:
    metrics = make_wsgi_app(registry)

    def route(environ: dict[str, Any], respond: Respond) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/livez":
            return _verdict(respond, "live", health.live())
        if path == "/readyz":
            return _verdict(respond, "ready", health.ready())
        return metrics(environ, respond)

    return route


def serve(port: int, health: Health, registry: CollectorRegistry) -> None:
    """On all interfaces (the orchestrator probes the pod's address), in a daemon thread."""
    server = make_server("0.0.0.0", port, app(health, registry), ThreadingWSGIServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="probes", daemon=True).start()
