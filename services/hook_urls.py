"""What a partner's webhook URL must be: http or https, a host, no credentials in it, so the sender
never meets one that could leak a password into logs or reach a scheme httpx should not speak."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_URL = 500


class BadUrl(ValueError):
    """The URL cannot be used for a webhook; the message says why, in words for the partner."""


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL:
        raise BadUrl(f"Use at most {MAX_URL} characters.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadUrl("Enter a web address starting with https:// (or http://).")
    if parts.username is not None or parts.password is not None:
        raise BadUrl("Leave user names and passwords out of the address; the signature proves who we are.")
    return url
