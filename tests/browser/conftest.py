"""A real `mechanic up` process on a free port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import real_component
from tests.e2e_support import Embedded, embedded_process

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
def server(tmp_path: Path) -> Iterator[Embedded]:
    with embedded_process(tmp_path, "Riverside Mutual Aid") as running:
        yield running
