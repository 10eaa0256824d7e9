"""Delivery channels. Each knows which address of a member it uses and how to send one message."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal

import httpx

from services.notify.ports import Channel, Recipient


class EmailChannel(Channel):
    """SMTP with implicit TLS or STARTTLS (the server's certificate and name verified) and optional
    login, which is only ever sent inside TLS; one connection per message keeps failures isolated."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        security: Literal["none", "starttls", "tls"] = "none",
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = 10,
        ca_file: str | None = None,
    ) -> None:
        if username and security == "none":
            raise ValueError("an SMTP login needs TLS: the password is never sent in clear")
        self.host, self.port, self.sender, self.security = host, port, sender, security
        self.username, self.password, self.timeout_s = username, password, timeout_s
        self.tls = ssl.create_default_context(cafile=ca_file)

    def address(self, recipient: Recipient) -> str | None:
        return recipient.email if recipient.email and recipient.wants_email else None

    def send(self, address: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, address, subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(body)
        connect = (
            smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=self.tls)
            if self.security == "tls"
            else smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        )
        with connect as smtp:
            if self.security == "starttls":
                smtp.starttls(context=self.tls)  # refuses an unverified certificate or a missing STARTTLS
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


class SignalChannel(Channel):
    """The signal-cli REST API: ``POST /v2/send`` with ``{"message", "number", "recipients"}``,
    where ``number`` is the club's registered Signal number."""

    name = "signal"

    def __init__(self, base_url: str, number: str, timeout_s: float = 10) -> None:
        self.base_url, self.number, self.timeout_s = base_url.rstrip("/"), number, timeout_s

    def address(self, recipient: Recipient) -> str | None:
        return recipient.phone if recipient.phone and recipient.wants_signal else None

    def send(self, address: str, subject: str, body: str) -> None:
        payload = {"message": f"{subject}\n\n{body}", "number": self.number, "recipients": [address]}
        answer = httpx.post(f"{self.base_url}/v2/send", json=payload, timeout=self.timeout_s)
        answer.raise_for_status()
