"""``python -m tests.benchmarks``: measure idgov's Kafka pipeline, access checks on a realistic
data set, and the embedded mode.

Starts what it needs (PostgreSQL from the embedded wheel unless IDGOV_TEST_DATABASE_URL is
set; a Kafka broker unless IDGOV_KAFKA_BOOTSTRAP is set), a fresh database and topic per
mode, idgov's real processes, and stops all of it again. Prints a table on stdout and
writes the same results as JSON (default .idgov-test/bench/results.json).
"""

from __future__ import annotations

import sys
import traceback
from contextlib import ExitStack
from dataclasses import asdict

from tests.benchmarks import access, ledger, machine, probes, scenarios, services
from tests.benchmarks.config import Config
from tests.benchmarks.report import Report, say
from tests.benchmarks.timing import Deadline
from tests.helpers import create_topic, delete_topics, fresh_database
from tests.servers import embedded_server, kafka_stack

KAFKA_PARTITIONS = 3  # what tests.servers.kafka_stack configures
# Rough seconds each optional part needs; it is skipped when less than that is left.
BACKLOG_NEEDS_S = 60
ACCESS_NEEDS_S = 240
EMBEDDED_NEEDS_S = 90
LEDGER_NEEDS_S = 60


def kafka_pipeline(
    admin_url: str, bootstrap: str, config: Config, report: Report, budget: Deadline
) -> None:
    """`idgov migrate`, then API, relay and directory worker as processes, on a fresh database and
    topic.
    """
    section = "kafka"
    topic, raw_topic = services.new_topic_name("events"), services.new_topic_name("raw")
    with ExitStack() as stack:
        database_url = stack.enter_context(fresh_database(admin_url, "idgov_bench"))
        stack.callback(delete_topics, bootstrap, [topic, raw_topic])
        create_topic(bootstrap, raw_topic, KAFKA_PARTITIONS)
        say(f"{section}: starting idgov (topic {topic})")
        # A group of its own, so no other worker on the same broker joins this one.
        server = stack.enter_context(
            kafka_stack(database_url, bootstrap, topic, kafka_group_prefix=f"{topic}.")
        )
        positions = stack.enter_context(probes.positions(database_url, topic))
        common_measurements(server, positions, config, report, section)
        if scenarios.enough_time(
            budget, BACKLOG_NEEDS_S, report, section, "relay and worker backlog"
        ):
            say(f"{section}: backlog of {config.events} events through relay and workers")
            scenarios.kafka_backlog(server, positions, (bootstrap, raw_topic), config, report)
        say(f"{section}: stopping")


def embedded_mode(admin_url: str, config: Config, report: Report, budget: Deadline) -> None:
    """`idgov up` on a fresh database: API and in-process followers, no Kafka."""
    section = "embedded"
    with ExitStack() as stack:
        database_url = stack.enter_context(fresh_database(admin_url, "idgov_bench"))
        say(f"{section}: starting idgov up")
        server = stack.enter_context(embedded_server(database_url))
        positions = stack.enter_context(probes.positions(database_url))
        common_measurements(server, positions, config, report, section)
        if scenarios.enough_time(budget, BACKLOG_NEEDS_S, report, section, "follower backlog"):
            say(f"{section}: backlog of {config.follower_events} events through the followers")
            scenarios.follower_backlog(server, positions, config, report)
        say(f"{section}: stopping")


def common_measurements(server, positions, config: Config, report: Report, section: str) -> None:  # type: ignore[no-untyped-def]
    say(f"{section}: HTTP load, {config.clients} clients")
    baseline = scenarios.command_throughput(server, config, report, section)
    scenarios.drain(positions, report, section, config.catch_up_timeout_s)
    scenarios.read_throughput(server, config, report, section, baseline)
    say(f"{section}: freshness, {config.freshness_samples} commands one at a time")
    scenarios.command_freshness(server, positions, config, report, section)


def guarded(report: Report, name: str, run, *args) -> bool:  # type: ignore[no-untyped-def]
    """Run one mode; a failure is reported and the other mode still runs."""
    try:
        run(*args)
        return True
    except Exception:
        report.errors.append(f"{name}: {traceback.format_exc()}")
        say(f"{name} FAILED (details in the results)")
        return False


def main(argv: list[str] | None = None) -> int:
    config = Config.from_args(argv)
    budget = Deadline(config.budget_s)
    report = Report(config={k: str(v) for k, v in asdict(config).items()})
    ok = True
    report.detail("machine", machine.describe())
    idle_busy = report.details["machine"]["busy_before_start"]
    if idle_busy is not None and idle_busy > machine.BUSY_WARNING:
        report.warnings.append(
            f"the machine was {idle_busy:.0%} busy before the run started: other work competes "
            "for the CPUs and the numbers below are low and noisy"
        )
    try:
        with ExitStack() as stack:
            say("starting PostgreSQL and Kafka")
            admin_url = stack.enter_context(services.postgres_server())
            bootstrap = stack.enter_context(services.kafka_broker())
            if config.pipeline:
                ok &= guarded(
                    report, "kafka", kafka_pipeline, admin_url, bootstrap, config, report, budget
                )
            if config.access and scenarios.enough_time(
                budget, ACCESS_NEEDS_S, report, "access", "access checks"
            ):
                ok &= guarded(
                    report, "access", access.access_checks, admin_url, bootstrap, config, report
                )
            if config.ledger and scenarios.enough_time(
                budget, LEDGER_NEEDS_S, report, "ledger", "hash chain"
            ):
                ok &= guarded(report, "ledger", ledger.hash_chain, admin_url, config, report)
            if config.embedded and scenarios.enough_time(
                budget, EMBEDDED_NEEDS_S, report, "embedded", "idgov up"
            ):
                ok &= guarded(report, "embedded", embedded_mode, admin_url, config, report, budget)
    finally:
        print(report.table())
        for warning in report.warnings:
            print(f"WARNING: {warning}")
        for error in report.errors:
            print(f"\nERROR {error}", file=sys.stderr)
        report.write_json(config.output)
        say(f"results written to {config.output}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
