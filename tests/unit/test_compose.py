"""deploy/docker-compose.yml, read as data (docker is not needed): the broker is reachable both
from idgov's containers and from the host."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "docker-compose.yml"


def _listeners(value: str) -> dict[str, str]:
    """``NAME://host:port,...`` by name."""
    return dict(item.split("://", 1) for item in value.split(","))


def _default(value: str) -> str:
    """``${VAR:-default}`` as its default, as compose reads it with VAR unset."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


@pytest.fixture(scope="module")
def kafka() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text())["services"]["kafka"])


def test_the_broker_advertises_a_listener_to_the_containers_and_one_to_the_host(
    kafka: dict[str, Any],
) -> None:
    env = kafka["environment"]
    listeners = _listeners(env["KAFKA_LISTENERS"])
    advertised = _listeners(_default(env["KAFKA_ADVERTISED_LISTENERS"]))
    protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(advertised) <= set(listeners) <= set(protocols)

    in_network = yaml.safe_load(COMPOSE.read_text())["x-idgov-env"]["IDGOV_KAFKA_BOOTSTRAP"]
    assert in_network in advertised.values()

    [published] = [_default(p) for p in kafka["ports"]]
    host_ip, host_port, container_port = published.split(":")
    assert host_ip == "127.0.0.1"
    [host_listener] = [
        name for name, address in advertised.items() if address == f"localhost:{host_port}"
    ]
    assert listeners[host_listener].endswith(f":{container_port}")
