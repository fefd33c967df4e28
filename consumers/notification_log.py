"""What consumers read of the event store: its notification log, through the recorder, and the
mapper that turns a notification back into its domain event. ``domain.store.EventStore`` has
both, as has every eventsourcing application on that store."""

from __future__ import annotations

from typing import Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper

from projections.base import Delivery


class NotificationLog(Protocol):
    @property
    def recorder(self) -> ApplicationRecorder: ...

    @property
    def mapper(self) -> Mapper[str]: ...


def deliveries_after(
    event_store: NotificationLog,
    stream: str,
    position: int,
    limit: int,
    until: int | None = None,
) -> list[Delivery]:
    """The events recorded after ``position``, at most ``limit`` and none after ``until``, as
    deliveries on ``stream``."""
    notifications = event_store.recorder.select_notifications(
        start=position, limit=limit, stop=until, inclusive_of_start=False
    )
    return [Delivery(stream, n.id, event_store.mapper.to_domain_event(n)) for n in notifications]
