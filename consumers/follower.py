"""The embedded follower: read models follow the event store in-process, without Kafka.

eventsourcing's projection runner subscribes to the notification log (LISTEN/NOTIFY) from
the view's recorded position and hands each event to ``FollowerProjection``, which applies
it through the same ``ProjectionView.apply_batch`` that Kafka workers use.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import BaseProjectionRunner, Projection

from domain.application import IdentityApplication
from projections.base import Delivery, ProjectionView


class FollowerProjection(Projection[ProjectionView]):
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply_batch(
            [Delivery(tracking.application_name, tracking.notification_id, domain_event)]
        )


def follow(view: ProjectionView, env: dict[str, str]) -> BaseProjectionRunner[IdentityApplication]:
    """Start following; the runner's ``stop()`` ends it."""
    return BaseProjectionRunner(
        projection=FollowerProjection(view),
        application_class=IdentityApplication,
        tracking_recorder=view,
        topics=(),
        env=env,
    )
