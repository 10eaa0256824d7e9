"""Oversized bodies are refused with 413 before they are read, by a real uvicorn serving the app:
one declared by Content-Length, one streamed in chunks with no length."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from sqlalchemy import Engine

from api.app import create_app
from services.settings import Settings
from tests.e2e_support import free_port, wait_for

CAP = 256 * 1024
CHUNK = b"x" * 65536


@pytest.fixture
def port(api_engine: Engine) -> Iterator[int]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(Settings(max_body_bytes=CAP), api_engine), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for("uvicorn to start", lambda: server.started, timeout_s=15)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def _response(sock: socket.socket) -> bytes:
    """What the server answered, up to its close (a reset, since it leaves the rest unread)."""
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def _post(port: int, headers: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = "POST /api/partner/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    sock.sendall(f"{head}{headers}\r\n".encode())
    return sock


def test_a_declared_200_mib_body_is_refused_unread_and_unauthenticated(port: int) -> None:
    with _post(port, f"Content-Length: {200 * 1024 * 1024}\r\n") as sock:
        started = time.monotonic()
        answer = _response(sock)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"at most 262144 bytes" in answer and time.monotonic() - started < 2


def test_a_chunked_body_is_cut_off_once_it_passes_the_cap(port: int) -> None:
    sent = 0
    with _post(port, "Transfer-Encoding: chunked\r\n") as sock:
        with contextlib.suppress(ConnectionError):  # the server may close while we are still sending
            while sent < 200 * 1024 * 1024 and not select.select([sock], [], [], 0)[0]:
                sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                sent += len(CHUNK)
        answer = _response(sock)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"at most 262144 bytes" in answer
    assert sent < 16 * 1024 * 1024, f"the client could push {sent} bytes before the refusal"


def test_a_body_under_the_cap_is_served(port: int) -> None:
    with _post(port, "Content-Length: 2\r\nConnection: close\r\n") as sock:
        sock.sendall(b"{}")
        assert _response(sock).startswith(b"HTTP/1.1 401 ")
