"""``idgov up`` after a crash: the embedded PostgreSQL a SIGKILLed idgov left running is shut down
before a fresh one starts, and the next clean stop really stops PostgreSQL."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.leftovers import processes_mentioning
from tests.helpers import free_port
from tests.integration.support import wait_until
from tests.servers import Process, Server, idgov_env, new_api_key


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # The embedded server may run as its own system user: the folder must be traversable.
    base = Path(tempfile.mkdtemp(prefix="idgov-crash-"))
    os.chmod(base, 0o755)
    try:
        yield base / "data"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_up_after_a_kill_restarts_postgres_and_a_clean_stop_stops_it(data_dir: Path) -> None:
    port = free_port()
    api_key = new_api_key()
    env = idgov_env("", port=str(port), bootstrap_api_key=api_key, data_dir=str(data_dir))
    env.pop("IDGOV_DATABASE_URL")
    server = Server(f"http://127.0.0.1:{port}", api_key, env)
    process = server.processes["up"] = Process("up-crash", ["up"], env)
    pgdata = (data_dir / "postgres").resolve()
    try:
        server.wait_healthy(timeout=120)
        with server.client() as client:
            created = client.post("/organizations", json={"name": "Crash Survivor"})
        assert created.status_code == 201, created.text
        orphans = processes_mentioning(pgdata)
        assert orphans
        process.kill()
        assert set(orphans) <= set(processes_mentioning(pgdata)), "PostgreSQL outlives the kill"

        process.start()
        server.wait_healthy(timeout=120)
        assert not set(orphans) & set(processes_mentioning(pgdata)), process.tail()
        with server.client() as client:
            read = client.get(f"/organizations/{created.json()['id']}")
            assert read.status_code == 200, read.text
            assert client.post("/organizations", json={"name": "After Crash"}).status_code == 201

        assert process.stop(timeout=60) == 0, process.tail()
        wait_until(lambda: not processes_mentioning(pgdata), 10, "PostgreSQL to stop")
    finally:
        if process.running:
            process.stop()
