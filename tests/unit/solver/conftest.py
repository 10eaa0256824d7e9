"""Fixtures shared by the solver tests; the instance builders live in builders.py."""

from __future__ import annotations

import pytest

from solver import Params


@pytest.fixture
def quick() -> Params:
    return Params(time_limit_s=5, workers=1)
