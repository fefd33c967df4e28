"""The event store: eventsourcing's ``Application`` over idgov's events and notification log.

Use cases (``domain/services/``) load aggregates from it and save them to it; the consumers
read its notification log, named ``EVENT_STORE_STREAM`` as eventsourcing names it.
"""

from __future__ import annotations

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper

from domain.serialization import PydanticMapper

EVENT_STORE_STREAM = "idgov"


class EventStore(Application[str]):
    name = EVENT_STORE_STREAM

    def construct_mapper(self) -> Mapper[str]:
        return PydanticMapper(transcoder=self.construct_transcoder())
