"""Constant-rate HTTP load from vegeta, a load generator written in Go.

The paced Python client (paced.py) spends about 0.35 ms of CPU per request. At 1,000
requests/s on a two-core machine it competes with the server for the cores and sends late,
so its latencies partly measure itself. vegeta sends on schedule for a fraction of that CPU,
with as many connections as it needs to (``MAX_WORKERS``), and measures each request from
sending to answer.

vegeta is built with ``go install`` into ``.bench/bin`` on first use: Go is needed to run
the benchmarks, not idgov. Without Go, the rows that need it are left out with a warning.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MODULE = "github.com/tsenart/vegeta/v12"
VERSION = "v12.13.0"
BIN = Path(__file__).resolve().parents[2] / ".bench" / "bin"
WORKERS = 16  # connections opened at the start
MAX_WORKERS = 256  # more when the server falls behind, so requests still leave on time


def binary() -> Path | None:
    """The vegeta executable, built on first use; None without Go."""
    built = BIN / "vegeta"
    if built.exists():
        return built
    go = shutil.which("go")
    if go is None:
        return None
    subprocess.run(
        [go, "install", f"{MODULE}@{VERSION}"],
        env={**os.environ, "GOBIN": str(BIN)},
        check=True,
        timeout=600,
    )
    return built


@dataclass(frozen=True)
class Target:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def line(self) -> str:
        target: dict[str, object] = {
            "method": self.method,
            "url": self.url,
            "header": {name: [value] for name, value in self.headers.items()},
        }
        if self.body is not None:
            target["body"] = base64.b64encode(self.body).decode()
        return json.dumps(target)


@dataclass(frozen=True)
class Hit:
    status: int  # 0: no answer (``error`` says why)
    latency_s: float
    body: bytes
    headers: dict[str, str]
    error: str


def attack(vegeta: Path, targets: list[Target], rate: float, seconds: float) -> list[Hit]:
    """Send ``rate`` requests/s for ``seconds``, cycling through ``targets``."""
    with tempfile.TemporaryDirectory(prefix="idgov-vegeta-") as folder:
        targets_file, results = Path(folder, "targets.jsonl"), Path(folder, "results.bin")
        targets_file.write_text("\n".join(target.line() for target in targets) + "\n")
        subprocess.run(
            [
                str(vegeta),
                "attack",
                "-format=json",
                f"-targets={targets_file}",
                f"-rate={rate:g}/1s",
                f"-duration={seconds:g}s",
                f"-workers={WORKERS}",
                f"-max-workers={MAX_WORKERS}",
                f"-output={results}",
            ],
            check=True,
            timeout=seconds + 120,
        )
        encoded = subprocess.run(
            [str(vegeta), "encode", "-to=json", str(results)],
            check=True,
            capture_output=True,
            timeout=120,
        ).stdout
    return [_hit(json.loads(line)) for line in encoded.splitlines() if line.strip()]


def _hit(result: dict[str, object]) -> Hit:
    headers = result.get("headers") or {}
    assert isinstance(headers, dict)
    return Hit(
        status=int(str(result["code"])),
        latency_s=int(str(result["latency"])) / 1e9,
        body=base64.b64decode(str(result.get("body") or "")),
        headers={name.lower(): values[0] for name, values in headers.items() if values},
        error=str(result.get("error") or ""),
    )
