"""The deploy manifests (deploy/compose.yaml, deploy/k8s/mechanic.yaml) against the code they start.

Nothing runs these files in CI (no Docker or cluster here), so a renamed setting, subcommand or probe
path would silently break a deployment: an unknown MECHANIC_ variable is ignored by the settings, a
probe on a path the process does not serve fails for ever. These tests read the manifests and check
each name they use against the code."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from api.app import create_app
from entrypoints.cli import build_parser
from services import probes
from services.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
LONG_RUNNING = {"api", "relay", "worker"}
"""Subcommands that serve until stopped; the others (db upgrade) run once."""


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def _k8s() -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((DEPLOY / "k8s" / "mechanic.yaml").read_text()) if doc]


def _k8s_containers() -> Iterator[dict[str, Any]]:
    for doc in _k8s():
        if doc["kind"] in {"Deployment", "Job"}:
            yield from doc["spec"]["template"]["spec"]["containers"]


def _compose_mechanic_services() -> dict[str, dict[str, Any]]:
    """The services built from this repository's Dockerfile (whose entry point is ``mechanic``)."""
    return {name: s for name, s in _compose()["services"].items() if "build" in s}


def _k8s_config() -> dict[str, str]:
    (config,) = [doc for doc in _k8s() if doc["kind"] == "ConfigMap"]
    data: dict[str, str] = config["data"]
    return data


def _variables() -> set[str]:
    names = set(_compose()["x-mechanic-env"]) | set(_k8s_config())
    for container in _k8s_containers():
        names |= {e["name"] for e in container.get("env", [])}
    return names


def test_every_mechanic_variable_in_the_manifests_is_a_setting() -> None:
    """The settings ignore unknown variables (extra="ignore"), so a misspelt one would do nothing."""
    fields = {f"MECHANIC_{name.upper()}" for name in Settings.model_fields}
    used = {n for n in _variables() if n.startswith("MECHANIC_")}
    assert used, "the manifests set no MECHANIC_ variable at all"
    assert used - fields == set(), f"not settings: {sorted(used - fields)}"


def test_values_in_the_manifests_are_valid_settings() -> None:
    """Each literal value parses as its setting's type (e.g. partitions >= 1, a known transport)."""
    for values in (_k8s_config(), _compose()["x-mechanic-env"]):
        literal = {k[len("MECHANIC_") :].lower(): v for k, v in values.items() if "${" not in str(v)}
        Settings.model_validate(literal)  # raises ValidationError on a bad value


def test_the_database_password_is_a_secret_with_no_default() -> None:
    """In compose the password must be given (``${VAR:?message}``); in k8s it comes from a Secret."""
    url = _compose()["x-mechanic-env"]["MECHANIC_DATABASE_URL"]
    assert re.search(r"\$\{MECHANIC_DB_PASSWORD:\?[^}]+\}", url), url
    assert "MECHANIC_DATABASE_URL" not in _k8s_config()
    for container in _k8s_containers():
        (db,) = [e for e in container["env"] if e["name"] == "MECHANIC_DATABASE_URL"]
        assert "secretKeyRef" in db["valueFrom"], container["name"]


def _commands() -> list[tuple[str, list[str]]]:
    compose = [(name, s["command"]) for name, s in _compose_mechanic_services().items()]
    return compose + [(f"k8s {c['name']}", c["args"]) for c in _k8s_containers()]


@pytest.mark.parametrize(("where", "argv"), _commands(), ids=lambda v: str(v))
def test_every_command_in_the_manifests_is_a_mechanic_subcommand(where: str, argv: list[str]) -> None:
    parsed = build_parser(Settings()).parse_args(argv)  # argparse exits on an unknown one
    assert callable(parsed.run), where


def test_long_running_services_restart_and_report_their_health() -> None:
    for name, service in _compose_mechanic_services().items():
        if service["command"][0] in LONG_RUNNING:
            assert service.get("restart") == "unless-stopped", name
            assert "healthcheck" in service, name
    deployments = {d["metadata"]["name"] for d in _k8s() if d["kind"] == "Deployment"}
    assert {f"mechanic-{n}" for n in LONG_RUNNING} <= deployments
    for container in _k8s_containers():
        if container["args"][0] in LONG_RUNNING:
            assert {"livenessProbe", "readinessProbe"} <= set(container), container["name"]


class _Healthy:
    def live(self) -> list[str]:
        return []

    def ready(self) -> list[str]:
        return []


def _probe_answer(path: str) -> dict[str, Any]:
    """What the relay's and worker's probe server answers on ``path`` (its WSGI app, called directly)."""
    answered: list[str] = []
    route = probes.app(_Healthy(), CollectorRegistry())  # type: ignore[arg-type]
    body = b"".join(route({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda s, h: answered.append(s)))
    assert answered == ["200 OK"], (path, answered)
    answer: dict[str, Any] = json.loads(body)
    return answer


def _k8s_probes() -> Iterator[tuple[str, str, int | str]]:
    for container in _k8s_containers():
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            if kind in container:
                get = container[kind]["httpGet"]
                yield container["args"][0], get["path"], get["port"]


def _compose_probes() -> Iterator[tuple[str, str, int]]:
    for service in _compose_mechanic_services().values():
        if "healthcheck" in service:
            url = re.search(r"http://[\d.]+:(\d+)(/\w+)", " ".join(service["healthcheck"]["test"]))
            assert url, service["healthcheck"]
            yield service["command"][0], url.group(2), int(url.group(1))


def test_every_probe_asks_a_path_its_process_serves_on_the_port_it_listens_on() -> None:
    api_paths = {getattr(r, "path", None) for r in create_app(Settings()).routes}
    metrics_port = int(_k8s_config()["MECHANIC_METRICS_PORT"])
    assert int(_compose()["x-mechanic-env"]["MECHANIC_METRICS_PORT"]) == metrics_port
    k8s_ports = {
        c["args"][0]: {p.get("name"): p["containerPort"] for p in c["ports"]}
        for c in _k8s_containers()
        if "ports" in c
    }
    probes_seen = [*_k8s_probes(), *_compose_probes()]
    assert {process for process, _, _ in probes_seen} == LONG_RUNNING
    for process, path, port in probes_seen:
        if process == "api":
            assert path in api_paths, path
            assert port == Settings().api_port
        else:
            assert port in {metrics_port, "metrics"}, (process, port)
            assert k8s_ports[process]["metrics"] == metrics_port
            assert set(_probe_answer(path)) == {"status"}, (process, path)
