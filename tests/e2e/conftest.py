"""End-to-end fixtures: a running idgov and the official WorkOS SDK pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from workos import WorkOSClient

from tests.servers import Server, embedded_server


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[Server]:
    with embedded_server(database_url) as running:
        yield running


@pytest.fixture(scope="module")
def workos(server: Server) -> WorkOSClient:
    return WorkOSClient(
        api_key=server.api_key,
        client_id="client_idgov_tests",
        base_url=server.base_url,
        max_retries=0,
    )
