"""Small helpers shared by the tests and the benchmarks (plain functions, no fixtures)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

KAFKA_SH = Path(__file__).resolve().parent.parent / "deploy" / "kafka" / "kafka.sh"
# A first start may fetch the broker jars from Maven Central.
KAFKA_START_TIMEOUT_S = 900
KAFKA_STOP_TIMEOUT_S = 60


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


@contextmanager
def fresh_database(admin_url: str, prefix: str = "idgov_t") -> Iterator[str]:
    """URL of a new empty database on the server of ``admin_url``, dropped afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_dbname(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _kafka_sh(command: str, env: dict[str, str], timeout: float) -> str:
    result = subprocess.run(
        ["bash", str(KAFKA_SH), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"deploy/kafka/kafka.sh {command} failed with exit code {result.returncode}:\n"
            f"{result.stderr}{result.stdout}"
        )
    return result.stdout.strip()


@contextmanager
def local_kafka_broker(prefix: str = "idgov-kafka-") -> Iterator[str]:
    """A single-node broker from deploy/kafka/kafka.sh on free ports; its bootstrap address.

    Stopped and its run directory removed afterwards.
    """
    run_dir = tempfile.mkdtemp(prefix=prefix)
    env = {
        **os.environ,
        "KAFKA_PORT": str(free_port()),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
        "KAFKA_RUN_DIR": run_dir,
    }
    try:
        _kafka_sh("start", env, KAFKA_START_TIMEOUT_S)
        yield _kafka_sh("bootstrap", env, 30)
    finally:
        try:
            _kafka_sh("stop", env, KAFKA_STOP_TIMEOUT_S)
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)


def create_topic(bootstrap: str, name: str, partitions: int, timeout: float = 30.0) -> None:
    """Create a topic and wait until every partition has a leader."""
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="idgov-tests")
    try:
        admin.create_topics([NewTopic(name=name, num_partitions=partitions, replication_factor=1)])
        admin.wait_for_topics([name], timeout_ms=int(timeout * 1000))
    finally:
        admin.close()


def delete_topics(bootstrap: str, names: list[str]) -> None:
    """Best effort: a topic left behind costs disk on the broker, nothing else."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="idgov-tests")
    try:
        admin.delete_topics(names)
    except KafkaError:
        pass
    finally:
        admin.close()
