"""The ``idgov`` command line."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog
from eventsourcing.projection import BaseProjectionRunner

if TYPE_CHECKING:
    from idgov.bootstrap import System

from domain.events import SYSTEM, EventContext
from idgov import logs
from idgov.database import Database
from idgov.embedded import embedded_postgres
from idgov.settings import Settings

log = structlog.get_logger("idgov")
SYSTEM_CONTEXT = EventContext(actor=SYSTEM, source="system")


@contextmanager
def _system(settings: Settings, *, embedded_allowed: bool = False) -> Iterator[System]:
    from idgov.bootstrap import System

    with ExitStack() as stack:
        if settings.database_url:
            url = settings.database_url
        elif embedded_allowed:
            url = stack.enter_context(embedded_postgres(settings.data_dir))
        else:
            sys.exit(
                "IDGOV_DATABASE_URL is not set (only 'idgov up' starts an embedded PostgreSQL)."
            )
        settings = settings.model_copy(update={"database_url": url})
        system = System(settings, Database.from_url(url))
        try:
            yield system
        finally:
            system.close()


def _initialize(system: System) -> None:
    secret = system.commands.environment.initialize_environment(
        SYSTEM_CONTEXT, admin_secret=system.settings.bootstrap_api_key
    )
    if secret is not None and system.settings.bootstrap_api_key is None:
        print(
            "\nidgov created an admin API key. It is shown only this once; keep it safe:\n\n"
            f"    {secret}\n",
            flush=True,
        )


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _serve(system: System) -> None:
    import uvicorn

    from api.app import create_app

    settings = system.settings
    # uvicorn re-raises the signal that stopped it; with our handler in place that
    # returns here instead of killing the process, so shutdown can finish its work.
    _stop_on_signals()
    log.info(
        "api_listening",
        host=settings.host,
        port=settings.port,
        mode="kafka" if system.kafka else "embedded",
        workers=settings.api_workers,
    )
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 10,
    }
    if settings.api_workers == 1:
        uvicorn.run(create_app(system.services()), **options)
        return
    # Worker processes build their own System from these settings (the embedded server's
    # URL included), handed down in the environment.
    settings.export(os.environ)
    uvicorn.run("idgov.asgi:create", factory=True, workers=settings.api_workers, **options)


def up(settings: Settings, args: argparse.Namespace) -> None:
    """Embedded default: PostgreSQL from the wheel, projections in-process, no Kafka; with
    --kafka, the production shape as supervised processes (idgov/supervise.py)."""
    from consumers.follower import follow

    if args.kafka:
        from idgov.supervise import run_with_kafka

        run_with_kafka(settings)
        return
    settings = settings.model_copy(update={"kafka_bootstrap": None})
    with _system(settings, embedded_allowed=True) as system, ExitStack() as runners:
        _initialize(system)
        for view in system.views.values():
            runner = runners.enter_context(follow(view, system.env))
            threading.Thread(target=_watch, args=(runner, view.model.name), daemon=True).start()
        _serve(system)  # returns after SIGINT/SIGTERM, once requests have drained


def _watch(runner: BaseProjectionRunner[Any], name: str) -> None:
    """A follower that fails stops the process: serving ever-staler reads would be worse."""
    try:
        runner.run_forever()
    except Exception:
        log.exception("projection_failed", projection=name)
        signal.raise_signal(signal.SIGTERM)


def migrate(settings: Settings, _: argparse.Namespace) -> None:
    """Create the event store, every read model and the Kafka topic; create the admin key once."""
    with _system(settings) as system:
        _initialize(system)
        if settings.kafka_bootstrap:
            from consumers.relay import ensure_topic

            ensure_topic(
                settings.kafka_bootstrap,
                settings.kafka_topic,
                settings.kafka_partitions,
                settings.kafka_replication_factor,
            )
            for view in system.views.values():
                view.register_streams(system.kafka_streams())
        log.info("migrated", read_models=sorted(system.views))


def api(settings: Settings, _: argparse.Namespace) -> None:
    with _system(settings) as system:
        _serve(system)


def relay(settings: Settings, _: argparse.Namespace) -> None:
    from consumers.relay import Relay, ensure_topic, new_producer

    bootstrap = _kafka(settings)
    ensure_topic(
        bootstrap,
        settings.kafka_topic,
        settings.kafka_partitions,
        settings.kafka_replication_factor,
    )
    stop = _stop_on_signals()
    with _system(settings) as system:
        tracking = system.relay_tracking()
        producer = new_producer(bootstrap)
        try:
            Relay(
                system.store,
                tracking,
                producer,
                topic=settings.kafka_topic,
                source=settings.event_source,
                batch_size=settings.relay_batch_size,
            ).run(stop)
        finally:
            producer.close(timeout=10)


def project(settings: Settings, args: argparse.Namespace) -> None:
    from consumers.worker import ProjectionWorker

    bootstrap = _kafka(settings)
    stop = _stop_on_signals()
    with _system(settings) as system:
        view = system.views[args.name]
        ProjectionWorker(
            view,
            bootstrap=bootstrap,
            topic=settings.kafka_topic,
            group_id=settings.kafka_group_prefix + args.name,
            batch_size=settings.projection_batch_size,
            session_timeout_ms=settings.kafka_session_timeout_ms,
        ).run(stop)


def replay(settings: Settings, args: argparse.Namespace) -> None:
    from consumers.replay import replay as rebuild

    with _system(settings, embedded_allowed=not settings.database_url) as system:
        streams = system.kafka_streams() if system.kafka else []
        position = rebuild(
            system.store,
            system.views[args.name],
            lambda s: system.open_view(args.name, s),
            streams,
        )
        print(f"{args.name}: rebuilt and swapped in at position {position}")


def create_api_key(settings: Settings, args: argparse.Namespace) -> None:
    with _system(settings, embedded_allowed=not settings.database_url) as system:
        result, secret = system.commands.api_keys.create_api_key(SYSTEM_CONTEXT, name=args.name)
        print(f"{result.value.id}\n{secret}")


def audit_events(settings: Settings, args: argparse.Namespace) -> None:
    """The audit log's records, oldest first, one JSON object a line (as ``GET /audit/events``
    answers them), read from the audit model as it is."""
    from api.models.audit import AuditEventPublic
    from projections.audit.queries import AuditFilter, events
    from projections.pagination import PageRequest

    where = AuditFilter(
        organization_id=args.org,
        actor_id=args.actor,
        target_id=args.target,
        event_types=tuple(t for value in args.type for t in value.split(",") if t),
        occurred_after=args.since,
        occurred_before=args.until,
        search=args.q,
    )
    with _system(settings, embedded_allowed=not settings.database_url) as system:
        after = None
        with system.reads.pool.connection() as conn:
            while True:
                page = events(conn, PageRequest(limit=100, after=after, order="asc"), where)
                for row in page.rows:
                    print(AuditEventPublic.from_row(row).model_dump_json())
                if page.after is None:
                    return
                after = page.after


def contract(settings: Settings, _: argparse.Namespace) -> None:
    from consumers.contract import render

    sys.stdout.write(render())


def _kafka(settings: Settings) -> str:
    if not settings.kafka_bootstrap:
        sys.exit("IDGOV_KAFKA_BOOTSTRAP is not set.")
    return settings.kafka_bootstrap


def main(argv: list[str] | None = None) -> None:
    from idgov.bootstrap import READ_MODELS

    parser = argparse.ArgumentParser(prog="idgov", description="Event-sourced identity governance.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "up", help="run everything on an embedded PostgreSQL, in one process unless --kafka"
    )
    run.add_argument(
        "--kafka",
        action="store_true",
        help="run the relay, a worker per read model and the API as processes on Kafka "
        "(the local broker unless IDGOV_KAFKA_BOOTSTRAP is set)",
    )
    run.set_defaults(run=up)
    commands.add_parser("migrate", help="create tables, topic and the admin API key").set_defaults(
        run=migrate
    )
    commands.add_parser("api", help="serve the HTTP API").set_defaults(run=api)
    commands.add_parser("relay", help="publish the event store to Kafka").set_defaults(run=relay)
    for name, handler, text in (
        ("project", project, "run a projection worker on Kafka"),
        ("replay", replay, "rebuild a read model from the event store and swap it in"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("name", choices=sorted(READ_MODELS))
        sub.set_defaults(run=handler)
    commands.add_parser(
        "contract", help="print the AsyncAPI document of the event topic"
    ).set_defaults(run=contract)
    audit = commands.add_parser("audit", help="read the audit log").add_subparsers(
        dest="what", required=True
    )
    listing = audit.add_parser("events", help="print audit records as JSON lines, oldest first")
    listing.add_argument("--org", help="an organization id")
    listing.add_argument("--actor", help="an actor's id, or the id of whom it acted for")
    listing.add_argument("--target", help="the id of an object the events touched")
    listing.add_argument(
        "--type", action="append", default=[], help="event types, repeated or comma-separated"
    )
    listing.add_argument("--since", type=datetime.fromisoformat, help="occurred at or after")
    listing.add_argument("--until", type=datetime.fromisoformat, help="occurred before")
    listing.add_argument("--q", help="text in the names of the targets and actors")
    listing.set_defaults(run=audit_events)
    key = commands.add_parser("create-api-key", help="create an API key and print it once")
    key.add_argument("--name", required=True)
    key.set_defaults(run=create_api_key)

    args = parser.parse_args(argv)
    settings = Settings()
    logs.configure(settings.log_format, settings.log_level)
    args.run(settings, args)
