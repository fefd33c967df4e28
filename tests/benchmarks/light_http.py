"""A minimal HTTP/1.1 keep-alive client, for loads where the client's own cost matters.

The client shares the machine with the server it measures. httpx spends about a millisecond
of CPU per request (a 2-core machine running 1,000 requests/s would give it more than half
a core); this client spends a tenth of that, so the server gets the CPUs and the latencies
are the server's. It speaks just enough HTTP for idgov's API: one request at a time per
connection, bodies by Content-Length or chunked, a reconnect when the server closed an idle
connection.
"""

from __future__ import annotations

import json
import socket
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
        self.address = (parts.hostname, parts.port or 80)
        host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
        self.base_headers = {"Host": host, **(headers or {})}
        self.sock: socket.socket | None = None
        self.reader: Any = None

    def _connect(self) -> None:
        self.close()
        self.sock = socket.create_connection(self.address, timeout=TIMEOUT_S)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self.sock is not None:
            self.sock.close()
        self.sock = self.reader = None

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
        body = b"" if json is None else _dumps(json)
        merged = {**self.base_headers, **(headers or {})}
        if json is not None:
            merged["Content-Type"] = "application/json"
        if body or method in ("POST", "PUT", "PATCH", "DELETE"):
            merged["Content-Length"] = str(len(body))
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in merged.items() if value != ""
        )
        message = head.encode("latin-1") + b"\r\n" + body
        reused = self.sock is not None
        if not reused:
            self._connect()
        try:
            return self._exchange(message)
        except (ConnectionError, EOFError):
            if not reused:
                raise
        # The server closed the idle connection before this request reached it: once more.
        self._connect()
        return self._exchange(message)

    def _exchange(self, message: bytes) -> LightResponse:
        assert self.sock is not None
        self.sock.sendall(message)
        status_line = self.reader.readline()
        if not status_line:
            raise EOFError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while (line := self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            content = self._chunked()
        else:
            content = self.reader.read(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return LightResponse(status, headers, content)

    def _chunked(self) -> bytes:
        chunks = []
        while size := int(self.reader.readline().split(b";")[0], 16):
            chunks.append(self.reader.read(size))
            self.reader.readline()
        while self.reader.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)

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
