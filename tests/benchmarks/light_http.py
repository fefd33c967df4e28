"""A light HTTP/1.1 keep-alive client, for loads where the client's own cost matters.

The client shares the machine with the server it measures. httpx spends about a millisecond
of CPU per request (a 2-core machine running 1,000 requests/s would give it more than half
a core); the standard library's ``http.client`` spends a fraction of that, so the server
gets the CPUs and the latencies are the server's. This wraps it with the little the loads
need: base headers, query parameters, JSON bodies, and one reconnect when the server closed
an idle connection.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

TIMEOUT_S = 30.0


class LightResponse:
    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers  # names in lower case
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class LightClient:
    """Requests to one server over one keep-alive connection; not thread-safe (one per thread)."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"plain http://host:port only, not {base_url!r}")
        self.connection = http.client.HTTPConnection(
            parts.hostname, parts.port or 80, timeout=TIMEOUT_S
        )
        self.base_headers = dict(headers or {})

    def close(self) -> None:
        self.connection.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> LightResponse:
        if params:
            path += "?" + urlencode(params)
        body = None if json is None else _dumps(json)
        merged = {**self.base_headers, **(headers or {})}
        if json is not None:
            merged["Content-Type"] = "application/json"
        sent = {name: value for name, value in merged.items() if value != ""}
        reused = self.connection.sock is not None
        try:
            return self._exchange(method, path, body, sent)
        except (ConnectionError, http.client.RemoteDisconnected):
            if not reused:
                raise
        # The server closed the idle connection before this request reached it: once more.
        self.connection.close()
        return self._exchange(method, path, body, sent)

    def _exchange(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> LightResponse:
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        names = {name.lower(): value for name, value in response.getheaders()}
        return LightResponse(response.status, names, content)

    def get(
        self,
        path: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> LightResponse:
        return self.request("GET", path, params=params, headers=headers)

    def post(
        self, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> LightResponse:
        return self.request("POST", path, json=json, headers=headers)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
