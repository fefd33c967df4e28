"""The audit record, as ``GET /audit/events`` answers it (an idgov extension)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, Field

from api.models.common import Public
from domain.events import ActorType, EventSource


class AuditActor(BaseModel):
    type: ActorType
    id: str
    name: str | None = Field(description="Its name when the event happened, where known.")


class AuditTarget(BaseModel):
    type: str = Field(description="What kind of object: organization, user, resource, …")
    id: str
    name: str | None = Field(description="Its name when the event happened, where known.")


class AuditChange(BaseModel):
    before: Any = Field(description="Null for a creation, and where the event did not say.")
    after: Any = Field(description="Null for a removal.")


class AuditEventPublic(Public):
    object: Literal["audit_event"] = "audit_event"
    id: str = Field(description="The event's position in the event store: the list's order.")
    event_type: str = Field(description="The event's type, e.g. organization.renamed.")
    organization_id: str | None
    occurred_at: datetime = Field(description="When the change was committed (UTC).")
    actor: AuditActor = Field(description="The credential that made the change.")
    on_behalf_of: AuditActor | None = Field(
        description="The principal the actor acted for (``X-Idgov-Actor``), if it said so."
    )
    source: EventSource
    request_id: str | None = Field(description="The id of the request that made it.")
    client_ip: str | None = Field(description="The HTTP client's address, if one made it.")
    user_agent: str | None
    reason: str | None = Field(description="Why, as the caller wrote it (X-Idgov-Reason).")
    targets: list[AuditTarget] = Field(
        description="The event's own object first, then every object it names, as named then."
    )
    changes: dict[str, AuditChange] = Field(
        description="Each field the event states, with its value before and after."
    )
    outcome: Literal["succeeded"] = Field(
        description="Always succeeded: a refused command records nothing."
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        return cls.model_validate({**row, "id": str(row["position"])})
