"""The shapes of log records that carry secrets in less obvious places: an exception as the message,
arguments that are objects, a traceback's exception text, and structlog event values."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from services.redact import install_log_redaction, redact_event

TOKEN = "Zq3xT0kEn-abc_DEF123456789"


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    previous = logging.getLogRecordFactory()
    install_log_redaction()
    caplog.set_level(logging.DEBUG)
    yield caplog
    logging.setLogRecordFactory(previous)


def test_every_part_of_a_record_is_redacted(captured: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("mechanic.test")
    log.warning(ValueError(f"no link /m/{TOKEN}/profile"))
    log.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/c/claim/{TOKEN}", "1.1", 200)
    try:
        raise RuntimeError(f"Authorization: Bearer {TOKEN}")
    except RuntimeError:
        log.exception("call to %s failed", f"https://hooks.example.org/in/{TOKEN}?key={TOKEN}")
    text = "\n".join(captured.text.splitlines())
    assert TOKEN not in text
    assert "/m/<redacted>/profile" in text and '"GET /c/claim/<redacted> HTTP/1.1" 200' in text
    assert "Bearer <redacted>" in text and "https://hooks.example.org/<redacted>" in text


def test_structlog_values_are_redacted_and_numbers_kept() -> None:
    event = redact_event(None, "info", {"event": "x", "path": f"/p/{TOKEN}/", "status": 200, "ok": None})
    assert event == {"event": "x", "path": "/p/<redacted>/", "status": 200, "ok": None}
