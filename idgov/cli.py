"""The ``idgov`` command line."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.projection import BaseProjectionRunner
from psycopg import sql

if TYPE_CHECKING:
    from consumers.checkpoints import Publish
    from idgov.bootstrap import System

from domain.api_keys import SCOPES
from domain.errors import DomainError
from domain.events import SYSTEM, EventContext
from domain.services.api_keys import ApiKeyService
from idgov import logs
from idgov.database import Database
from idgov.embedded import embedded_postgres, running_url
from idgov.settings import Settings

log = structlog.get_logger("idgov")
SYSTEM_CONTEXT = EventContext(actor=SYSTEM, source="system")


@contextmanager
def _system(
    settings: Settings, *, embedded_allowed: bool = False, beside_running: bool = False
) -> Iterator[System]:
    """``beside_running``: on the embedded PostgreSQL of an ``idgov up`` running on the data
    dir, if there is one (it owns the data dir, so no other server may start on it)."""
    from idgov.bootstrap import System

    with ExitStack() as stack:
        running = running_url(settings.data_dir) if beside_running else None
        if settings.database_url:
            url = settings.database_url
        elif running is not None:
            url = running
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
        _sign_checkpoints(system, threading.Event())
        _serve(system)  # returns after SIGINT/SIGTERM, once requests have drained


def _sign_checkpoints(
    system: System, stop: threading.Event, publish: Publish | None = None
) -> None:
    """Checkpoints of the chain, signed in the background until ``stop``; the writer failing
    stops the process, as a failing follower does."""
    writer = system.checkpoint_writer(publish)

    def run() -> None:
        try:
            writer.run(stop)
        except Exception:
            log.exception("checkpoints_failed")
            signal.raise_signal(signal.SIGTERM)

    threading.Thread(target=run, name="checkpoints", daemon=True).start()


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
    from consumers.checkpoints import kafka_publisher
    from consumers.relay import Relay, ensure_topic, new_producer

    bootstrap = _kafka(settings)
    ensure_topic(
        bootstrap,
        settings.kafka_topic,
        settings.kafka_partitions,
        settings.kafka_replication_factor,
    )
    stop = _stop_on_signals()
    ensure_topic(bootstrap, settings.checkpoint_topic, 1, settings.kafka_replication_factor)
    with _system(settings) as system:
        tracking = system.relay_tracking()
        producer = new_producer(bootstrap)
        _sign_checkpoints(system, stop, kafka_publisher(producer, settings.checkpoint_topic))
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


@contextmanager
def _keys(settings: Settings) -> Iterator[ApiKeyService]:
    """Key commands work on a stopped installation and beside a running one alike."""
    local = not settings.database_url
    with _system(settings, embedded_allowed=local, beside_running=local) as system:
        try:
            yield system.commands.api_keys
        except DomainError as refused:  # an unknown key or organization: nothing changed
            sys.exit(f"{refused.code}: {refused.message}")


def create_key(settings: Settings, args: argparse.Namespace) -> None:
    with _keys(settings) as keys:
        result, secret = keys.create_api_key(
            SYSTEM_CONTEXT,
            name=args.name,
            scopes=tuple(args.scope or ["admin"]),
            organization_ids=tuple(args.organization or ()),
        )
        print(f"{result.value.id}\n{secret}")


def list_keys(settings: Settings, _: argparse.Namespace) -> None:
    with _keys(settings) as keys:
        for key in keys.api_keys():
            organizations = ",".join(key.organization_ids) or "*"
            state = "revoked" if key.revoked else "active"
            print(
                f"{key.id}\t{key.name}\t{key.display_hint}\t{','.join(key.scopes)}"
                f"\t{organizations}\t{state}"
            )


def revoke_key(settings: Settings, args: argparse.Namespace) -> None:
    with _keys(settings) as keys:
        keys.revoke_api_key(SYSTEM_CONTEXT, args.key_id)
        print(f"{args.key_id}: revoked")


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
    local = not settings.database_url
    with _system(settings, embedded_allowed=local, beside_running=local) as system:
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


def audit_verify(settings: Settings, args: argparse.Namespace) -> None:
    """Exit status 1, and the finding, when stored history no longer matches the chain or a
    checkpoint; JSON on stdout, a line for people on stderr."""
    from projections.ledger.checkpoints import Checkpoint, stored
    from projections.ledger.verify import verify

    key = _public_key(settings, args.public_key)
    with _ledger(settings) as (events, conn):
        held = [*stored(conn)]
        if args.from_checkpoints is not None:
            lines = args.from_checkpoints.read_text().splitlines()
            held += [Checkpoint.model_validate_json(line) for line in lines if line.strip()]
        verdict = verify(conn, events, held, key)
    print(json.dumps(verdict.report()))
    if verdict.finding is not None:
        sys.exit(
            f"audit verify FAILED at position {verdict.finding.position}: "
            f"{verdict.finding.kind}: {verdict.finding.message}"
        )
    print(
        f"audit verify: {verdict.events} events up to position {verdict.position} and "
        f"{verdict.checkpoints} checkpoints verified",
        file=sys.stderr,
    )


def audit_checkpoints(settings: Settings, _: argparse.Namespace) -> None:
    """Every stored checkpoint, one JSON object a line."""
    from projections.ledger.checkpoints import stored

    with _ledger(settings) as (_events, conn):
        for checkpoint in stored(conn):
            print(checkpoint.model_dump_json())


@contextmanager
def _ledger(settings: Settings) -> Iterator[tuple[sql.Identifier, psycopg.Connection[Any]]]:
    """The stored events' table and a connection to its database."""
    with (
        _system(settings, embedded_allowed=not settings.database_url) as system,
        system.database.connect() as conn,
    ):
        yield system.events_table, conn


