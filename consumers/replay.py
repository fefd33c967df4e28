"""Rebuild a read model from the event store into a fresh schema, then swap it in atomically.

The rebuild runs beside the live model without blocking it. The swap transaction locks
the live model's tracking table (so its feeders pause), catches the rebuild up to the
event store's current position P, gives the rebuild every stream of the live model at
P (and the live Kafka offsets, so workers resume where they were and skip what the rebuild
already holds), and renames the schemas. Feeders blocked on the lock resolve the table
names again once it is released, and carry on against the rebuilt model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog
from psycopg import sql

from consumers.notification_log import NotificationLog, deliveries_after
from domain.store import EVENT_STORE_STREAM
from projections.base import ProjectionView

log = structlog.get_logger("idgov.replay")

BATCH = 1000


def feed(
    event_store: NotificationLog, view: ProjectionView, after: int, until: int | None = None
) -> int:
    """Apply the events recorded after ``after``, none after ``until``; returns how far."""
    position = after
    while deliveries := deliveries_after(event_store, EVENT_STORE_STREAM, position, BATCH, until):
        view.apply_batch(deliveries)
        position = deliveries[-1].position
    return position


def replay(
    event_store: NotificationLog,
    live: ProjectionView,
    open_view: Callable[[str], ProjectionView],
    streams: Sequence[str] = (),
) -> int:
    """Rebuild ``live``'s model and swap it in; returns the position the rebuild swapped in at.

    ``streams`` are the input streams the live model should have after the swap, besides
    those it already has (for example every partition of the Kafka topic).
    """
    name = live.schema
    staging = f"{name}_rebuild"
    retired = f"{name}_retired"
    with live.datastore.transaction(commit=True) as cursor:
        cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(sql.Identifier(staging)))
    rebuild = open_view(staging)
    rebuild.create_table()
    position = feed(event_store, rebuild, 0)
    log.info("replay_rebuilt", projection=name, position=position)

    with live.datastore.transaction(commit=True) as cursor:
        cursor.execute(
            sql.SQL("LOCK TABLE {0}.tracking IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(name))
        )
        final = feed(event_store, rebuild, position)
        cursor.execute(
            sql.SQL(
                "SELECT application_name FROM {0}.tracking WHERE application_name <>"
                " '__migration__'"
            ).format(sql.Identifier(name))
        )
        wanted = (
            {row["application_name"] for row in cursor.fetchall()}
            | set(streams)
            | {EVENT_STORE_STREAM}
        )
        ident = sql.Identifier
        cursor.executemany(
            sql.SQL(
                "INSERT INTO {0}.tracking (application_name, notification_id) VALUES (%s, %s)"
                " ON CONFLICT (application_name) DO UPDATE SET notification_id ="
                " excluded.notification_id"
            ).format(ident(staging)),
            [(stream, final) for stream in sorted(wanted)],
        )
        cursor.execute(
            sql.SQL("INSERT INTO {0}.kafka_offsets SELECT * FROM {1}.kafka_offsets").format(
                ident(staging), ident(name)
            )
        )
        cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(ident(retired)))
        cursor.execute(
            sql.SQL("ALTER SCHEMA {0} RENAME TO {1}").format(ident(name), ident(retired))
        )
        cursor.execute(
            sql.SQL("ALTER SCHEMA {0} RENAME TO {1}").format(ident(staging), ident(name))
        )
        cursor.execute(sql.SQL("DROP SCHEMA {0} CASCADE").format(ident(retired)))
    rebuild.datastore.close()
    log.info("replay_swapped", projection=name, position=final)
    return final
