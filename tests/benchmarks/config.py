"""How much each measurement does, and how long the whole run may take."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Config:
    clients: int = 8  # concurrent HTTP client threads, one keep-alive connection each
    commands: int = 1000  # commands per HTTP load
    reads: int = 1000  # reads per HTTP read load
    events: int = 20_000  # backlog size for the relay and the projection worker
    follower_events: int = 3_000  # backlog for `idgov up`'s followers, which are far slower
    relay_batch: int = 500  # the relay's default IDGOV_RELAY_BATCH_SIZE, for the producer baseline
    freshness_samples: int = 100  # commands sent one at a time for freshness
    read_samples: int = 50  # create-then-read pairs per consistency mode
    load_time_limit_s: float = 60.0  # an HTTP load stops here even if its count is not reached
    catch_up_timeout_s: float = 120.0  # a relay or worker catch-up is given up after this
    budget_s: float = 300.0  # later, optional parts are skipped when the run is past this
    embedded: bool = True  # also measure `idgov up`
    output: Path = ROOT / ".idgov-test" / "bench" / "results.json"

    @classmethod
    def from_args(cls, argv: list[str] | None) -> Config:
        defaults = cls()
        parser = argparse.ArgumentParser(
            prog="python -m tests.benchmarks",
            description="Measure idgov's Kafka pipeline (and the embedded mode) on this machine.",
        )
        parser.add_argument("--clients", type=int, default=defaults.clients)
        parser.add_argument("--commands", type=int, default=defaults.commands)
        parser.add_argument("--reads", type=int, default=defaults.reads)
        parser.add_argument("--events", type=int, default=defaults.events)
        parser.add_argument("--follower-events", type=int, default=defaults.follower_events)
        parser.add_argument("--freshness-samples", type=int, default=defaults.freshness_samples)
        parser.add_argument("--read-samples", type=int, default=defaults.read_samples)
        parser.add_argument("--budget", type=float, default=defaults.budget_s, help="seconds")
        parser.add_argument(
            "--no-embedded", action="store_true", help="skip the `idgov up` measurements"
        )
        parser.add_argument(
            "--quick",
            action="store_true",
            help="a tenth of every count, to check the benchmarks themselves",
        )
        parser.add_argument("--output", type=Path, default=defaults.output)
        args = parser.parse_args(argv)
        scale = 10 if args.quick else 1
        return cls(
            clients=args.clients,
            commands=max(30, args.commands // scale),
            reads=max(30, args.reads // scale),
            events=max(500, args.events // scale),
            follower_events=max(300, args.follower_events // scale),
            freshness_samples=max(10, args.freshness_samples // scale),
            read_samples=max(5, args.read_samples // scale),
            budget_s=args.budget,
            embedded=not args.no_embedded,
            output=args.output,
        )
