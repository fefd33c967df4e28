"""What a stopped idgov may have left running, found through /proc (Linux)."""

from __future__ import annotations

from pathlib import Path


def processes_mentioning(path: Path) -> dict[int, str]:
    """Live processes whose command line names ``path`` (a PostgreSQL ``-D`` data dir, a Kafka
    broker's config), by pid."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        if str(path) in command:
            found[int(proc.name)] = command
    return found
