"""The check lane answers what it can and hands the route everything else, body and all.

The lane sits in front of a stand-in for the rest of the app, which records what reaches it:
the end-to-end tests show the answers and errors are the route's, these show which of the
two gave them."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.exceptions import WebSocketRequestValidationError
from starlette.types import Message, Receive, Scope, Send

from api.app import create_app
from api.checks import CheckLane
from api.services import Services
from consumers.follower import follow
from idgov.bootstrap import System
from idgov.database import Database, statement_reads
from tests.helpers import fresh_database
from tests.integration.support import CONTEXT, settings

SECRET = "sk_test_" + "5" * 32
UNREMEMBERED = "sk_test_" + "6" * 32  # a valid key this process has not loaded yet
KEPT_MS = 3_600_000  # SECRET stays remembered for the whole module


class Scene:
    def __init__(
        self, database: Database, services: Services, membership: str, resource: str
    ) -> None:
        self.database = database
        self.services = services
        self.handlers = create_app(services).exception_handlers
        self.membership = membership
        self.resource = resource

    def path(self, membership: str | None = None) -> str:
        return f"/authorization/organization_memberships/{membership or self.membership}/check"

    def body(self, **changes: Any) -> bytes:
        fields = {"permission_slug": "workspace:view", "resource_id": self.resource, **changes}
        return json.dumps(fields).encode()


@pytest.fixture(scope="module")
def scene(postgres_url: str) -> Iterator[Scene]:
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(fresh_database(postgres_url))
        system = stack.enter_context(
            contextlib.closing(
                System(
                    settings(database_url, kafka_bootstrap=None, api_key_cache_ms=KEPT_MS),
                    Database.from_url(database_url),
                )
            )
        )
        yield _staged(system, stack)


def _staged(system: System, stack: contextlib.ExitStack) -> Scene:
    """A membership with an organization-level role whose permission reaches a workspace."""
    for view in system.views.values():
        stack.enter_context(follow(view, system.env))
    app = system.commands
    app.environment.initialize_environment(CONTEXT, admin_secret=SECRET)
    app.api_keys.create_api_key(CONTEXT, name="unremembered", secret=UNREMEMBERED)
    app.schema.create_resource_type(
        CONTEXT,
        slug="workspace",
        name="Workspace",
        description=None,
        parent_type_slugs=["organization"],
    )
    app.schema.create_permission(
        CONTEXT,
        slug="workspace:view",
        name="View",
        description=None,
        resource_type_slug="workspace",
    )
    app.schema.create_role(
        CONTEXT, slug="viewer", name="Viewer", description=None, resource_type_slug=None
    )
    app.schema.set_role_permissions(CONTEXT, "viewer", ["workspace:view"])
    org = app.organizations.create_organization(CONTEXT, name="Acme").value.id
    workspace = app.resources.create_resource(
        CONTEXT,
        organization_id=org,
        resource_type_slug="workspace",
        external_id="ws",
        name="ws",
    ).value.id
    user = app.users.create_user(CONTEXT, email="ada@example.test").value.id
    membership = app.memberships.create_membership(
        CONTEXT, user_id=user, organization_id=org, role_slugs=["viewer"]
    ).value.id
    services = system.services()
    assert services.keys.grant(SECRET) is not None  # remembered from now on
    system.freshness["access"].wait_for_everything_committed(timeout=30)
    return Scene(system.database, services, membership, workspace)


class Behind:
    """The rest of the app: records the requests that reach it, with the body it reads."""

    def __init__(self) -> None:
        self.reached: list[tuple[str, bytes]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.reached.append((scope["path"], body))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _request(
    scene: Scene,
    path: str,
    body: bytes,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> tuple[Behind, list[Message], dict[str, Any]]:
    """One request through the lane, its body in two chunks: what reached the app behind it,
    what was sent, and the request's state."""
    behind = Behind()
    headers = {"Authorization": f"Bearer {SECRET}", **(headers or {})}
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    half = len(body) // 2
    chunks = [
        {"type": "http.request", "body": body[:half], "more_body": True},
        {"type": "http.request", "body": body[half:], "more_body": False},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    async def run() -> None:
        # A pool lives in one event loop: each request has its own.
        async with statement_reads(scene.database, 1) as pool:
            services = dataclasses.replace(scene.services, statement_reads=pool)
            await CheckLane(behind, services, scene.handlers)(scope, receive, send)

    asyncio.run(run())
    return behind, sent, scope.get("state", {})


def test_the_lane_answers_a_check_itself(scene: Scene) -> None:
    behind, sent, state = _request(scene, scene.path(), scene.body())
    assert behind.reached == []
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {"authorized": True}
    assert state["read_position"] > 0

    behind, sent, _ = _request(scene, scene.path(), scene.body(permission_slug="workspace:edit"))
    assert (behind.reached, json.loads(sent[1]["body"])) == ([], {"authorized": False})


@pytest.mark.parametrize(
    ("case", "membership", "changes", "headers"),
    [
        ("unknown membership", "om_unknown", {}, {}),
        ("unknown resource", None, {"resource_id": "authz_resource_unknown"}, {}),
        ("invalid body", None, {"colour": "red"}, {}),
        ("id and external id together", None, {"resource_external_id": "ws"}, {}),
        ("no key", None, {}, {"Authorization": ""}),
        ("an invalid key", None, {}, {"Authorization": "Bearer sk_test_x"}),
        ("a key not remembered yet", None, {}, {"Authorization": f"Bearer {UNREMEMBERED}"}),
        ("malformed consistency", None, {}, {"X-Idgov-Consistency": "eventually"}),
        ("a model behind the token", None, {}, {"X-Idgov-Consistency-Token": "9" * 12}),
    ],
)
def test_the_lane_hands_the_route_everything_else_with_its_body(
    scene: Scene,
    case: str,
    membership: str | None,
    changes: dict[str, Any],
    headers: dict[str, str],
) -> None:
    control, _, _ = _request(scene, scene.path(), scene.body())
    assert control.reached == []  # without the case's one difference, the lane answers
    path, body = scene.path(membership), scene.body(**changes)
    behind, sent, _ = _request(scene, path, body, headers)
    assert behind.reached == [(path, body)], case
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [299]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/authorization/organization_memberships/om_x/check"),
        ("POST", "/authorization/organization_memberships/om_x/check/"),
        ("POST", "/authorization/check/batch"),
        ("POST", "/organizations"),
    ],
)
def test_other_requests_pass_the_lane_untouched(scene: Scene, method: str, path: str) -> None:
    body = scene.body()
    behind, _, _ = _request(scene, path, body, method=method)
    assert behind.reached == [(path, body)]


def test_the_lane_falls_through_on_every_error_the_app_answers(scene: Scene) -> None:
    """Any other error reaching the lane would be answered 500, not as the app answers it."""
    websocket_only = WebSocketRequestValidationError
    handled = set(scene.handlers) - {Exception, websocket_only}
    assert handled == set(CheckLane(Behind(), scene.services, scene.handlers).answered)
