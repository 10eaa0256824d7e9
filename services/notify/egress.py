"""Where a partner's webhook may send us: public https addresses only.

A webhook URL is typed by a partner, so without this check a partner link (which can leak) could
make the server call its own admin ports, the cloud metadata service or the club's private network.
The host is resolved and every address it resolves to must be public; the call then goes to the
address that was checked (Host header and TLS SNI keep the name, and the certificate is verified
against it), so a DNS answer that changes between the check and the call (DNS rebinding) is never
followed. The check runs at registration, for a clear answer, and again before every call.

Operators can allow plain http and name networks to exempt (a partner on the club's VPN, or the
tests' loopback receiver) with MECHANIC_WEBHOOK_ALLOW_HTTP and MECHANIC_WEBHOOK_ALLOWED_NETWORKS.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import SplitResult, urlsplit

import httpx

from services.settings import Settings

IPAddress = IPv4Address | IPv6Address
CGNAT = ip_network("100.64.0.0/10")


class Refused(ValueError):
    """The address may not receive webhooks; the message says why, in words for the partner."""


@dataclass(frozen=True)
class EgressPolicy:
    allow_http: bool = False
    allowed_networks: tuple[IPv4Network | IPv6Network, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> EgressPolicy:
        networks = tuple(ip_network(n, strict=False) for n in settings.webhook_allowed_networks)
        return cls(settings.webhook_allow_http, networks)

    def forbidden(self, address: IPAddress) -> bool:
        if any(address in network for network in self.allowed_networks):
            return False
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            return self.forbidden(address.ipv4_mapped)
        return (
            not address.is_global
            or address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_unspecified
            or address.is_reserved
            or (isinstance(address, IPv4Address) and address in CGNAT)
        )

    def resolve(self, url: str) -> tuple[SplitResult, IPAddress]:
        """The URL's parts and the one address to call, or Refused."""
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and self.allow_http):
            raise Refused("Enter an address starting with https://.")
        if not parts.hostname:
            raise Refused("Enter a web address with a host name, e.g. https://example.org/hook.")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise Refused(f"The host {parts.hostname} could not be found.") from exc
        addresses = [ip_address(str(info[4][0]).split("%")[0]) for info in found]
        if not addresses or any(self.forbidden(a) for a in addresses):
            raise Refused("That address is not on the public internet; use a public https:// address.")
        return parts, addresses[0]

    def post(self, url: str, content: bytes, headers: dict[str, str], timeout_s: float) -> httpx.Response:
        """POST to the address checked just now, naming the host in Host and in TLS SNI."""
        parts, address = self.resolve(url)
        literal = f"[{address}]" if address.version == 6 else str(address)
        pinned = parts._replace(netloc=f"{literal}:{parts.port}" if parts.port else literal).geturl()
        with httpx.Client(timeout=timeout_s) as client:
            request = client.build_request(
                "POST",
                pinned,
                content=content,
                headers=headers | {"Host": parts.netloc},
                extensions={"sni_hostname": parts.hostname},
            )
            return client.send(request)
