"""Replayed benchmark instances: optimality, the search path, determinism and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import solver.engine
from solver import Params, Roster, SolveStatus, check, solve
from solver.bench_format import instance_from_bench
from solver.cli import run_cli
from solver.greedy import greedy_roster
from solver.problem import Problem
from tests.unit.solver.builders import FIXTURES, load_fixture

OPTIMA = {"tiny-s1": 33810, "small-s1": 161663}
"""Optimal objectives proven by the reference single CP-SAT model (../shared/bench/README.md)."""


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_small_instances_are_solved_to_the_known_optimum(name: str) -> None:
    inst = instance_from_bench(load_fixture(name))
    roster = solve(inst, Params(time_limit_s=10))
    assert roster.status is SolveStatus.OPTIMAL and roster.objective == roster.bound == OPTIMA[name]
    assert check(inst, roster.assignments).objective == OPTIMA[name]


@pytest.mark.parametrize("name", [p.stem for p in sorted(FIXTURES.glob("*.json"))])
def test_every_fixture_gets_a_checked_roster_with_explanations(name: str) -> None:
    inst = instance_from_bench(load_fixture(name))
    roster = solve(inst, Params(time_limit_s=10))
    assert check(inst, roster.assignments).objective == roster.objective
    assert len(roster.unfilled) == roster.total_slots - roster.filled_slots
    assert all(e.text for e in roster.unfilled)


def _searched(monkeypatch: pytest.MonkeyPatch, seed: int) -> tuple[object, ...]:
    monkeypatch.setattr(solver.engine, "EXACT_MAX_PAIRS", 0)
    inst = instance_from_bench(load_fixture("small-s2"))
    roster = solve(inst, Params(time_limit_s=30, seed=seed, max_rounds=12, workers=1))
    assert check(inst, roster.assignments).objective == roster.objective
    return roster.assignments


def test_the_neighbourhood_search_improves_on_the_warm_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver.engine, "EXACT_MAX_PAIRS", 0)
    inst = instance_from_bench(load_fixture("small-s2"))
    start = greedy_roster(Problem(inst, Params())).objective()
    roster = solve(inst, Params(time_limit_s=30, max_rounds=12))
    assert roster.objective > start


def test_the_same_seed_gives_the_same_roster(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _searched(monkeypatch, 7) == _searched(monkeypatch, 7)


def test_the_command_line_writes_a_spec_roster(tmp_path: Path) -> None:
    out = tmp_path / "roster.json"
    assert run_cli([str(FIXTURES / "tiny-s2.json"), "--time-limit", "5", "--out", str(out), "--quiet"]) == 0
    doc = json.loads(out.read_text())
    assert doc["format"] == "mechanic-bench-roster/1" and doc["instance"] == "tiny-s2"


def test_an_invalid_instance_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    raw = load_fixture("tiny-s1")
    raw["requests"][0]["priority"] = 9
    bad.write_text(json.dumps(raw))
    out = tmp_path / "roster.json"
    assert run_cli([str(bad), "--time-limit", "5", "--out", str(out)]) == 2
    assert not out.exists() and "priority" in capsys.readouterr().err


def _mid_size(monkeypatch: pytest.MonkeyPatch, seed: int) -> Roster:
    monkeypatch.setattr(solver.engine, "EXACT_ONLY_PAIRS", 0)
    inst = instance_from_bench(load_fixture("small-s2"))
    roster = solve(inst, Params(time_limit_s=30, seed=seed, max_rounds=8, workers=1))
    assert check(inst, roster.assignments).objective == roster.objective
    return roster


def test_the_mid_size_path_answers_with_the_proof_of_the_mip(monkeypatch: pytest.MonkeyPatch) -> None:
    roster = _mid_size(monkeypatch, 3)
    assert roster.status is SolveStatus.OPTIMAL and roster.objective == roster.bound


def test_without_the_mip_the_search_repeats_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver.engine, "expressible", lambda _: False)
    first, again = _mid_size(monkeypatch, 3), _mid_size(monkeypatch, 3)
    assert first.status is SolveStatus.FEASIBLE and first.bound is None
    assert first.assignments == again.assignments
