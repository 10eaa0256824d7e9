"""A partner cannot point its webhook into the server's own or the club's private network: with the
default settings only public https addresses are accepted, with a clear message next to the field."""

from __future__ import annotations

import pytest

from services.store import webhooks
from tests.pages.support import Site, csrf_of

REFUSED = {
    "http://93.184.215.14/hook": "https://",
    "https://127.0.0.1:8000/c/": "public internet",
    "https://localhost/hook": "public internet",
    "https://169.254.169.254/latest/meta-data/": "public internet",
    "https://100.64.0.1/hook": "public internet",
    "https://10.1.2.3/hook": "public internet",
    "https://192.168.1.1/hook": "public internet",
    "https://[::1]/hook": "public internet",
    "https://[fd00::1]/hook": "public internet",
    "https://[fe80::1]/hook": "public internet",
    "https://224.0.0.1/hook": "public internet",
    "https://0.0.0.0/hook": "public internet",
    "https://240.0.0.1/hook": "public internet",
    "https://[::ffff:127.0.0.1]/hook": "public internet",
    "https://no-such-host.invalid/hook": "could not be found",
}


def _register(site: Site, url: str) -> tuple[int, str]:
    base = f"/p/{site.partner_token}/webhook"
    answer = site.client.post(base, data={"csrf": csrf_of(site.client.get(base).text), "url": url})
    return answer.status_code, answer.text


@pytest.mark.parametrize(("url", "message"), REFUSED.items())
def test_a_private_or_plain_http_address_is_refused(site: Site, url: str, message: str) -> None:
    status, html = _register(site, url)
    assert status == 422 and 'id="e-url"' in html and message in html
    with site.engine.connect() as conn:
        assert webhooks.hook_urls(conn, [site.partner_id]) == {}


def test_a_public_https_address_is_accepted(site: Site) -> None:
    status, _ = _register(site, "https://93.184.215.14/mechanic-hook")
    assert status == 201
