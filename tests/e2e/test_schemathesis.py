"""The whole API against its own OpenAPI document: every answer documented, no server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.config import SchemathesisConfig

from tests.servers import Server

EXAMPLES_PER_OPERATION = 8


@pytest.fixture(scope="module")
def api_schema(server: Server) -> schemathesis.BaseSchema:
    config = SchemathesisConfig.from_dict(
        {
            "auth": {"openapi": {"HTTPBearer": {"bearer": server.api_key}}},
            # Every check but one: rules across fields (an id or an external-id pair, never
            # both) answer 422 to bodies each of whose fields is valid on its own.
            "checks": {"positive_data_acceptance": {"enabled": False}},
            # One method no route declares is enough to see every path answer 405.
            "phases": {"coverage": {"unexpected-methods": ["TRACE"]}},
            "operations": [
                {
                    # A request that may carry a body answers 401 without a key before it is
                    # routed (its body is never read), so an unauthenticated PUT /health is a
                    # 401, not a 405.
                    "include-path": ["/health", "/metrics"],
                    "checks": {"unsupported_method": {"enabled": False}},
                }
            ],
        }
    )
    return schemathesis.openapi.from_url(f"{server.base_url}/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@seed(20260)
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()
