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
    budget_s: float = 900.0  # later, optional parts are skipped when the run is past this
    pipeline: bool = True  # measure the Kafka pipeline's commands, reads and backlogs
    embedded: bool = True  # also measure `idgov up`
    # Access checks (access.py): the data set, then in-process and HTTP loads on it.
    access: bool = True
    access_organizations: int = 10  # each with 10 workspaces, 90 projects and 900 apps
    access_users: int = 1000  # one membership each
    access_assignments: int = 20_000  # direct role assignments
    access_groups: int = 200
    api_workers: int = 2  # IDGOV_API_WORKERS of the access part's API: one per core here
    access_checks: int = 20_000  # in-process checks per measurement
    access_threads: int = 4  # threads on a pool for the concurrent in-process checks
    access_http_checks: int = 2000  # requests per closed-loop HTTP load
    access_discovery: int = 1000  # discovery and effective-permission requests per load
    access_rate: float = 1000.0  # checks/s of the paced (open-loop) HTTP load
    access_paced_s: float = 10.0  # how long each paced load runs
    access_paced_clients: int = 32  # connections the paced load spreads its schedule over
    access_write_rate: float = 20.0  # role changes/s through the API during paced checks
    # The hash chain (ledger.py): single-command saves per write round, events to verify.
    ledger: bool = True
    ledger_commands: int = 300
    ledger_events: int = 50_000
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
            "--no-pipeline",
            action="store_true",
            help="skip the Kafka pipeline measurements (commands, reads, backlogs)",
        )
        parser.add_argument(
            "--no-access", action="store_true", help="skip the access-check measurements"
        )
        parser.add_argument(
            "--no-ledger", action="store_true", help="skip the hash chain measurements"
        )
        parser.add_argument("--api-workers", type=int, default=defaults.api_workers)
        parser.add_argument("--access-rate", type=float, default=defaults.access_rate)
        parser.add_argument("--access-paced-s", type=float, default=defaults.access_paced_s)
        parser.add_argument(
            "--quick",
            action="store_true",
            help="a tenth of every count (one organization for the access data set), to check"
            " the benchmarks themselves",
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
            pipeline=not args.no_pipeline,
            embedded=not args.no_embedded,
            access=not args.no_access,
            ledger=not args.no_ledger,
            ledger_commands=max(30, defaults.ledger_commands // scale),
            ledger_events=max(2000, defaults.ledger_events // scale),
            access_organizations=max(1, defaults.access_organizations // scale),
            access_users=max(50, defaults.access_users // scale),
            access_assignments=max(500, defaults.access_assignments // scale),
            access_groups=max(10, defaults.access_groups // scale),
            api_workers=args.api_workers,
            access_checks=max(1000, defaults.access_checks // scale),
            access_http_checks=max(300, defaults.access_http_checks // scale),
            access_discovery=max(100, defaults.access_discovery // scale),
            access_rate=args.access_rate,
            access_paced_s=max(1.0, args.access_paced_s / scale),
            output=args.output,
        )
