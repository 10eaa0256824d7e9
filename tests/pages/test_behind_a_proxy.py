"""Behind a reverse proxy that ends TLS: with an https public address, every answer carries HSTS
and the session cookie is Secure even though the request reached us over plain http."""

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
    browser = TestClient(site.client.app, base_url="https://mechanic.example.org")  # as the proxy forwards it
    form = browser.get("/c/login")
    signed_in = browser.post(
        "/c/login",
        data={"csrf": csrf_of(form.text), "email": site.coordinator_email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    session = [c for c in signed_in.headers.get_list("set-cookie") if c.startswith("mechanic_session=")]
    assert session and "Secure" in session[0] and "HttpOnly" in session[0]


def test_without_one_there_is_no_hsts(engine: Engine, plain: TestClient) -> None:
    make_site(engine, plain)
    assert "strict-transport-security" not in plain.get("/c/login").headers
