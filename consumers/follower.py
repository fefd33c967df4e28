"""The embedded follower: read models follow the event store in-process, without Kafka.

eventsourcing's projection runner subscribes to the notification log (LISTEN/NOTIFY) from
the view's recorded position and hands each event to ``FollowerProjection``, which applies
it through the same ``ProjectionView.apply_batch`` that Kafka workers use.

Applying one event per transaction is slow on a backlog (an import, a restart after a
while), so on each event the projection reads ahead: everything recorded from that event on,
up to ``READ_AHEAD`` events, is applied in one batch, and the events the runner then hands
over that are already applied are passed by in memory.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import BaseProjectionRunner, Projection

from consumers.notification_log import NotificationLog, deliveries_after
from domain.store import EventStore
from projections.base import Delivery, ProjectionView

READ_AHEAD = 500


class FollowerProjection(Projection[ProjectionView]):
    def __init__(self, view: ProjectionView) -> None:
        super().__init__(view)
        self.event_store: NotificationLog | None = None  # the runner's, once it has one
        self.applied = 0

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if tracking.notification_id <= self.applied:
            return
        deliveries = [Delivery(tracking.application_name, tracking.notification_id, domain_event)]
        if self.event_store is not None:
            deliveries += deliveries_after(
                self.event_store, tracking.application_name, tracking.notification_id, READ_AHEAD
            )
        self.view.apply_batch(deliveries)
        self.applied = deliveries[-1].position


def follow(view: ProjectionView, env: dict[str, str]) -> BaseProjectionRunner[EventStore]:
    """Start following; the runner's ``stop()`` ends it."""
    projection = FollowerProjection(view)
    runner = BaseProjectionRunner(
        projection=projection,
        application_class=EventStore,
        tracking_recorder=view,
        topics=(),
        env=env,
    )
    projection.event_store = runner.app
    return runner
