"""``idgov up --kafka`` (``make run-kafka``): embedded PostgreSQL, the local Kafka broker, and the
relay, the workers and the API as supervised processes; one signal stops them all."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.leftovers import children_of, processes_mentioning, running
from tests.helpers import free_port
from tests.integration.support import wait_until
from tests.servers import Process, Server, idgov_env, new_api_key

pytestmark = pytest.mark.kafka


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # The embedded server may run as its own system user: the folder must be traversable.
    base = Path(tempfile.mkdtemp(prefix="idgov-run-kafka-"))
    os.chmod(base, 0o755)
    try:
        yield base / "data"
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def stack(data_dir: Path) -> Iterator[Server]:
    port = free_port()
    api_key = new_api_key()
    env = idgov_env("", port=str(port), bootstrap_api_key=api_key, data_dir=str(data_dir))
    env.pop("IDGOV_DATABASE_URL")
    env.update(KAFKA_PORT=str(free_port()), KAFKA_CONTROLLER_PORT=str(free_port()))
    server = Server(f"http://127.0.0.1:{port}", api_key, env)
    server.processes["up"] = Process("up-kafka", ["up", "--kafka"], env)
    try:
        yield server
    finally:
        server.stop()


def _supervised(server: Server) -> dict[int, str]:
    assert server.processes["up"].popen is not None
    return children_of(server.processes["up"].popen.pid)


def _nothing_left(data_dir: Path, processes: dict[int, str]) -> None:
    assert not running(set(processes)), f"still running: {processes}"
    assert not processes_mentioning(data_dir.resolve()), "PostgreSQL or the broker still runs"


def test_one_command_runs_the_pipeline_and_one_signal_stops_it(
    stack: Server, data_dir: Path
) -> None:
    health = stack.wait_healthy(timeout=180)
    assert health["mode"] == "kafka"
    with stack.client() as client:
        created = client.post("/organizations", json={"name": "Kafka Shaped"})
        assert created.status_code == 201, created.text
        # Answered by the directory model, which the worker fills from the topic.
        read = client.get(f"/organizations/{created.json()['id']}")
        assert read.status_code == 200, read.text
        assert read.json()["name"] == "Kafka Shaped"

    processes = _supervised(stack)
    commands = sorted(command.split("idgov ", 1)[1] for command in processes.values())
    assert commands == ["api", "project access", "project directory", "relay"]
    up = stack.processes["up"]
    assert up.stop(timeout=90) == 0, up.tail()
    _nothing_left(data_dir, processes)


def test_when_one_process_dies_everything_stops(stack: Server, data_dir: Path) -> None:
    stack.wait_healthy(timeout=180)
    processes = _supervised(stack)
    [api] = [pid for pid, command in processes.items() if command.endswith("idgov api")]
    os.kill(api, signal.SIGKILL)

    up = stack.processes["up"]
    assert up.popen is not None
    assert up.popen.wait(90) != 0
    assert "exited with code -9" in up.tail(), up.tail()
    wait_until(lambda: not processes_mentioning(data_dir.resolve()), 10, "everything to stop")
    _nothing_left(data_dir, processes)
