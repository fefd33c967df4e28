"""The benchmarks' own load tools: the light HTTP client, the paced load, the access data set's
answers. A benchmark that measures wrongly is worse than none."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from domain.resources import root_resource_id
from tests.benchmarks.access_data import DataSet, Member, Node
from tests.benchmarks.light_http import LightClient
from tests.benchmarks.paced import run_paced


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    connections = 0  # one handler per connection

    def setup(self) -> None:
        super().setup()
        _Handler.connections += 1

    def log_message(self, *_: Any) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b'{"a": ', b"1}"):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/drop":
            # Answer, then close without saying so: the client's next request finds it closed.
            self._send(200, b"{}")
            self.close_connection = True
            return
        body = json.dumps({"path": self.path, "auth": self.headers.get("Authorization")})
        self._send(200, body.encode())

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self._send(201, self.rfile.read(length))


@pytest.fixture
def http_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.connections = 0
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_light_client_keeps_one_connection_and_sends_headers(http_server: str) -> None:
    client = LightClient(http_server, {"Authorization": "Bearer k"})
    try:
        first = client.get("/a", params={"x": "1 2"})
        second = client.get("/b", headers={"Authorization": ""})  # empty: not sent
        posted = client.post("/c", json={"n": 1})
    finally:
        client.close()
    assert first.status_code == 200
    assert first.json() == {"path": "/a?x=1+2", "auth": "Bearer k"}
    assert second.json() == {"path": "/b", "auth": None}
    assert (posted.status_code, posted.json()) == (201, {"n": 1})
    assert _Handler.connections == 1


def test_light_client_reads_chunked_bodies_and_reconnects(http_server: str) -> None:
    client = LightClient(http_server)
    try:
        assert client.get("/chunked").json() == {"a": 1}
        assert client.get("/drop").status_code == 200
        assert client.get("/after").json()["path"] == "/after"  # on a new connection
    finally:
        client.close()
    assert _Handler.connections == 2


class _Answer:
    status_code = 200
    text = ""


class _Fake:
    """A client whose server stalls on request ``stall_at`` for ``stall_s``."""

    def __init__(self, stall_at: int, stall_s: float) -> None:
        self.stall_at = stall_at
        self.stall_s = stall_s

    def get(self, path: str, /) -> _Answer:
        return _Answer()

    def close(self) -> None:
        pass

    def send(self, number: int) -> _Answer:
        time.sleep(self.stall_s if number == self.stall_at else 0.0005)
        return _Answer()


def test_paced_load_counts_the_time_requests_wait_behind_a_stall() -> None:
    """One client thread, 100 requests/s, a 300 ms stall: the ~30 requests due during the stall
    go late, and their latency counts from when they were due (no coordinated omission)."""
    fake = _Fake(stall_at=20, stall_s=0.3)
    result = run_paced(
        "stall",
        lambda: fake,
        lambda client, number: client.send(number),
        rate=100,
        seconds=1.0,
        clients=1,
        expected=frozenset({200}),
    )
    assert (result.completed, result.unanswered) == (100, 0)
    assert result.latency.max_ms >= 290
    assert result.latency.p99_ms >= 200  # the requests queued behind the stall
    assert result.service.p99_ms < 100  # each one was quick once sent
    assert result.sent_late >= 25


def test_paced_load_counts_unanswered_requests_at_their_age() -> None:
    fake = _Fake(stall_at=5, stall_s=1.5)
    result = run_paced(
        "hung",
        lambda: fake,
        lambda client, number: client.send(number),
        rate=50,
        seconds=1.0,
        clients=1,
        expected=frozenset({200}),
        drain_s=0.2,
    )
    assert result.unanswered > 0
    assert result.completed + result.unanswered == result.scheduled
    assert result.latency.count == result.scheduled
    assert result.latency.max_ms >= 1000


def test_data_set_answers_follow_ancestry_roles_and_status() -> None:
    data = DataSet()
    org = "org_01HX0000000000000000000000"
    root = root_resource_id(org)
    data.resources[root] = Node(root, org, "organization", None, (root,))
    data.resources["ws"] = Node("ws", org, "workspace", root, ("ws", root))
    data.resources["p"] = Node("p", org, "project", "ws", ("p", "ws", root))
    data.resources["a"] = Node("a", org, "app", "p", ("a", "p", "ws", root))
    data.resources["b"] = Node("b", org, "app", "p", ("b", "p", "ws", root))
    viewer = Member("om_1", "u1", org, ("member",), True, [("project-viewer", "p")])
    admin = Member("om_2", "u2", org, ("organization-admin",), True)
    gone = Member("om_3", "u3", org, ("organization-admin",), False)
    assert data.allowed(viewer, "apps:read", "a")  # inherited from the project
    assert not data.allowed(viewer, "apps:deploy", "a")  # the role lacks it
    assert not data.allowed(viewer, "workspaces:read", "ws")  # above the assignment
    assert data.allowed(admin, "apps:delete", "b")  # organization-level role on the root
    assert not data.allowed(gone, "apps:read", "a")  # inactive
    assert data.effective(viewer, "p") == {"projects:read"}  # the project's type's only
    # A group's role reaches its members, and only them.
    data.group_roles["g"] = [("app-developer", "b")]
    viewer.groups.append("g")
    assert data.allowed(viewer, "apps:deploy", "b")
    assert not data.allowed(viewer, "apps:deploy", "a")
    # Single-role mode: a group's organization-level role ranks below the seeded `member`.
    data.group_roles["g"].append(("organization-admin", root))
    assert not data.allowed(viewer, "apps:delete", "b")
