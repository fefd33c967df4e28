"""What ``/health`` answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EventStorePosition(BaseModel):
    position: int = Field(description="The position of the last event committed.", examples=[4211])


class ProjectionHealth(BaseModel):
    position: int = Field(description="The position the read model has applied up to.")
    lag: int = Field(description="How many positions the read model is behind the event store.")
    dead_letters: int = Field(description="Events the read model could not apply, kept aside.")


class Health(BaseModel):
    """The event store's position and each read model's progress."""

    model_config = ConfigDict(extra="allow")

    status: Literal["ok", "degraded"] = Field(
        description="`degraded` while a read model holds a dead letter: it serves, but not all"
        " of history."
    )
    mode: str = Field(description="How idgov runs: `embedded` or `kafka`.", examples=["embedded"])
    event_store: EventStorePosition = Field(description="The event store.")
    projections: dict[str, ProjectionHealth] = Field(description="Each read model, by name.")


class Unavailable(BaseModel):
    """The database cannot be read."""

    status: Literal["unavailable"] = Field(description="Always `unavailable`.")
    error: str = Field(description="The kind of error met.", examples=["OperationalError"])
