"""``idgov up`` on its own data dir, over a crash and a stop: the embedded PostgreSQL a killed
idgov left running is shut down before a fresh one starts; ``idgov up --kafka`` (``make
run-kafka``) runs the relay, the workers and the API as supervised processes on the local broker,
and one signal, or one process dying, stops them all. Nothing is left running afterwards."""

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


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # The embedded server may run as its own system user: the folder must be traversable.
    base = Path(tempfile.mkdtemp(prefix="idgov-up-"))
    os.chmod(base, 0o755)
    try:
        yield (base / "data").resolve()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _up(data_dir: Path, *args: str) -> Server:
    """``idgov up ARGS`` on ``data_dir`` (and, with --kafka, its broker on free ports)."""
    port = free_port()
    api_key = new_api_key()
    env = idgov_env("", port=str(port), bootstrap_api_key=api_key, data_dir=str(data_dir))
    env.pop("IDGOV_DATABASE_URL")
    env.update(KAFKA_PORT=str(free_port()), KAFKA_CONTROLLER_PORT=str(free_port()))
    server = Server(f"http://127.0.0.1:{port}", api_key, env)
    server.processes["up"] = Process("up", ["up", *args], env)
    return server


@pytest.fixture
def embedded(data_dir: Path) -> Iterator[Server]:
    server = _up(data_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def on_kafka(data_dir: Path) -> Iterator[Server]:
    server = _up(data_dir, "--kafka")
    try:
        yield server
    finally:
        server.stop()


def _supervised(server: Server) -> dict[int, str]:
    assert server.processes["up"].popen is not None
    return children_of(server.processes["up"].popen.pid)


def _nothing_left(data_dir: Path, processes: dict[int, str]) -> None:
    assert not running(set(processes)), f"still running: {processes}"
    assert not processes_mentioning(data_dir), "PostgreSQL or the broker still runs"


def test_up_after_a_kill_restarts_postgres_and_a_clean_stop_stops_it(
    embedded: Server, data_dir: Path
) -> None:
    process = embedded.processes["up"]
    pgdata = data_dir / "postgres"
    embedded.wait_healthy(timeout=120)
    with embedded.client() as client:
        created = client.post("/organizations", json={"name": "Crash Survivor"})
    assert created.status_code == 201, created.text
    orphans = processes_mentioning(pgdata)
    assert orphans
    process.kill()
    assert set(orphans) <= set(processes_mentioning(pgdata)), "PostgreSQL outlives the kill"

    process.start()
    embedded.wait_healthy(timeout=120)
    assert not set(orphans) & set(processes_mentioning(pgdata)), process.tail()
    with embedded.client() as client:
        read = client.get(f"/organizations/{created.json()['id']}")
        assert read.status_code == 200, read.text
        assert client.post("/organizations", json={"name": "After Crash"}).status_code == 201

    assert process.stop(timeout=60) == 0, process.tail()
    wait_until(lambda: not processes_mentioning(pgdata), 10, "PostgreSQL to stop")


@pytest.mark.kafka
def test_one_command_runs_the_pipeline_and_one_signal_stops_it(
    on_kafka: Server, data_dir: Path
) -> None:
    health = on_kafka.wait_healthy(timeout=180)
    assert health["mode"] == "kafka"
    with on_kafka.client() as client:
        created = client.post("/organizations", json={"name": "Kafka Shaped"})
        assert created.status_code == 201, created.text
        # Answered by the directory model, which its worker fills from the topic.
        read = client.get(f"/organizations/{created.json()['id']}")
        assert read.status_code == 200, read.text
        assert read.json()["name"] == "Kafka Shaped"

    processes = _supervised(on_kafka)
    commands = sorted(command.split("idgov ", 1)[1] for command in processes.values())
    assert commands == ["api", "project access", "project audit", "project directory", "relay"]
    up = on_kafka.processes["up"]
    assert up.stop(timeout=90) == 0, up.tail()
    _nothing_left(data_dir, processes)


@pytest.mark.kafka
def test_when_one_process_dies_everything_stops(on_kafka: Server, data_dir: Path) -> None:
    on_kafka.wait_healthy(timeout=180)
    processes = _supervised(on_kafka)
    [api] = [pid for pid, command in processes.items() if command.endswith("idgov api")]
    os.kill(api, signal.SIGKILL)

    up = on_kafka.processes["up"]
    assert up.popen is not None
    assert up.popen.wait(90) != 0
    assert "'idgov api' exited with code -9" in up.tail(), up.tail()
    wait_until(lambda: not processes_mentioning(data_dir), 10, "everything to stop")
    _nothing_left(data_dir, processes)