def audit_public_key(settings: Settings, _: argparse.Namespace) -> None:
    """The public key that verifies checkpoints, PEM."""
    sys.stdout.write(_public_pem(settings).decode())


def _public_pem(settings: Settings) -> bytes:
    from cryptography.hazmat.primitives import serialization

    from idgov.bootstrap import checkpoint_signing_key

    return (
        checkpoint_signing_key(settings)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _public_key(settings: Settings, path: Path | None) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives import serialization

    pem = path.read_bytes() if path is not None else _public_pem(settings)
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        sys.exit("audit verify: the public key is not an Ed25519 key.")
    return key


def _add_ledger_commands(audit: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = audit.add_parser(
        "verify",
        help="recompute the event store's hash chain and check the signed checkpoints",
    )
    verify.add_argument(
        "--from-checkpoints",
        type=Path,
        metavar="FILE",
        help="checkpoints held elsewhere (JSON lines, as 'audit checkpoints' prints them)",
    )
    verify.add_argument(
        "--public-key",
        type=Path,
        metavar="FILE",
        help="the PEM public key to check signatures with (default: this installation's)",
    )
    verify.set_defaults(run=audit_verify)
    audit.add_parser("checkpoints", help="print the signed checkpoints as JSON lines").set_defaults(
        run=audit_checkpoints
    )
    audit.add_parser(
        "public-key", help="print the public key that verifies checkpoints (PEM)"
    ).set_defaults(run=audit_public_key)


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
    audit = commands.add_parser("audit", help="evidence of what was recorded")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    _add_ledger_commands(audit_commands)
    listing = audit_commands.add_parser(
        "events", help="print audit records as JSON lines, oldest first"
    )
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
    keys = commands.add_parser("keys", help="create, list and revoke API keys").add_subparsers(
        dest="keys", required=True
    )
    create = keys.add_parser("create", help="create an API key and print its secret once")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scope", action="append", choices=SCOPES, help="repeatable; admin when left out"
    )
    create.add_argument(
        "--organization", action="append", help="restrict the key to it (repeatable)"
    )
    create.set_defaults(run=create_key)
    keys.add_parser("list", help="list API keys (never their secrets)").set_defaults(run=list_keys)
    revoke = keys.add_parser("revoke", help="revoke an API key")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=revoke_key)

    args = parser.parse_args(argv)
    settings = Settings()
    logs.configure(settings.log_format, settings.log_level)
    args.run(settings, args)
