"""What a stopped idgov may have left running, found through /proc (Linux)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple


class Running(NamedTuple):
    pid: int
    parent: int
    command: str


def _running() -> Iterator[Running]:
    """Every live process (zombies left out)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        if stat[0] != "Z":
            yield Running(int(proc.name), int(stat[1]), command.strip())


def processes_mentioning(path: Path) -> dict[int, str]:
    """Live processes whose command line names ``path`` (a PostgreSQL ``-D`` data dir, a Kafka
    broker's config), by pid."""
    return {p.pid: p.command for p in _running() if str(path) in p.command}


def children_of(pid: int) -> dict[int, str]:
    """Live processes whose parent is ``pid``, by pid."""
    return {p.pid: p.command for p in _running() if p.parent == pid}


def running(pids: set[int]) -> set[int]:
    """Those of ``pids`` still alive."""
    return {p.pid for p in _running()} & pids
