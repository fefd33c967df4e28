"""Run idgov's real processes for tests: ``idgov up``, or API + relay + workers on Kafka."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from idgov.bootstrap import READ_MODELS
from tests.helpers import KAFKA_START_TIMEOUT_S, KAFKA_STOP_TIMEOUT_S, free_port
from tests.helpers import _kafka_sh as kafka_sh

IDGOV = shutil.which("idgov", path=str(Path(sys.executable).parent)) or "idgov"
LOG_DIR = Path(
    os.environ.get(
        "IDGOV_TEST_LOG_DIR", Path(__file__).resolve().parent.parent / ".idgov-test" / "logs"
    )
)


def new_api_key() -> str:
    return "sk_test_" + secrets.token_hex(16)


class Process:
    """One idgov process, its output in a log file that failing tests can show."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOG_DIR / f"{name}-{secrets.token_hex(3)}.log"
        self.args = args
        self.env = env
        self.popen: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(
                [IDGOV, *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, signum: int) -> None:
        if self.running:
            assert self.popen is not None
            self.popen.send_signal(signum)

    def stop(self, timeout: float = 20) -> int | None:
        if self.popen is None:
            return None
        self.signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait(5)

    def kill(self) -> None:
        """SIGKILL: no cleanup, as in a crash."""
        if self.popen is not None:
            self.popen.kill()
            self.popen.wait(10)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Server:
    base_url: str
    api_key: str
    env: dict[str, str]
    processes: dict[str, Process] = field(default_factory=dict)

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
            **kwargs,
        )

    def wait_healthy(self, timeout: float = 60) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = httpx.get(self.base_url + "/health", timeout=2)
                if response.status_code == 200:
                    return dict(response.json())
            except httpx.HTTPError:
                pass
            dead = [p for p in self.processes.values() if not p.running]
            if dead or time.monotonic() > deadline:
                logs = "\n\n".join(f"--- {p.name}\n{p.tail()}" for p in self.processes.values())
                raise RuntimeError(f"idgov did not become healthy\n{logs}")
            time.sleep(0.2)

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()


def idgov_env(database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDGOV_")}
    env.update(
        {"IDGOV_DATABASE_URL": database_url, "IDGOV_LOG_FORMAT": "json", "IDGOV_HOST": "127.0.0.1"}
    )
    env.update({f"IDGOV_{k.upper()}": v for k, v in settings.items()})
    return env


@contextmanager
def embedded_server(database_url: str, **settings: str) -> Iterator[Server]:
    """``idgov up`` on the given database: API and in-process projections, no Kafka."""
    port = free_port()
    api_key = new_api_key()
    env = idgov_env(database_url, port=str(port), bootstrap_api_key=api_key, **settings)
    server = Server(f"http://127.0.0.1:{port}", api_key, env)
    server.processes["up"] = Process("up", ["up"], env)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


@contextmanager
def kafka_stack(database_url: str, bootstrap: str, topic: str, **settings: str) -> Iterator[Server]:
    """The production shape: ``idgov migrate``, then API, relay and one worker per read model, as
    processes.
    """
    port = free_port()
    api_key = new_api_key()
    env = idgov_env(
        database_url,
        port=str(port),
        bootstrap_api_key=api_key,
        kafka_bootstrap=bootstrap,
        kafka_topic=topic,
        kafka_partitions="3",
        **settings,
    )
    subprocess.run([IDGOV, "migrate"], env=env, check=True, capture_output=True)
    server = Server(f"http://127.0.0.1:{port}", api_key, env)
    server.processes["relay"] = Process("relay", ["relay"], env)
    for model in READ_MODELS:
        server.processes[f"worker-{model}"] = Process(f"worker-{model}", ["project", model], env)
    server.processes["api"] = Process("api", ["api"], env)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


class RestartableBroker:
    """A broker of its own (deploy/kafka/kafka.sh on free ports) that a test may SIGKILL and start
    again: its topics and offsets survive, as on a real host after a crash."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.env = {
            **os.environ,
            "KAFKA_PORT": str(free_port()),
            "KAFKA_CONTROLLER_PORT": str(free_port()),
            "KAFKA_RUN_DIR": str(run_dir),
            "KAFKA_KEEP_DATA": "1",
        }

    def start(self) -> str:
        """Starts it (or finds it running) and returns its bootstrap address."""
        return kafka_sh("start", self.env, KAFKA_START_TIMEOUT_S)

    def kill(self) -> None:
        """SIGKILL, no clean shutdown; returns once the process is gone."""
        pid = int((self.run_dir / "kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        while Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
            time.sleep(0.05)

    def stop(self) -> None:
        kafka_sh("stop", self.env, KAFKA_STOP_TIMEOUT_S)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(") ", 1)[1].startswith("Z")


@contextmanager
def restartable_broker() -> Iterator[RestartableBroker]:
    """A started ``RestartableBroker``, stopped and its data removed afterwards."""
    broker = RestartableBroker(Path(tempfile.mkdtemp(prefix="idgov-kafka-restartable-")))
    try:
        broker.start()
        yield broker
    finally:
        try:
            broker.stop()
        finally:
            shutil.rmtree(broker.run_dir, ignore_errors=True)
