"""End-to-end fixtures: a running idgov and the official WorkOS SDK pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from workos import WorkOSClient

from tests.e2e.support import workos_client
from tests.servers import Server, embedded_server


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[Server]:
    with embedded_server(database_url) as running:
        yield running


@pytest.fixture(scope="module")
def workos(server: Server) -> WorkOSClient:
    return workos_client(server)
