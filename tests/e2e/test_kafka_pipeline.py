"""Acceptance: the production shape, as separate processes on real Kafka.

``idgov api``, ``idgov relay`` and one ``idgov project`` worker per read model run as their
own processes. A command's events reach the topic as CloudEvents, the read model reflects
them, and reads see the change: right after the command (default consistency), with the
command's consistency token, and never silently stale (503 when a worker is stopped).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest
from workos import WorkOSClient

from consumers.messages import AGGREGATE_ID, AGGREGATE_VERSION, POSITION
from tests.e2e.support import workos_client
from tests.integration.support import consume_all, headers_of, is_watermark, wait_until
from tests.servers import Server, kafka_stack

pytestmark = pytest.mark.kafka

CONSISTENCY = "X-Idgov-Consistency"
TOKEN = "X-Idgov-Consistency-Token"
READ_POSITION = "X-Idgov-Read-Position"
# Short, so the test of a stopped worker waits little; long enough for a healthy pipeline.
CONSISTENCY_TIMEOUT_MS = 3000
POOL_SIZE = 4  # the API's pooled connections, each kind


@pytest.fixture(scope="module")
def stack(database_url: str, kafka_bootstrap: str, kafka_topic: str) -> Iterator[Server]:
    with kafka_stack(
        database_url,
        kafka_bootstrap,
        kafka_topic,
        consistency_timeout_ms=str(CONSISTENCY_TIMEOUT_MS),
        db_pool_size=str(POOL_SIZE),
        event_source="urn:idgov:e2e",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def workos(stack: Server) -> WorkOSClient:
    return workos_client(stack)


@pytest.fixture
def http(stack: Server) -> Iterator[httpx.Client]:
    with stack.client() as client:
        yield client


def _records_about(bootstrap: str, topic: str, subject: str) -> list[object]:
    return [
        r
        for r in consume_all(bootstrap, topic)
        if not is_watermark(r) and headers_of(r).get("ce_subject") == subject.encode()
    ]


def test_a_command_reaches_the_topic_as_cloudevents_and_is_read_back_at_once(
    stack: Server, workos: WorkOSClient, kafka_bootstrap: str, kafka_topic: str
) -> None:
    created = workos.organizations.create_organization(name="Pipeline Inc", external_id="pipe-1")
    # Default consistency: the read right after the command sees it, through Kafka.
    read = workos.organizations.get_organization(created.id)
    assert (read.id, read.name, read.external_id) == (created.id, "Pipeline Inc", "pipe-1")

    workos.organizations.update_organization(created.id, name="Pipeline Ltd")
    assert workos.organizations.get_organization_by_external_id("pipe-1").name == "Pipeline Ltd"

    records = wait_until(
        lambda: (
            (found := _records_about(kafka_bootstrap, kafka_topic, created.id))
            and {headers_of(r)["ce_type"] for r in found}
            >= {b"organization.created", b"organization.renamed"}
            and found
        ),
        30,
        "the organization's events on the topic",
    )
    by_type = {headers_of(r)["ce_type"].decode(): r for r in records}
    for ce_type, version in (("organization.created", 1), ("organization.renamed", 2)):
        record = by_type[ce_type]
        headers = headers_of(record)
        assert headers["ce_specversion"] == b"1.0"
        assert headers["ce_source"] == b"urn:idgov:e2e"
        assert headers["ce_id"]
        assert headers["content-type"] == b"application/json"
        assert datetime.fromisoformat(headers["ce_time"].decode().replace("Z", "+00:00"))
        assert int(headers[POSITION]) > 0
        assert headers[AGGREGATE_ID] == created.id.encode()
        assert int(headers[AGGREGATE_VERSION]) == version
        # Keyed by organization: its events share a partition and keep their order.
        assert record.key == created.id.encode()  # type: ignore[attr-defined]
        body = json.loads(record.value)  # type: ignore[attr-defined]
        assert body["context"]["organization_id"] == created.id
        assert body["context"]["actor"]["type"] == "api_key"
        assert body["context"]["request_id"]
    assert by_type["organization.renamed"].partition == by_type["organization.created"].partition  # type: ignore[attr-defined]
    assert json.loads(by_type["organization.renamed"].value)["name"] == "Pipeline Ltd"  # type: ignore[attr-defined]


def test_a_read_with_the_commands_token_sees_the_change(http: httpx.Client) -> None:
    response = http.post("/organizations", json={"name": "Token Co"})
    assert response.status_code == 201, response.text
    token = int(response.headers[TOKEN])
    organization_id = response.json()["id"]

    read = http.get(f"/organizations/{organization_id}", headers={TOKEN: str(token)})
    assert read.status_code == 200, read.text
    assert read.json()["name"] == "Token Co"
    assert int(read.headers[READ_POSITION]) >= token

    renamed = http.put(f"/organizations/{organization_id}", json={"name": "Token Co 2"})
    assert renamed.status_code == 200, renamed.text
    later = int(renamed.headers[TOKEN])
    assert later > token
    listed = http.get(
        "/organizations",
        params={"limit": 100},
        headers={CONSISTENCY: "at_least_as_fresh", TOKEN: str(later)},
    )
    assert listed.status_code == 200
    assert {"id": organization_id, "name": "Token Co 2"}.items() <= next(
        o for o in listed.json()["data"] if o["id"] == organization_id
    ).items()


def test_reads_never_answer_stale_by_default_while_the_worker_is_stopped(
    stack: Server, http: httpx.Client
) -> None:
    worker = stack.processes["worker-directory"]
    worker.signal(signal.SIGSTOP)
    try:
        response = http.post("/organizations", json={"name": "Paused Co"})
        assert response.status_code == 201, response.text
        token = int(response.headers[TOKEN])
        organization_id = response.json()["id"]

        stale = http.get(f"/organizations/{organization_id}")
        assert stale.status_code == 503
        assert stale.headers["Retry-After"]
        body = stale.json()
        assert body["code"] == "consistency_timeout"
        assert int(body["position"]) < token

        with_token = http.get(f"/organizations/{organization_id}", headers={TOKEN: str(token)})
        assert with_token.status_code == 503
        assert with_token.json()["code"] == "consistency_timeout"

        # Asked for, the model as it is: the organization is not there yet, and the answer
        # says at which position it was given.
        latest = http.get(
            f"/organizations/{organization_id}", headers={CONSISTENCY: "minimize_latency"}
        )
        assert latest.status_code == 404
        assert int(latest.headers[READ_POSITION]) < token
    finally:
        worker.signal(signal.SIGCONT)

    read = http.get(f"/organizations/{organization_id}")
    assert read.status_code == 200, read.text
    assert read.json()["name"] == "Paused Co"
    assert int(read.headers[READ_POSITION]) >= token


def test_reads_waiting_for_a_lagging_model_hold_no_connection(
    stack: Server, http: httpx.Client
) -> None:
    """Three times as many waiting reads as the API has pooled connections: each answers 503
    at its own timeout, and a read that does not wait is answered meanwhile, at once."""
    worker = stack.processes["worker-directory"]
    worker.signal(signal.SIGSTOP)
    try:
        created = http.post("/organizations", json={"name": "Lagging Co"})
        assert created.status_code == 201, created.text
        path = f"/organizations/{created.json()['id']}"
        waiting = 3 * POOL_SIZE
        with ThreadPoolExecutor(max_workers=waiting) as pool, stack.client() as waiter:
            answers = [pool.submit(waiter.get, path) for _ in range(waiting)]
            time.sleep(CONSISTENCY_TIMEOUT_MS / 1000 / 3)  # every read is waiting by now
            started = time.monotonic()
            quick = http.get("/organizations", headers={CONSISTENCY: "minimize_latency"})
            assert time.monotonic() - started < 1.0
            assert quick.status_code == 200
            codes = [future.result().status_code for future in answers]
        assert codes == [503] * waiting
    finally:
        worker.signal(signal.SIGCONT)


def test_health_reports_every_projection_position_and_lag(
    stack: Server, http: httpx.Client
) -> None:
    response = http.post("/organizations", json={"name": "Health Co"})
    token = int(response.headers[TOKEN])
    http.get(f"/organizations/{response.json()['id']}")  # waits until the directory has it

    health = httpx.get(stack.base_url + "/health", timeout=5)
    assert health.status_code == 200
    body = health.json()
    projections = body["projections"]
    assert set(projections) >= {"directory", "access"}
    assert projections["directory"]["position"] >= token


def test_a_malformed_token_is_rejected(http: httpx.Client) -> None:
    response = http.get("/organizations", headers={TOKEN: "yesterday"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == TOKEN
