"""Behind a reverse proxy that ends TLS: with an https public address, every answer carries HSTS
and every cookie is Secure, named __Host-..., with Path=/ and no Domain, even though the request
reached us over plain http. Without one, on plain http, cookies keep their plain names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from services.settings import Settings, get_settings
from tests.pages.support import PASSWORD, Site, csrf_of, make_site


@pytest.fixture
def app_settings() -> Settings:
    return get_settings().model_copy(update={"public_url": "https://mechanic.example.org"})


@pytest.fixture
def plain(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(get_settings().model_copy(update={"public_url": None}), engine)) as client:
        yield client


def test_an_https_public_address_gives_hsts_and_secure_cookies(site: Site) -> None:
    page = site.client.get("/c/login")
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    assert site.client.get("/healthz").headers["strict-transport-security"] == "max-age=31536000"
    cookies = page.headers.get_list("set-cookie")
    assert cookies and all("Secure" in c for c in cookies), "Secure although this request was plain http"
    assert all(_host_only(c) for c in cookies), cookies
    browser = TestClient(site.client.app, base_url="https://mechanic.example.org")  # as the proxy forwards it
    form = browser.get("/c/login")
    signed_in = browser.post(
        "/c/login",
        data={"csrf": csrf_of(form.text), "email": site.coordinator_email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    set_cookies = signed_in.headers.get_list("set-cookie")
    session = [c for c in set_cookies if c.startswith("__Host-mechanic_session=")]
    assert session and "HttpOnly" in session[0] and all(_host_only(c) for c in set_cookies)
    assert browser.get("/c/").status_code == 200  # the session is read back under its prefixed name
    assert browser.cookies.get("mechanic_session") is None
    signed_out = browser.post("/c/logout", data={"csrf": csrf_of(browser.get("/c/").text)})
    assert signed_out.status_code == 200 and browser.get("/c/", follow_redirects=False).status_code == 403


def _host_only(cookie: str) -> bool:
    """What a browser demands of a __Host- cookie: Secure, Path=/, no Domain."""
    attributes = [part.strip().lower() for part in cookie.split(";")]
    return (
        cookie.startswith("__Host-")
        and "secure" in attributes
        and "path=/" in attributes
        and not any(a.startswith("domain=") for a in attributes)
    )


def test_without_one_there_is_no_hsts_and_cookies_keep_plain_names(engine: Engine, plain: TestClient) -> None:
    site = make_site(engine, plain)
    page = plain.get("/c/login")
    assert "strict-transport-security" not in page.headers
    cookies = page.headers.get_list("set-cookie")
    assert cookies and not any("__Host-" in c or "Secure" in c for c in cookies), cookies
    site.login(plain)
    assert plain.cookies.get("mechanic_session") and plain.get("/c/").status_code == 200
