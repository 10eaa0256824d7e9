"""A real local SMTP server (aiosmtpd) and a stub of the signal-cli REST API that records requests."""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from entrypoints.bootstrap import bootstrap
from services.delivery import Container
from services.pump import pump_once
from services.settings import Settings, get_settings
from tests.e2e_support import free_port
from tests.pages.conftest import engine, site  # noqa: F401 - shared fixtures
from tests.pages.support import Site

LOCAL_HOOKS = {"webhook_allow_http": True, "webhook_allowed_networks": ["127.0.0.0/8"]}
"""What an operator sets to let webhooks reach the stub receivers here, on plain http to loopback."""


@pytest.fixture
def app_settings() -> Settings:
    return get_settings().model_copy(update=LOCAL_HOOKS)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[Message]]]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox.messages
    finally:
        controller.stop()


class _QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server on a free loopback port in a thread; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SignalStub:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0


@pytest.fixture
def signal_api() -> Iterator[SignalStub]:
    stub = SignalStub("")

    class Handler(_QuietHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if stub.fail_next:
                stub.fail_next -= 1
                self.send_response(500)
            else:
                stub.received.append({"path": self.path, "json": body})
                self.send_response(201)
            self.end_headers()

    with serving(Handler) as base:
        stub.url = base
        yield stub


@dataclass
class HookStub:
    """A partner's receiving end: every POST with its headers and raw body, or a 503 while failing."""

    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    fail_next: int = 0
    hold: threading.Event | None = None
    """While set to an unset event, every answer waits for it (a slow receiver, up to 10 s)."""


@pytest.fixture
def hook_server() -> Iterator[HookStub]:
    with hook_stub() as stub:
        yield stub


@contextmanager
def hook_stub() -> Iterator[HookStub]:
    stub = HookStub("")

    class Handler(_QuietHandler):
        def do_POST(self) -> None:
            if stub.hold is not None:
                stub.hold.wait(timeout=10)
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            if stub.fail_next:
                stub.fail_next -= 1
                self.send_response(503)
            else:
                stub.received.append(({k.lower(): v for k, v in self.headers.items()}, raw))
                self.send_response(204)
            self.end_headers()

    with serving(Handler) as base:
        stub.url = f"{base}/hooks/mechanic"
        yield stub


@pytest.fixture
def container(
    site: Site,  # noqa: F811
    smtp: tuple[int, list[Message]],
    signal_api: SignalStub,
    app_settings: Settings,
) -> Iterator[Container]:
    """The real composition root on the site's database, with email and Signal switched on."""
    settings = app_settings.model_copy(
        update={
            "database_url": site.engine.url.render_as_string(hide_password=False),
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp[0],
            "smtp_sender": "club@example.org",
            "signal_url": signal_api.url,
            "signal_number": "+447700900000",
        }
    )
    made = bootstrap(settings, migrate=False)
    yield made
    made.close()


def run_dispatcher(container: Container) -> None:
    """The embedded dispatcher until the outbox is empty, then one round of the sender loop."""
    while pump_once(container.engine, container.embedded_sink(), 500):
        pass
    container.notifier.deliver()
