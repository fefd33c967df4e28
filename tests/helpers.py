"""Small helpers shared by the tests (plain functions, no fixtures)."""

from __future__ import annotations

import socket
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from psycopg.conninfo import conninfo_to_dict, make_conninfo


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now.

    The port is only free at the moment of the call; bind it soon.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 30.0) -> None:
    """Block until ``host:port`` accepts TCP connections, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s") from None
            time.sleep(0.05)


def with_dbname(url: str, dbname: str) -> str:
    """The same PostgreSQL connection string pointing at another database.

    A URL (``postgresql://...``) stays a URL, with host, port, user and query
    parameters kept; a ``key=value`` conninfo stays a conninfo.
    """
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "dbname"]
        result = urlunsplit(parts._replace(path="/" + dbname, query=urlencode(query, safe="/")))
    else:
        result = make_conninfo(url, dbname=dbname)
    if conninfo_to_dict(result).get("dbname") != dbname:
        raise ValueError(f"could not point {url!r} at database {dbname!r}")
    return result
