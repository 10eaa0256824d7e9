"""Email over TLS against a real local SMTP server (aiosmtpd) with a certificate from a test CA:
implicit TLS and STARTTLS deliver when the certificate is trusted and names the host, refuse
otherwise, and a login is never offered in clear."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import ValidationError

from services.notify.channels import EmailChannel
from services.settings import Settings
from tests.e2e_support import free_port
from tests.notify.conftest import _Inbox

USER, PASSWORD = "club", "mail password"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _server_context(ca: trustme.CA, name: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return context


def _serve(inbox: _Inbox, implicit: ssl.SSLContext | None = None, **kwargs: Any) -> Controller:
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        ssl_context=implicit,
        authenticator=_authenticate,
        # aiosmtpd only counts STARTTLS as TLS for AUTH; an implicit-TLS connection is TLS throughout
        auth_require_tls=implicit is None,
        **kwargs,
    )
    controller.start()
    return controller


@pytest.fixture
def starttls_server(ca: trustme.CA) -> Iterator[tuple[int, list[Message]]]:
    inbox = _Inbox()
    controller = _serve(inbox, tls_context=_server_context(ca, "127.0.0.1"), require_starttls=True)
    yield controller.port, inbox.messages
    controller.stop()


@pytest.fixture
def implicit_server(ca: trustme.CA) -> Iterator[tuple[int, list[Message]]]:
    inbox = _Inbox()
    controller = _serve(inbox, implicit=_server_context(ca, "127.0.0.1"))
    yield controller.port, inbox.messages
    controller.stop()


def _channel(port: int, security: str, ca_file: str | None, login: bool = True) -> EmailChannel:
    return EmailChannel(
        "127.0.0.1",
        port,
        "club@example.org",
        security,  # type: ignore[arg-type]
        USER if login else None,
        PASSWORD if login else None,
        timeout_s=5,
        ca_file=ca_file,
    )


def test_starttls_with_a_trusted_certificate_delivers_after_logging_in(
    starttls_server: tuple[int, list[Message]], ca_file: str
) -> None:
    port, inbox = starttls_server
    _channel(port, "starttls", ca_file).send("nia@example.org", "Hello", "Body")
    assert [m["To"] for m in inbox] == ["nia@example.org"]


def test_implicit_tls_with_a_trusted_certificate_delivers(
    implicit_server: tuple[int, list[Message]], ca_file: str
) -> None:
    port, inbox = implicit_server
    _channel(port, "tls", ca_file).send("nia@example.org", "Hello", "Body")
    assert len(inbox) == 1


def test_an_untrusted_certificate_is_refused_and_nothing_is_sent(
    starttls_server: tuple[int, list[Message]], implicit_server: tuple[int, list[Message]]
) -> None:
    for (port, inbox), security in ((starttls_server, "starttls"), (implicit_server, "tls")):
        with pytest.raises(ssl.SSLCertVerificationError):
            _channel(port, security, ca_file=None).send("nia@example.org", "Hello", "Body")
        assert inbox == []


def test_a_certificate_for_another_host_is_refused(ca: trustme.CA, ca_file: str) -> None:
    inbox = _Inbox()
    controller = _serve(inbox, implicit=_server_context(ca, "mail.example.org"))
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            _channel(controller.port, "tls", ca_file).send("nia@example.org", "Hello", "Body")
    finally:
        controller.stop()
    assert inbox.messages == []


def test_a_login_is_never_configured_without_tls() -> None:
    with pytest.raises(ValidationError, match="never sent in clear"):
        Settings(smtp_host="mail.example.org", smtp_username=USER, smtp_password=PASSWORD)
    with pytest.raises(ValueError, match="never sent in clear"):
        _channel(25, "none", None)
    older = Settings(smtp_host="mail.example.org", smtp_starttls=True, smtp_username=USER)
    assert older.smtp_security == "starttls"
    assert PASSWORD not in repr(Settings(smtp_security="tls", smtp_password=PASSWORD))
