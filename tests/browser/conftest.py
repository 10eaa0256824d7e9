"""A real `mechanic up` process on a free port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import real_component
from tests.e2e_support import wait_for
from tests.integration.test_embedded_e2e import free_port

MECHANIC = str(Path(sys.executable).with_name("mechanic"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Server:
    url: str
    coordinator_token: str
    workdir: Path


def chromium_path() -> str:
    """MECHANIC_CHROMIUM (set by deploy/test.sh), else Debian's package if installed, else skip
    (or fail under MECHANIC_REQUIRE_REAL=1)."""
    if not os.environ.get("MECHANIC_CHROMIUM") and Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return real_component("MECHANIC_CHROMIUM", "Chromium")


@pytest.fixture
def artifacts() -> Path:
    root = Path(os.environ.get("MECHANIC_TEST_ARTIFACTS", "test-artifacts")) / "browser"
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = os.environ | {
        "MECHANIC_DATABASE_URL": f"sqlite:///{tmp_path}/mechanic.db",
        "MECHANIC_SOLVE_TIME_LIMIT_S": "2",
        "MECHANIC_DEBOUNCE_S": "0.3",
    }
    created = subprocess.run(
        [MECHANIC, "club", "create", "Riverside Mutual Aid"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    log = (tmp_path / "up.log").open("w")
    proc = subprocess.Popen(
        [MECHANIC, "up", "--port", str(port)], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=5) as http:
            wait_for("the server to answer", lambda: _healthy(http), timeout_s=30)
        yield Server(url, json.loads(created.stdout)["coordinator_token"], tmp_path)
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0, (tmp_path / "up.log").read_text()
        log.close()


def _healthy(http: httpx.Client) -> bool:
    try:
        return http.get("/healthz").status_code == 200
    except httpx.TransportError:
        return False
