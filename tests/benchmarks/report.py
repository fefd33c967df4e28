"""The results: one table row per measurement for people, and JSON for tools."""

from __future__ import annotations

import json
import math
import platform
import sys
import time
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from tests.benchmarks.timing import Latencies


@dataclass
class Row:
    section: str
    measurement: str
    rate: float | None = None  # per second
    unit: str = ""
    latency: Latencies | None = None
    baseline: float | None = (
        None  # per second, same work with the bare library or a trivial request
    )
    baseline_name: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.rate is None or not self.baseline:
            return None
        return self.rate / self.baseline


@dataclass
class Report:
    config: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def detail(self, key: str, value: Any) -> None:
        """Raw measurement objects, kept whole in the JSON."""
        self.details[key] = value

    def to_json(self) -> dict[str, Any]:
        return {
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "seconds": round(time.time() - self.started, 1),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "config": self.config,
            "results": _plain(self.rows),
            "details": _plain(self.details),
            "warnings": self.warnings,
            "errors": self.errors,
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, allow_nan=False, default=str) + "\n")

    def table(self) -> str:
        header = ("measurement", "rate", "p50 ms", "p99 ms", "max ms", "baseline", "ratio", "note")
        lines: list[tuple[str, ...]] = []
        section = None
        for row in self.rows:
            if row.section != section:
                section = row.section
                lines.append((f"[{section}]", "", "", "", "", "", "", ""))
            lines.append(_cells(row))
        widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

        def render(cells: tuple[str, ...]) -> str:
            # Text columns (measurement, note) left-aligned, numbers right-aligned.
            padded = [
                c.ljust(w) if i in (0, 7) else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ]
            return "  ".join(padded).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([render(header), rule, *(render(cells) for cells in lines)])


def _cells(row: Row) -> tuple[str, ...]:
    lat = row.latency
    baseline = f"{_num(row.baseline)}/s {row.baseline_name}" if row.baseline else ""
    return (
        "  " + row.measurement,
        f"{_num(row.rate)} {row.unit}/s" if row.rate is not None else "",
        _num(lat.p50_ms) if lat else "",
        _num(lat.p99_ms) if lat else "",
        _num(lat.max_ms) if lat else "",
        baseline,
        f"{row.ratio:.2f}" if row.ratio is not None else "",
        row.note,
    )


def _num(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _plain(value: Any) -> Any:
    """Dataclasses and their properties as JSON-ready dicts; NaN as null."""
    if is_dataclass(value) and not isinstance(value, type):
        data = {f.name: getattr(value, f.name) for f in fields(value)}
        data.update(
            {n: getattr(value, n) for n, a in vars(type(value)).items() if isinstance(a, property)}
        )
        return _plain(data)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    return value


_T0 = time.monotonic()


def say(message: str) -> None:
    """Progress on stderr, so a long run shows where it is; stdout keeps only the table."""
    print(f"bench [{time.monotonic() - _T0:6.1f} s] {message}", file=sys.stderr, flush=True)
