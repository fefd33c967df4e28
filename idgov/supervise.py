"""``idgov up --kafka``: the production shape on one machine, in one command.

The embedded PostgreSQL (or ``IDGOV_DATABASE_URL``) and the local Apache Kafka broker (or
``IDGOV_KAFKA_BOOTSTRAP``), then ``idgov migrate``, then the relay, one projection worker per read
model and the API, each its own process. When one of them exits, or the broker does, everything
stops; Ctrl-C or SIGTERM stops everything too: the processes first, then the broker, then
PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import structlog

from idgov.embedded import embedded_postgres
from idgov.settings import Settings

log = structlog.get_logger("idgov")

# The broker script of a source checkout; an installed idgov needs IDGOV_KAFKA_BOOTSTRAP.
KAFKA_SH = Path(__file__).resolve().parent.parent / "deploy" / "kafka" / "kafka.sh"
IDGOV = shutil.which("idgov", path=str(Path(sys.executable).parent)) or "idgov"
STOP_TIMEOUT_S = 30


class LocalBroker:
    """deploy/kafka/kafka.sh with its run dir (config, topics, logs) kept under the data dir,
    next to the event store the topic was relayed from."""

    def __init__(self, run_dir: Path) -> None:
        if not KAFKA_SH.is_file():
            sys.exit(f"{KAFKA_SH} is missing; set IDGOV_KAFKA_BOOTSTRAP to use a running broker.")
        self.env = {**os.environ, "KAFKA_RUN_DIR": str(run_dir.resolve()), "KAFKA_KEEP_DATA": "1"}

    def start(self) -> str:
        """Starts the broker (or finds it running) and returns its bootstrap address."""
        return self._run("start", stdout=subprocess.PIPE, check=True).stdout.strip()

    def running(self) -> bool:
        return self._run("status", stdout=subprocess.DEVNULL).returncode == 0

    def stop(self) -> None:
        self._run("stop")

    def _run(self, command: str, **options: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (the checkout's own script)
            [KAFKA_SH, command], env=self.env, text=True, **options
        )


def run_with_kafka(settings: Settings) -> None:
    # Until everything is stopped, SIGTERM interrupts like Ctrl-C does (and Ctrl-C does even when
    # started in the background, where SIGINT comes ignored).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    failure = None
    with ExitStack() as stack:
        try:
            url = settings.database_url or stack.enter_context(embedded_postgres(settings.data_dir))
            broker = None
            bootstrap = settings.kafka_bootstrap
            if not bootstrap:
                broker = LocalBroker(settings.data_dir / "kafka")
                stack.callback(broker.stop)  # also when its start is interrupted
                bootstrap = broker.start()
            env = _environment(settings, database_url=url, kafka_bootstrap=bootstrap)
            subprocess.run([IDGOV, "migrate"], env=env, check=True)  # noqa: S603 (idgov itself)
            processes = stack.enter_context(_processes(env))
            log.info("supervising", processes=sorted(processes), kafka=bootstrap)
            failure = _first_failure(processes, broker)
        except KeyboardInterrupt:
            log.info("stopping")
        except subprocess.CalledProcessError as error:
            failure = f"{' '.join(map(str, error.cmd))} failed with exit code {error.returncode}"
        finally:
            # Stop what is running without being interrupted again half-way.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if failure:
                log.error("stopping_everything", reason=failure)
    if failure:
        sys.exit(f"idgov stopped: {failure}")
    log.info("stopped")


def _environment(settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment of a child process: these settings with ``overrides``."""
    env = dict(os.environ)
    settings.model_copy(update=overrides).export(env)
    return env


@contextmanager
def _processes(env: dict[str, str]) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """The relay, a worker per read model and the API, each in its own process group, so that
    Ctrl-C reaches only this supervisor, which stops them in order (API first)."""
    from idgov.bootstrap import READ_MODELS

    commands = {
        "relay": ["relay"],
        **{f"project {name}": ["project", name] for name in sorted(READ_MODELS)},
        "api": ["api"],
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, args in commands.items():
            processes[name] = subprocess.Popen(  # noqa: S603 (idgov itself)
                [IDGOV, *args], env=env, process_group=0
            )
        yield processes
    finally:
        for process in reversed(processes.values()):
            if process.poll() is None:
                process.terminate()
        for name, process in reversed(processes.items()):
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                log.warning("killing", process=name, after_s=STOP_TIMEOUT_S)
                process.kill()
                process.wait()


def _first_failure(
    processes: dict[str, subprocess.Popen[bytes]], broker: LocalBroker | None
) -> str:
    """Waits until a process exits or the broker stops, and says which."""
    while True:
        for name, process in processes.items():
            code = process.poll()
            if code is not None:
                return f"'idgov {name}' exited with code {code}"
        if broker is not None and not broker.running():
            return "the Kafka broker stopped"
        time.sleep(1)
